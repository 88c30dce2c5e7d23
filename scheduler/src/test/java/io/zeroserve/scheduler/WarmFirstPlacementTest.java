package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zeroserve.scheduler.ClusterView.ReplicaView;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarmFirstPlacementTest {

  private final WarmFirstPlacement policy = new WarmFirstPlacement();
  private final PlacementRequest onA = new PlacementRequest("f", 1, "a");

  @Test
  void when_localReplicaReady_then_routesLocally_evenIfRemoteIsIdler() {
    ClusterView view = new ClusterView(List.of("a", "b"),
        List.of(new ReplicaView("r-b", "b", 0), new ReplicaView("r-a", "a", 5)));
    assertEquals(new Placement.Route("a", "r-a"), policy.place(onA, view));
  }

  @Test
  void when_onlyRemoteReplicasReady_then_routesToLeastLoaded() {
    ClusterView view = new ClusterView(List.of("a", "b", "c"),
        List.of(new ReplicaView("r-b", "b", 3), new ReplicaView("r-c", "c", 1)));
    assertEquals(new Placement.Route("c", "r-c"), policy.place(onA, view));
  }

  @Test
  void when_noReplicaReady_then_coldStartsOnReceivingNode() {
    assertEquals(new Placement.ColdStart("a"), policy.place(onA, new ClusterView(List.of("a", "b"), List.of())));
  }

  @Test
  void when_receivingNodeLeaving_and_noReplica_then_noCapacity() {
    Placement p = policy.place(onA, new ClusterView(List.of("b"), List.of()));
    assertEquals(Placement.NoCapacity.class, p.getClass());
  }

  @Test
  void when_localReplicasCompete_then_picksLeastOutstanding() {
    ClusterView view = new ClusterView(List.of("a"),
        List.of(new ReplicaView("r1", "a", 4), new ReplicaView("r2", "a", 1)));
    assertEquals(new Placement.Route("a", "r2"), policy.place(onA, view));
  }
}
