package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NodeOptionsTest {

  @Test
  void logFormat_isHumanByDefault_jsonByFlagOrEnv_andAnythingElseIsRefused() {
    assertEquals(NodeOptions.LogFormat.HUMAN, NodeOptions.parse(new String[0], Map.of()).logFormat());
    assertEquals(NodeOptions.LogFormat.JSON,
        NodeOptions.parse(new String[] {"--log-format", "json"}, Map.of()).logFormat());
    assertEquals(NodeOptions.LogFormat.JSON, NodeOptions.parse(new String[0], Map.of("ZS_LOG_FORMAT", "JSON")).logFormat());
    assertEquals(NodeOptions.LogFormat.HUMAN,
        NodeOptions.parse(new String[] {"--log-format=human"}, Map.of("ZS_LOG_FORMAT", "json")).logFormat(),
        "a flag beats the variable");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NodeOptions.parse(new String[] {"--log-format", "xml"}, Map.of()));
    assertEquals("log-format must be human or json, was: xml", e.getMessage());
  }

  /** The README's options table lists exactly NodeOptions.OPTIONS, in order, with the same defaults. */
  @Test
  void readmeOptionsTable_matchesOptions() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("## Node options");
    assertTrue(start >= 0, "README has a Node options section");
    Matcher row = Pattern.compile("(?m)^\\| `--([a-z-]+)` \\| ([^|]+) \\|").matcher(readme.substring(start));
    List<String> documented = new ArrayList<>();
    while (row.find()) {
      documented.add(row.group(1));
    }
    assertEquals(NodeOptions.OPTIONS.stream().map(o -> o[0]).toList(), documented);
  }
}
