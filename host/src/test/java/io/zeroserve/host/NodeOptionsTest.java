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

  @Test
  void discoveryKubernetes_fromEnv_givesKubernetesClusterOptions_andBadCombinationsAreRefused() {
    NodeOptions k8s = NodeOptions.parse(new String[0], Map.of("ZS_DISCOVERY", "kubernetes",
        "ZS_K8S_SERVICE_DNS", "zeroserve-hs.prod.svc.cluster.local", "ZS_CLUSTER_HOST", "10.1.2.3"));
    assertEquals(io.zeroserve.cluster.ClusterOptions.Discovery.KUBERNETES, k8s.cluster().discovery());
    assertEquals("zeroserve-hs.prod.svc.cluster.local", k8s.cluster().kubernetes().serviceDns());
    assertEquals("10.1.2.3", k8s.cluster().clusterHost());

    NodeOptions api = NodeOptions.parse(new String[] {"--discovery", "kubernetes", "--k8s-service-name", "zs",
        "--k8s-namespace", "prod"}, Map.of());
    assertEquals("zs", api.cluster().kubernetes().serviceName());
    assertEquals("prod", api.cluster().kubernetes().namespace());

    assertEquals(io.zeroserve.cluster.ClusterOptions.Discovery.TCP, NodeOptions.parse(new String[0], Map.of())
        .cluster().discovery());
    assertThrows(IllegalArgumentException.class, () -> NodeOptions.parse(new String[] {"--discovery", "kubernetes"},
        Map.of()), "kubernetes discovery needs a service");
    assertThrows(IllegalArgumentException.class, () -> NodeOptions.parse(new String[] {"--discovery", "kubernetes",
        "--k8s-service-dns", "a.svc", "--join", "10.0.0.1:5701"}, Map.of()), "and no join list");
    assertEquals("discovery must be tcp or kubernetes, was: dns", assertThrows(IllegalArgumentException.class,
        () -> NodeOptions.parse(new String[] {"--discovery", "dns"}, Map.of())).getMessage());
  }

  /** The README's options table lists exactly NodeOptions.OPTIONS, in order, with the same defaults. */
  @Test
  void readmeOptionsTable_matchesOptions() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("## Node options");
    assertTrue(start >= 0, "README has a Node options section");
    Matcher row = Pattern.compile("(?m)^\\| `--([a-z0-9-]+)` \\| ([^|]+) \\|").matcher(readme.substring(start));
    List<String> documented = new ArrayList<>();
    while (row.find()) {
      documented.add(row.group(1));
    }
    assertEquals(NodeOptions.OPTIONS.stream().map(o -> o[0]).toList(), documented);
  }
}
