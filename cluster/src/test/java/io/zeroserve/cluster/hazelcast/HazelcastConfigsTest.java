package io.zeroserve.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import io.zeroserve.cluster.ClusterOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class HazelcastConfigsTest {

  private final Config config = HazelcastConfigs.forNode(ClusterOptions.defaults()
      .withClusterName("c1").withClusterPort(5801).withJoin(List.of("127.0.0.1:5802", "127.0.0.1:5803"))
      .withMaxNoHeartbeatSeconds(7));

  @Test
  void joinsOnlyTheListedMembersOverTcp() {
    assertEquals("c1", config.getClusterName());
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5802", "127.0.0.1:5803"), join.getTcpIpConfig().getMembers());
  }

  @Test
  void when_discoveryIsKubernetesByDns_then_kubernetesJoinIsOn_andTcpIpAndMulticastAreOff() {
    Config k8s = HazelcastConfigs.forNode(ClusterOptions.defaults().withClusterPort(5701)
        .withKubernetes(new ClusterOptions.Kubernetes("zeroserve-hs.prod.svc.cluster.local", null, null)));
    JoinConfig join = k8s.getNetworkConfig().getJoin();
    assertTrue(join.getKubernetesConfig().isEnabled());
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertEquals("zeroserve-hs.prod.svc.cluster.local", join.getKubernetesConfig().getProperty("service-dns"));
    assertEquals("5701", join.getKubernetesConfig().getProperty("service-port"));
    assertEquals(null, join.getKubernetesConfig().getProperty("service-name"));
  }

  @Test
  void when_discoveryIsKubernetesByApi_then_serviceNameAndNamespaceAreSet() {
    Config k8s = HazelcastConfigs.forNode(ClusterOptions.defaults()
        .withKubernetes(new ClusterOptions.Kubernetes(null, "prod", "zeroserve-hs")));
    JoinConfig join = k8s.getNetworkConfig().getJoin();
    assertTrue(join.getKubernetesConfig().isEnabled());
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertEquals("zeroserve-hs", join.getKubernetesConfig().getProperty("service-name"));
    assertEquals("prod", join.getKubernetesConfig().getProperty("namespace"));
    assertEquals(null, join.getKubernetesConfig().getProperty("service-dns"));
  }

  @Test
  void tcpDiscovery_leavesKubernetesOff() {
    assertFalse(config.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled());
  }

  @Test
  void bindsExactlyTheClusterHostAndPort() {
    assertEquals(5801, config.getNetworkConfig().getPort());
    assertFalse(config.getNetworkConfig().isPortAutoIncrement());
    assertTrue(config.getNetworkConfig().getInterfaces().isEnabled());
    assertEquals(List.of("127.0.0.1"), List.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
    assertEquals("127.0.0.1", config.getProperty("hazelcast.local.localAddress"));
    assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
  }

  @Test
  void joinsAtOnceDetectsFailuresFastAndStaysQuiet() {
    assertEquals("0", config.getProperty("hazelcast.wait.seconds.before.join"));
    assertEquals("1", config.getProperty("hazelcast.heartbeat.interval.seconds"));
    assertEquals("7", config.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals("10", config.getProperty("hazelcast.merge.first.run.delay.seconds"));
    assertEquals("10", config.getProperty("hazelcast.merge.next.run.delay.seconds"));
    assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"));
    assertEquals("false", config.getProperty("hazelcast.shutdownhook.enabled"));
    assertEquals("slf4j", config.getProperty("hazelcast.logging.type"));
  }

  @Test
  void functionsMapHasOneSyncBackupAndKeepsTheHigherRevisionOnMerge() {
    MapConfig functions = config.getMapConfig(ClusterMaps.FUNCTIONS);
    assertEquals(1, functions.getBackupCount());
    assertEquals(0, functions.getAsyncBackupCount());
    assertEquals(HigherRevisionMergePolicy.class.getName(), functions.getMergePolicyConfig().getPolicy());
    for (String name : List.of(ClusterMaps.NODES, ClusterMaps.REPLICAS)) {
      assertFalse(config.getReplicatedMapConfig(name).isAsyncFillup(), name);
    }
  }
}
