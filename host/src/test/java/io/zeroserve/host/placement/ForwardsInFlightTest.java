package io.zeroserve.host.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.CostModel;
import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.Estimates;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.LeastExpectedResponseTime;
import io.zeroserve.scheduler.NetworkModel;
import io.zeroserve.scheduler.NodeView;
import io.zeroserve.scheduler.Placement;
import io.zeroserve.scheduler.PlacementRequest;
import io.zeroserve.scheduler.ReplicaView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForwardsInFlightTest {

  private static final String SELF = "a";
  private static final long PUBLISHED = 1_000_000L;

  private final ForwardsInFlight forwards = new ForwardsInFlight();

  private static ReplicaView replica(String id, String node, ReplicaView.Phase phase, int outstanding, long lastUsedNanos) {
    return new ReplicaView(node + "/" + id, node, "cpu", "f", 1, phase, outstanding, 1, 1 << 20, 0, lastUsedNanos, 0);
  }

  private static ReplicaView ready(String id, String node, int outstanding) {
    return replica(id, node, ReplicaView.Phase.READY, outstanding, 0);
  }

  private ForwardsInFlight.Ticket send(String node, long atMillis) {
    return forwards.sent(node, "f", 1, atMillis, atMillis * 1_000_000);
  }

  /** Each node's entries of f v1 last written at the time that follows its id. */
  private static Map<ForwardsInFlight.VersionOnNode, Long> written(Object... nodeThenMillis) {
    Map<ForwardsInFlight.VersionOnNode, Long> written = new HashMap<>();
    for (int i = 0; i < nodeThenMillis.length; i += 2) {
      written.put(new ForwardsInFlight.VersionOnNode((String) nodeThenMillis[i], "f", 1), (Long) nodeThenMillis[i + 1]);
    }
    return written;
  }

  private List<ReplicaView> overlay(List<ReplicaView> replicas, String self,
                                    Map<ForwardsInFlight.VersionOnNode, Long> written) {
    return forwards.overlay(replicas, self, written).replicas();
  }

  private static int outstanding(List<ReplicaView> replicas, String id) {
    return replicas.stream().filter(r -> r.replicaId().equals(id)).findFirst().orElseThrow().outstanding();
  }

  @Test
  void when_forwardsSentAfterTheNodePublished_then_theyQueueOnItsLeastLoadedReplicas() {
    List<ReplicaView> replicas = List.of(ready("r1", "b", 2), ready("r2", "b", 0));
    for (int i = 0; i < 3; i++) {
      send("b", PUBLISHED + 5);
    }

    List<ReplicaView> seen = overlay(replicas, SELF, written("b", PUBLISHED));

    // Water-filled as node b hands them out: r2 takes two, then the third goes to the first of equals.
    assertEquals(3, outstanding(seen, "b/r1"));
    assertEquals(2, outstanding(seen, "b/r2"));
  }

  @Test
  void when_forwardsWereSentBeforeTheNodePublished_then_theDirectoryCountsThemAlready() {
    List<ReplicaView> replicas = List.of(ready("r1", "b", 4));
    send("b", PUBLISHED - 1);
    send("b", PUBLISHED - 40);
    send("b", PUBLISHED);

    List<ReplicaView> seen = overlay(replicas, SELF, written("b", PUBLISHED));

    assertEquals(5, outstanding(seen, "b/r1"), "only the one sent in the millisecond of the write or later is added");
  }

  @Test
  void when_forwardsAreAnswered_inAnyOrder_then_onlyTheOthersCount() {
    List<ReplicaView> replicas = List.of(ready("r1", "b", 0));
    ForwardsInFlight.Ticket first = send("b", PUBLISHED + 1);
    ForwardsInFlight.Ticket second = send("b", PUBLISHED + 2);
    ForwardsInFlight.Ticket third = send("b", PUBLISHED + 3);

    forwards.answered(second);
    assertEquals(2, outstanding(overlay(replicas, SELF, written("b", PUBLISHED)), "b/r1"));
    forwards.answered(first);
    assertEquals(1, forwards.inFlightSince("b", "f", 1, 0));
    forwards.answered(third);
    assertEquals(0, outstanding(overlay(replicas, SELF, written("b", PUBLISHED)), "b/r1"));
    assertEquals(0, forwards.inFlightSince("b", "f", 1, 0));
  }

  @Test
  void when_aNodeHasAReadyAndALoadingReplica_then_forwardsQueueOnTheReadyOne() {
    List<ReplicaView> replicas = List.of(replica("r1", "b", ReplicaView.Phase.LOADING, 0, 0), ready("r2", "b", 3));
    send("b", PUBLISHED + 1);

    List<ReplicaView> seen = overlay(replicas, SELF, written("b", PUBLISHED));

    assertEquals(0, outstanding(seen, "b/r1"));
    assertEquals(4, outstanding(seen, "b/r2"));
  }

  @Test
  void when_forwardsWentToOneNode_then_othersAndOwnReplicasAreUntouched() {
    List<ReplicaView> replicas = List.of(ready("r1", "b", 0), ready("r2", "c", 0), ready("r3", SELF, 0),
        replica("r4", "b", ReplicaView.Phase.DRAINING, 0, 0));
    send("b", PUBLISHED + 1);
    forwards.sent("b", "f", 2, PUBLISHED + 1, 0); // another version
    forwards.sent("c", "g", 1, PUBLISHED + 1, 0); // another function

    List<ReplicaView> seen = overlay(replicas, SELF, written("b", PUBLISHED, "c", PUBLISHED));

    assertEquals(List.of(1, 0, 0, 0), seen.stream().map(ReplicaView::outstanding).toList());
  }

  @Test
  void when_theVersionHasNoEntryOnTheNodeYet_then_everyForwardInFlightCounts() {
    // A cold start this node ordered there: Placements' pending view, one call (the order's) on it.
    List<ReplicaView> replicas = List.of(replica("pending", "b", ReplicaView.Phase.LOADING, 1, 0));
    send("b", 5);
    send("b", PUBLISHED + 1);
    send("c", PUBLISHED + 1);

    ForwardsInFlight.Overlay seen = forwards.overlay(replicas, SELF, written("c", PUBLISHED));

    assertEquals(3, outstanding(seen.replicas(), "b/pending"));
    assertEquals(Map.of("b/cpu", 2), seen.addedByDevice(), "its device lacks them as much");
  }

  @Test
  void when_anEarlyForwardIsStillUnanswered_then_laterAnswersStillLeave() {
    ForwardsInFlight.Ticket stuck = send("b", PUBLISHED + 1);
    for (int i = 0; i < 1000; i++) {
      forwards.answered(send("b", PUBLISHED + 2));
    }
    forwards.answered(stuck);
    forwards.answered(stuck); // twice: nothing

    assertEquals(0, forwards.inFlightSince("b", "f", 1, Long.MIN_VALUE));
    forwards.forgetQuietSince(Long.MAX_VALUE);
    List<ReplicaView> replicas = List.of(ready("r1", "b", 0));
    assertSame(replicas, overlay(replicas, SELF, written("b", PUBLISHED)), "nothing in flight: b is forgotten");
  }

  /**
   * A device shared with another function's calls: the forwards laid over this version's replica are
   * added to the device's count too, or they would count as the other function's calls less and make
   * the replica look cheaper the more this node sent there.
   */
  @Test
  void when_forwardsGoToASharedDevice_then_theRouteDoesNotLookCheaperForThem() {
    Estimates estimates = fixedEstimates();
    // b's CPU has 4 lanes and 8 calls of another function; f's replica on it (4 lanes too) is idle.
    List<NodeView> nodes = List.of(new NodeView(SELF, false, List.of()),
        new NodeView("b", false, List.of(new DeviceView("b", "cpu", DeviceKind.CPU, "cpu", 1L << 32, 2 << 20, 4, 8,
            false))));
    ReplicaView other = new ReplicaView("b/g", "b", "cpu", "g", 1, ReplicaView.Phase.READY, 8, 4, 1 << 20, 0, 0, 0);
    List<ReplicaView> directory = List.of(
        new ReplicaView("b/r1", "b", "cpu", "f", 1, ReplicaView.Phase.READY, 0, 4, 1 << 20, 0, 0, 0));
    ClusterSnapshot base = new ClusterSnapshot(0, nodes, List.of(directory.get(0), other), estimates,
        NetworkModel.DEFAULT);
    PlacementRequest request = new PlacementRequest(profile(), SELF, 100);

    long previous = 0;
    for (int sent = 0; sent <= 8; sent += 2) {
      ForwardsInFlight.Overlay o = forwards.overlay(directory, SELF, written("b", PUBLISHED));
      ClusterSnapshot seen = base.withReplicasOf("f", 1, o.replicas(), 0, o.addedByDevice());
      ReplicaView r = o.replicas().get(0);
      long nanos = CostModel.route(r, seen.device("b/cpu"), request, seen);
      assertTrue(nanos >= previous, sent + " forwards: " + nanos + " ns, fewer: " + previous + " ns");
      previous = nanos;
      send("b", PUBLISHED + 1);
      send("b", PUBLISHED + 1);
    }
  }

  @Test
  void when_forwardedToANode_then_theReplicaItPicksCountsAsUsedThen() {
    List<ReplicaView> replicas = List.of(replica("r1", "b", ReplicaView.Phase.READY, 1, 10), ready("r2", "b", 0));
    ForwardsInFlight.Ticket t = forwards.sent("b", "f", 1, PUBLISHED - 5, 500);
    forwards.answered(t);

    List<ReplicaView> seen = overlay(replicas, SELF, written("b", PUBLISHED));

    assertEquals(10, seen.get(0).lastUsedNanos());
    assertEquals(500, seen.get(1).lastUsedNanos(), "the least loaded one is where node b sent it");
    assertEquals(List.of(1, 0), seen.stream().map(ReplicaView::outstanding).toList());
  }

  @Test
  void when_aTargetIsQuiet_then_itIsForgotten() {
    ForwardsInFlight.Ticket answered = forwards.sent("b", "f", 1, PUBLISHED, 100);
    forwards.answered(answered);
    forwards.sent("c", "f", 1, PUBLISHED, 100); // still in flight: kept however old

    forwards.forgetQuietSince(200);

    List<ReplicaView> replicas = List.of(ready("r1", "b", 0), ready("r2", "c", 0));
    List<ReplicaView> seen = overlay(replicas, SELF, written("b", PUBLISHED - 1, "c", PUBLISHED - 1));
    assertEquals(0, seen.get(0).lastUsedNanos(), "b's last forward is forgotten");
    assertEquals(1, seen.get(1).outstanding());
  }

  @Test
  void when_threadsSendAndAnswerWhileQuietTargetsAreForgotten_then_noForwardIsLostOrLeftOver() throws Exception {
    int threads = 4;
    int each = 20_000;
    List<Thread> workers = new ArrayList<>();
    List<ForwardsInFlight.Ticket> unanswered = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      workers.add(new Thread(() -> {
        for (int i = 0; i < each; i++) {
          ForwardsInFlight.Ticket ticket = send("b", PUBLISHED + 1);
          if (i % 1000 == 0) {
            unanswered.add(ticket);
          } else {
            forwards.answered(ticket);
          }
        }
      }));
    }
    Thread forgetter = new Thread(() -> {
      while (workers.stream().anyMatch(Thread::isAlive)) {
        forwards.forgetQuietSince(Long.MAX_VALUE); // forget anything quiet, as soon as it is
      }
    });
    workers.forEach(Thread::start);
    forgetter.start();
    for (Thread w : workers) {
      w.join();
    }
    forgetter.join();

    assertEquals(threads * each / 1000, forwards.inFlightSince("b", "f", 1, PUBLISHED));
    unanswered.forEach(forwards::answered);
    assertEquals(0, forwards.inFlightSince("b", "f", 1, PUBLISHED));
  }

  /**
   * The reason for the overlay: a burst this node forwards within one directory period. Node b's one
   * replica was idle when it last published; 30 calls of 100 ms each have since gone there. Without them
   * placement would send the 31st there too; with them, its 3 s wait loses to a 0.5 s load here.
   */
  @Test
  void when_aBurstWasForwardedToAReplicaTheDirectoryShowsIdle_then_placementStartsOneHereInstead() {
    Estimates estimates = fixedEstimates();
    List<NodeView> nodes = new ArrayList<>();
    for (String node : List.of(SELF, "b")) {
      nodes.add(new NodeView(node, false, List.of(new DeviceView(node, "cpu", DeviceKind.CPU, "cpu", 1L << 32,
          node.equals("b") ? 1 << 20 : 0, 4, 0, false))));
    }
    List<ReplicaView> directory = List.of(ready("r1", "b", 0));
    ClusterSnapshot base = new ClusterSnapshot(0, nodes, directory, estimates, NetworkModel.DEFAULT);
    PlacementRequest request = new PlacementRequest(profile(), SELF, 100);
    LeastExpectedResponseTime policy = new LeastExpectedResponseTime();
    assertInstanceOf(Placement.Route.class, policy.place(request, base), "as the directory shows it");

    for (int i = 0; i < 30; i++) {
      send("b", PUBLISHED + i);
    }
    ForwardsInFlight.Overlay o = forwards.overlay(directory, SELF, written("b", PUBLISHED));
    ClusterSnapshot seen = base.withReplicasOf("f", 1, o.replicas(), 0, o.addedByDevice());

    Placement decision = policy.place(request, seen);
    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class, decision);
    assertEquals(SELF, cold.nodeId());
  }

  /** 100 ms a call, 0.5 s a load, on any device. */
  private static Estimates fixedEstimates() {
    return new Estimates() {
      @Override
      public long serviceNanos(FunctionProfile function, String deviceClass, DeviceKind kind, int batch) {
        return 100_000_000L;
      }

      @Override
      public long loadNanos(FunctionProfile function, String deviceClass, DeviceKind kind) {
        return 500_000_000L;
      }

      @Override
      public long reloadNanos(String function, String deviceClass, DeviceKind kind, long memoryBytes) {
        return 500_000_000L;
      }
    };
  }

  private static FunctionProfile profile() {
    return new FunctionProfile("f", 1, 1 << 20, 1 << 20, DeviceRequirement.ANY, 8, 1, 600_000_000_000L);
  }
}
