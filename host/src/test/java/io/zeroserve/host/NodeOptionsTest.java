package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.functions.codec.DecodeLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NodeOptionsTest {

  @Test
  void readmeOptionsTable_listsEveryOptionInOrder() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher row = Pattern.compile("(?m)^\\| `--([a-z-]+)` \\|").matcher(readme);
    List<String> documented = row.results().map(m -> m.group(1)).toList();
    assertEquals(NodeOptions.OPTIONS.stream().map(o -> o[0]).toList(), documented);
  }

  @Test
  void limits_haveTheirDefaults_andTakeSizesAndDurations() {
    NodeOptions defaults = NodeOptions.parse(new String[0], Map.of());
    assertEquals(DecodeLimits.DEFAULTS, defaults.decodeLimits());
    assertEquals(NodeOptions.DEFAULT_MAX_VERSIONS, defaults.maxVersions());
    assertEquals(NodeOptions.DEFAULT_HEADER_TIMEOUT, defaults.headerTimeout());
    assertEquals(TlsOptions.NONE, defaults.tls());
    NodeOptions set = NodeOptions.parse(new String[] {"--max-tensor-elements", "1000", "--max-tensor-size", "4KiB",
        "--max-json-depth", "8", "--max-string-size", "1KiB", "--header-timeout", "500ms", "--max-versions", "3"},
        Map.of("ZS_HTTP_IDLE_TIMEOUT", "2m"));
    assertEquals(new DecodeLimits(1000, 4096, 8, 1024), set.decodeLimits());
    assertEquals(Duration.ofMillis(500), set.headerTimeout());
    assertEquals(Duration.ofMinutes(2), set.httpIdleTimeout());
    assertEquals(3, set.maxVersions());
  }

  @Test
  void badLimits_areRefusedNamingTheOption() {
    for (String[] args : List.of(new String[] {"--max-tensor-elements", "0"}, new String[] {"--max-json-depth", "2"},
        new String[] {"--header-timeout", "10"}, new String[] {"--header-timeout", "1ms"},
        new String[] {"--max-versions", "0"}, new String[] {"--http-idle-timeout", "soon"})) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeOptions.parse(args, Map.of()));
      assertTrue(e.getMessage().startsWith(args[0].substring(2)), e.getMessage());
    }
  }

  @Test
  void secrets_neverShowInToString() {
    NodeOptions options = NodeOptions.parse(new String[0], Map.of(NodeOptions.CLUSTER_SECRET_ENV,
        "cluster-secret-0123456789", NodeOptions.TOKENS_ENV, "token-0123456789abcdef=admin"));
    assertTrue(!options.toString().contains("0123456789"), options.toString());
  }
}
