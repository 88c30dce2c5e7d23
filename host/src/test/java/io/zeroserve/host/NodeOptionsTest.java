package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.functions.codec.DecodeLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
