package io.zeroserve.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterOptionsTest {

  @Test
  void defaultsAreASingleMemberOnLoopback() {
    ClusterOptions options = ClusterOptions.defaults();
    assertEquals("zeroserve", options.clusterName());
    assertEquals("127.0.0.1", options.clusterHost());
    assertEquals(5701, options.clusterPort());
    assertEquals(List.of(), options.join());
    assertEquals(5, options.maxNoHeartbeatSeconds());
  }

  @Test
  void when_valueBreaksARule_then_messageNamesKeyRuleAndValue() {
    ClusterOptions ok = ClusterOptions.defaults();
    assertEquals("clusterPort must be in 0..65535, was: 70000",
        message(() -> ok.withClusterPort(70000)));
    assertEquals("clusterName must not be blank, was: ' '", message(() -> ok.withClusterName(" ")));
    assertEquals("clusterHost cannot be null", message(() -> ok.withClusterHost(null)));
    assertEquals("clusterHost must be an address other members can reach, not a wildcard, was: 0.0.0.0",
        message(() -> ok.withClusterHost("0.0.0.0")));
    assertEquals("join must hold host:port addresses with a port in 1..65535, was: '10.0.0.1'",
        message(() -> ok.withJoin(List.of("10.0.0.1"))));
    assertEquals("join must hold host:port addresses with a port in 1..65535, was: 'h:0'",
        message(() -> ok.withJoin(List.of("h:0"))));
    assertEquals("maxNoHeartbeatSeconds must be >= 2 (heartbeats are sent every second), was: 1",
        message(() -> ok.withMaxNoHeartbeatSeconds(1)));
  }

  @Test
  void joinIsCopiedAndNullMeansNone() {
    ArrayList<String> join = new ArrayList<>(List.of("127.0.0.1:5701"));
    ClusterOptions options = ClusterOptions.defaults().withJoin(join);
    join.add("127.0.0.1:5702");
    assertEquals(List.of("127.0.0.1:5701"), options.join());
    assertEquals(List.of(), ClusterOptions.defaults().withJoin(null).join());
    assertEquals(List.of("[::1]:5701"), ClusterOptions.defaults().withJoin(List.of("[::1]:5701")).join());
  }

  @Test
  void fromMapTakesJsonShapedValuesAndDefaultsTheRest() {
    ClusterOptions options = ClusterOptions.fromMap(Map.of(
        "clusterName", "prod", "clusterPort", 5801, "join", "10.0.0.1:5801, 10.0.0.2:5801"));
    assertEquals(new ClusterOptions("prod", "127.0.0.1", 5801, List.of("10.0.0.1:5801", "10.0.0.2:5801"), 5),
        options);
    assertEquals(List.of("a:1"), ClusterOptions.fromMap(Map.of("join", List.of("a:1"))).join());
    assertEquals(7, ClusterOptions.fromMap(Map.of("maxNoHeartbeatSeconds", 7L)).maxNoHeartbeatSeconds());
    assertEquals(ClusterOptions.defaults(), ClusterOptions.fromMap(Map.of()));
  }

  @Test
  void when_mapHasUnknownKeyOrWrongType_then_refused() {
    assertEquals("key must be one of " + ClusterOptions.KEYS + ", was: clusterport",
        message(() -> ClusterOptions.fromMap(Map.of("clusterport", 1))));
    assertEquals("clusterPort must be an integer, was: 1.5",
        message(() -> ClusterOptions.fromMap(Map.of("clusterPort", 1.5))));
    assertEquals("join must hold strings, was: 3", message(() -> ClusterOptions.fromMap(Map.of("join", List.of(3)))));
  }

  @Test
  void kubernetesDiscovery_needsAServiceAndNoJoinList_andTcpIgnoresKubernetesSettings() {
    ClusterOptions.Kubernetes dns = new ClusterOptions.Kubernetes("zs-hs.default.svc.cluster.local", " ", null);
    assertEquals(null, dns.namespace(), "blank means unset");
    ClusterOptions k8s = ClusterOptions.defaults().withKubernetes(dns);
    assertEquals(ClusterOptions.Discovery.KUBERNETES, k8s.discovery());
    assertEquals(List.of(), k8s.join());

    assertEquals("k8s-service-dns must be set, or k8s-service-name must be, for Kubernetes discovery, was: none",
        message(() -> new ClusterOptions.Kubernetes(null, "ns", null)));
    assertTrue(message(() -> new ClusterOptions.Kubernetes("a.svc", null, "a")).startsWith("k8s-service-dns must not"));
    assertTrue(message(() -> new ClusterOptions("c", "127.0.0.1", 5701, List.of("10.0.0.1:5701"), 5,
        ClusterOptions.Discovery.KUBERNETES, dns)).startsWith("join must be empty with Kubernetes discovery"));
    assertTrue(message(() -> new ClusterOptions("c", "127.0.0.1", 5701, List.of(), 5,
        ClusterOptions.Discovery.KUBERNETES, null)).startsWith("discovery must come with a service"));
    ClusterOptions tcp = new ClusterOptions("c", "127.0.0.1", 5701, List.of(), 5, ClusterOptions.Discovery.TCP, dns);
    assertEquals(null, tcp.kubernetes());
    assertEquals(ClusterOptions.Discovery.TCP, ClusterOptions.defaults().discovery());
  }

  private static String message(Runnable invalid) {
    return assertThrows(IllegalArgumentException.class, invalid::run).getMessage();
  }
}
