package io.zeroserve.cluster.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.ClusterStateContract;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryClusterStateTest extends ClusterStateContract {

  @Override
  protected List<ClusterState> openTwoMembers() {
    InMemoryCluster cluster = new InMemoryCluster();
    return List.of(cluster.join("node-a"), cluster.join("node-b"));
  }

  @Test
  void when_memberLeaves_then_survivorsDropItsNodeAndReplicasAndAreNotified() {
    InMemoryCluster cluster = new InMemoryCluster();
    InMemoryClusterState a = cluster.join("a");
    InMemoryClusterState c = cluster.join("c");
    c.registerNode(new NodeInfo("c", "127.0.0.1", 8082, 1, false));
    c.putReplica(new ReplicaLocation("c/1", "c", "fn", 1, "READY", 1));
    AtomicInteger notified = new AtomicInteger();
    a.onMembershipChanged(notified::incrementAndGet);

    cluster.leave("c");

    assertEquals(List.of(), List.copyOf(a.nodes()));
    assertEquals(List.of(), List.copyOf(a.replicas("fn", 1)));
    assertEquals(1, notified.get());
    assertEquals(Set.of("a"), cluster.members());
    IllegalStateException gone = assertThrows(IllegalStateException.class, () -> c.get("k"));
    assertEquals("node c has left the cluster", gone.getMessage());
  }

  @Test
  void when_sameNodeIdJoinsTwice_then_refused() {
    InMemoryCluster cluster = new InMemoryCluster();
    cluster.join("a");
    IllegalStateException twice = assertThrows(IllegalStateException.class, () -> cluster.join("a"));
    assertEquals("nodeId must not be a member already, was: a", twice.getMessage());
  }

  @Test
  void standaloneIsItsClustersOnlyMember() {
    InMemoryClusterState alone = InMemoryClusterState.standalone();
    assertEquals(Set.of(alone.localNodeId()), alone.cluster().members());
    assertTrue(alone.all().isEmpty());
  }
}
