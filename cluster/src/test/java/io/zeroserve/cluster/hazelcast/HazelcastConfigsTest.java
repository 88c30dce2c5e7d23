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
