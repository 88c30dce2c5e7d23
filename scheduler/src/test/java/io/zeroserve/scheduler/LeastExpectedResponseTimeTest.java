package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.scheduler.ReplicaView.Phase;
import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Ewma;
import io.zeroserve.scheduler.estimate.LearnedEstimates;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Placement decisions as tables: a cluster snapshot in, the expected decision out. */
class LeastExpectedResponseTimeTest {

  private static final long MS = 1_000_000;
  private static final long GIB = 1L << 30;
  private final LeastExpectedResponseTime policy = new LeastExpectedResponseTime();

  /** A small cluster under construction: nodes with devices, replicas, learned times. */
  private static final class Cluster {
    final List<NodeView> nodes = new ArrayList<>();
    final List<ReplicaView> replicas = new ArrayList<>();
    final Map<String, Ewma> learned = new HashMap<>();
    long nowNanos;

    Cluster node(String id, DeviceView... devices) {
      return node(id, false, devices);
    }

    Cluster node(String id, boolean leaving, DeviceView... devices) {
      nodes.add(new NodeView(id, leaving, List.of(devices)));
      return this;
    }

    Cluster replica(String id, String node, String device, String fn, Phase phase, int outstanding, long memory,
                    double rate) {
      replicas.add(new ReplicaView(id, node, device, fn, 1, phase, outstanding, 1, memory, 0, 0, rate));
      return this;
    }

    /** An idle READY replica that took {@code rate} requests a second while in use, last {@code idleSeconds} ago. */
    Cluster idle(String id, String node, String device, String fn, long memory, double rate, long idleSeconds) {
      replicas.add(new ReplicaView(id, node, device, fn, 1, Phase.READY, 0, 1, memory, 0,
          nowNanos - idleSeconds * 1_000 * MS, rate));
      return this;
    }

    Cluster at(long nanos) {
      nowNanos = nanos;
      return this;
    }

    Cluster loading(String id, String node, String device, String fn, long readyAtNanos) {
      replicas.add(new ReplicaView(id, node, device, fn, 1, Phase.LOADING, 0, 1, GIB, readyAtNanos, 0, 0));
      return this;
    }

    /** Service time at batch 1 and load time of {@code fn} on {@code deviceClass}. */
    Cluster learned(String fn, String deviceClass, long serviceNanos, long loadNanos) {
      learned.put(EstimateKey.service(fn, 1, deviceClass, 1).text(), new Ewma(serviceNanos, 10));
      learned.put(EstimateKey.load(fn, deviceClass).text(), new Ewma(loadNanos, 10));
      return this;
    }

    ClusterSnapshot snapshot() {
      return new ClusterSnapshot(nowNanos, nodes, replicas, new LearnedEstimates(learned, Priors.DEFAULT),
          NetworkModel.DEFAULT);
    }
  }

  private static DeviceView cpu(String node, int outstanding) {
    return new DeviceView(node, "cpu", DeviceKind.CPU, "cpu", 16 * GIB, 0, 4, outstanding, false);
  }

  private static DeviceView gpu(String node, String id, long reserved) {
    return new DeviceView(node, id, DeviceKind.GPU, "gpu:test", 16 * GIB, reserved, 1, 0, false);
  }

  /** Where a request on node a for GPU-only function f cold-starts: the eviction tables' decision. */
  private Placement.ColdStart gpuColdStartOfF(ClusterSnapshot s) {
    return assertInstanceOf(Placement.ColdStart.class, policy.place(request("f", "a", DeviceRequirement.GPU, 8), s));
  }

  private static PlacementRequest request(String fn, String at) {
    return request(fn, at, DeviceRequirement.ANY, 8);
  }

  private static PlacementRequest request(String fn, String at, DeviceRequirement requirement, int maxReplicas) {
    return new PlacementRequest(new FunctionProfile(fn, 1, 10 << 20, GIB, requirement, maxReplicas, 1,
        60_000 * MS), at, 1024);
  }

  @Test
  void when_noReplica_then_coldStartsOnTheReceivingNode() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 0)).node("b", cpu("b", 0))
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    Placement p = policy.place(request("f", "a"), s);

    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class, p);
    assertEquals("a", cold.nodeId());
    assertEquals("cpu", cold.deviceId());
    assertEquals(List.of(), cold.evict());
  }

  @Test
  void when_warmReplicaQueueShorterThanLoadTime_then_routes() {
    // 20 queued x 1 ms = 20 ms of waiting beats a 100 ms load.
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 20)).node("b", cpu("b", 0))
        .replica("r1", "a", "cpu", "f", Phase.READY, 20, GIB, 10)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    assertEquals(new Placement.Route("a", "r1", 21 * MS), policy.place(request("f", "a"), s));
  }

  @Test
  void when_replicasAreExpectedAlike_then_eachNodeKeepsAnOrderOfItsOwn_soNodesSpreadOverThem() {
    // Four idle replicas on quiet devices of other nodes, alike for every receiving node: the first
    // listed, or the least recently used as a stale directory says, sent every node's requests to one.
    Cluster c = new Cluster().at(100_000 * MS);
    for (int i = 0; i < 4; i++) {
      c.node("h" + i, cpu("h" + i, 0)).idle("r" + i, "h" + i, "cpu", "f", GIB, 10, 1 + i);
    }
    for (int i = 0; i < 16; i++) {
      c.node("n" + i, cpu("n" + i, 0));
    }
    ClusterSnapshot s = c.learned("f", "cpu", MS, 100 * MS).snapshot();

    Set<String> chosen = new HashSet<>();
    for (int i = 0; i < 16; i++) {
      chosen.add(((Placement.Route) policy.place(request("f", "n" + i), s)).replicaId());
    }
    assertTrue(chosen.size() >= 3, "16 nodes chose " + chosen);
  }

  @Test
  void when_replicasWithLanesToSpareAreExpectedAlike_then_theOneWithLessWorkIsTaken() {
    // Two GPUs of 4 lanes, a replica of 4 lanes on each: one running 2, one idle. Both cost the same (a
    // lane is free on each); piling on the busy one would leave the other idle.
    Cluster c = new Cluster().node("a").node("h0", new DeviceView("h0", "g0", DeviceKind.GPU, "gpu:test", 16 * GIB,
        GIB, 4, 2, false)).node("h1", new DeviceView("h1", "g0", DeviceKind.GPU, "gpu:test", 16 * GIB, GIB, 4, 0, false));
    c.replicas.add(new ReplicaView("busy", "h0", "g0", "f", 1, Phase.READY, 2, 4, GIB, 0, 0, 10));
    c.replicas.add(new ReplicaView("idle", "h1", "g0", "f", 1, Phase.READY, 0, 4, GIB, 0, 0, 10));
    ClusterSnapshot s = c.learned("f", "gpu:test", MS, 100 * MS).snapshot();

    for (int i = 0; i < 8; i++) {
      assertEquals("idle", ((Placement.Route) policy.place(request("f", "n" + i), s)).replicaId());
    }
  }

  @Test
  void when_deviceCountsAreOld_then_othersQueuedThereWeighLessThanTheVersionsOwnFreshQueue() {
    // g0 had 6 requests of other replicas queued on its 2 lanes when the snapshot was built; "mine0" is
    // idle there. "mine1" on g1 has one request of its own (fresh: the version's replicas are overlaid).
    Cluster c = new Cluster().node("a",
            new DeviceView("a", "g0", DeviceKind.GPU, "gpu:test", 16 * GIB, 2 * GIB, 2, 6, false),
            new DeviceView("a", "g1", DeviceKind.GPU, "gpu:test", 16 * GIB, GIB, 2, 1, false))
        .replica("mine0", "a", "g0", "f", Phase.READY, 0, GIB, 10)
        .replica("busy", "a", "g0", "other", Phase.READY, 6, GIB, 10)
        .replica("mine1", "a", "g1", "f", Phase.READY, 1, GIB, 10)
        .learned("f", "gpu:test", 50 * MS, 300 * MS);
    ClusterSnapshot justBuilt = c.snapshot();
    List<ReplicaView> mine = justBuilt.replicasOf("f", 1);

    // Just built: 6 x 50 ms over 2 lanes (150 ms) on g0 loses to one 50 ms request ahead on g1.
    assertEquals("mine1", ((Placement.Route) policy.place(request("f", "a"), justBuilt)).replicaId());
    // Ten service times later those 6 have most likely run: g0 is the quieter device now.
    ClusterSnapshot later = justBuilt.withReplicasOf("f", 1, mine, 500 * MS);
    assertEquals(500 * MS, later.ageNanos());
    assertEquals("mine0", ((Placement.Route) policy.place(request("f", "a"), later)).replicaId());
  }

  @Test
  void when_warmReplicaQueueLongerThanLoadTime_then_coldStartsOnAnotherNode() {
    // 500 queued x 1 ms = 500 ms of waiting loses to a 100 ms load; the new replica goes to b (spread).
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 500)).node("b", cpu("b", 0))
        .replica("r1", "a", "cpu", "f", Phase.READY, 500, GIB, 10)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class, policy.place(request("f", "a"), s));

    assertEquals("b", cold.nodeId());
  }

  @Test
  void when_replicaIsLoading_then_waitsForItInsteadOfLoadingAnother() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 0)).node("b", cpu("b", 0))
        .loading("r1", "a", "cpu", "f", 60 * MS)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    assertEquals(new Placement.Route("a", "r1", 61 * MS), policy.place(request("f", "a"), s));
  }

  @Test
  void when_remoteReplicaIsIdle_then_theHopIsCheaperThanALoad() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 0)).node("b", cpu("b", 0))
        .replica("r1", "b", "cpu", "f", Phase.READY, 0, GIB, 10)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    Placement.Route route = assertInstanceOf(Placement.Route.class, policy.place(request("f", "a"), s));

    assertEquals("b", route.nodeId());
    assertTrue(route.expectedNanos() > MS, "a forward costs a network hop");
  }

  @Test
  void when_localAndRemoteReplicasEquallyBusy_then_prefersLocal() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 1)).node("b", cpu("b", 1))
        .replica("ra", "a", "cpu", "f", Phase.READY, 1, GIB, 10)
        .replica("rb", "b", "cpu", "f", Phase.READY, 1, GIB, 10)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    assertEquals("ra", ((Placement.Route) policy.place(request("f", "a"), s)).replicaId());
    assertEquals("rb", ((Placement.Route) policy.place(request("f", "b"), s)).replicaId());
  }

  @Test
  void when_allGpusFull_then_evictsLeastValuableIdleReplica() {
    // g0 holds "often" (least recently used, but 5 requests/s); g1 holds "rare" (used a minute ago
    // by one request). Value = reload cost x rate: evict "rare", not the LRU one.
    ClusterSnapshot s = new Cluster()
        .node("a", gpu("a", "g0", 16 * GIB), gpu("a", "g1", 16 * GIB))
        .replica("often", "a", "g0", "hot", Phase.READY, 0, 16 * GIB, 5)
        .replica("rare", "a", "g1", "cold", Phase.READY, 0, 16 * GIB, 0.001)
        .learned("hot", "gpu:test", MS, 500 * MS).learned("cold", "gpu:test", MS, 500 * MS)
        .learned("f", "gpu:test", MS, 300 * MS).snapshot();

    Placement.ColdStart cold = gpuColdStartOfF(s);

    assertEquals("g1", cold.deviceId());
    assertEquals(List.of("rare"), cold.evict());
  }

  @Test
  void when_allGpusFull_then_evictsTheReplicaWhoseBurstIsOver_notTheSlowTrickleThatIsStillGoing() {
    // "burst" took 2 requests/s and has been quiet for 5 minutes; "trickle" takes one every 20 s and was
    // used 10 s ago. A rate decayed with idle time ranks them alike (~0.01/s); the forecast does not.
    ClusterSnapshot s = new Cluster().at(3_600_000 * MS)
        .node("a", gpu("a", "g0", 16 * GIB), gpu("a", "g1", 16 * GIB))
        .idle("burst", "a", "g0", "b", 16 * GIB, 2, 300)
        .idle("trickle", "a", "g1", "t", 16 * GIB, 0.05, 10)
        .learned("b", "gpu:test", MS, 500 * MS).learned("t", "gpu:test", MS, 500 * MS)
        .learned("f", "gpu:test", MS, 300 * MS).snapshot();

    Placement.ColdStart cold = gpuColdStartOfF(s);

    assertEquals(List.of("burst"), cold.evict());
  }

  @Test
  void when_idleReplicasAreBothLikelyToBeReused_then_evictsTheOneWhoseReloadKeepsFewerRequestsWaiting() {
    // Both will be asked for again within the minute. "hot" reloads faster, but at 10 requests/s the
    // 15 that arrive during its 300 ms reload wait too (0.75 s of waiting); "warm" costs ~0.51 s.
    ClusterSnapshot s = new Cluster()
        .node("a", gpu("a", "g0", 16 * GIB), gpu("a", "g1", 16 * GIB))
        .replica("hot", "a", "g0", "hot", Phase.READY, 0, 16 * GIB, 10)
        .replica("warm", "a", "g1", "warm", Phase.READY, 0, 16 * GIB, 0.1)
        .learned("hot", "gpu:test", MS, 300 * MS).learned("warm", "gpu:test", MS, 500 * MS)
        .learned("f", "gpu:test", MS, 300 * MS).snapshot();

    Placement.ColdStart cold = gpuColdStartOfF(s);

    assertEquals(List.of("warm"), cold.evict());
  }

  @Test
  void when_oneIdleReplicaMakesRoomAlone_then_itIsEvictedRatherThanTwoCheaperOnesThatCostMore() {
    // f needs 8 GiB on a full GPU. At 1 request/s each, "small1" and "small2" (4 GiB, 400 ms reloads)
    // cost 0.48 s each, 0.96 s together; "big" (8 GiB, 600 ms) alone costs 0.78 s: more than either.
    ClusterSnapshot s = new Cluster()
        .node("a", gpu("a", "g0", 16 * GIB))
        .replica("small1", "a", "g0", "s1", Phase.READY, 0, 4 * GIB, 1)
        .replica("small2", "a", "g0", "s2", Phase.READY, 0, 4 * GIB, 1)
        .replica("big", "a", "g0", "b", Phase.READY, 0, 8 * GIB, 1)
        .learned("s1", "gpu:test", MS, 400 * MS).learned("s2", "gpu:test", MS, 400 * MS)
        .learned("b", "gpu:test", MS, 600 * MS).learned("f", "gpu:test", MS, 300 * MS).snapshot();
    FunctionProfile eightGib = new FunctionProfile("f", 1, 10 << 20, 8 * GIB, DeviceRequirement.GPU, 8, 1,
        60_000 * MS);

    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class,
        policy.place(new PlacementRequest(eightGib, "a", 1024), s));

    assertEquals(List.of("big"), cold.evict());
  }

  @Test
  void when_evictionCostsMoreThanWaiting_then_waitsInTheQueue() {
    // The only warm replica has 50 ms of queue; making room costs evicting a busy-ish neighbour
    // (reload 500 ms x certain reuse) on top of a 300 ms load.
    ClusterSnapshot s = new Cluster()
        .node("a", gpu("a", "g0", 16 * GIB), gpu("a", "g1", 16 * GIB))
        .replica("mine", "a", "g0", "f", Phase.READY, 50, 16 * GIB, 100)
        .replica("other", "a", "g1", "other", Phase.READY, 0, 16 * GIB, 5)
        .learned("f", "gpu:test", MS, 300 * MS).learned("other", "gpu:test", MS, 500 * MS).snapshot();

    Placement p = policy.place(request("f", "a", DeviceRequirement.GPU, 8), s);

    assertEquals(new Placement.Route("a", "mine", 51 * MS), p);
  }

  @Test
  void when_everyDeviceFullOfBusyReplicasAndNoneOfTheFunction_then_noCapacity() {
    ClusterSnapshot s = new Cluster().node("a", gpu("a", "g0", 16 * GIB))
        .replica("busy", "a", "g0", "other", Phase.READY, 3, 16 * GIB, 100).snapshot();

    Placement.NoCapacity none = assertInstanceOf(Placement.NoCapacity.class,
        policy.place(request("f", "a", DeviceRequirement.GPU, 8), s));

    assertTrue(none.reason().contains("no device has"), none.reason());
  }

  @Test
  void when_gpuRequiredAndNoNodeHasOne_then_noCapacityThatSaysSo() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 0)).snapshot();

    Placement.NoCapacity none = assertInstanceOf(Placement.NoCapacity.class,
        policy.place(request("f", "a", DeviceRequirement.GPU, 8), s));

    assertTrue(none.reason().contains("needs a gpu device"), none.reason());
  }

  @Test
  void when_cpuRequired_then_neverPlacedOnAGpu() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 3), gpu("a", "g0", 0))
        .learned("f", "gpu:test", 1, 1).snapshot();

    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class,
        policy.place(request("f", "a", DeviceRequirement.CPU, 8), s));

    assertEquals("cpu", cold.deviceId());
  }

  @Test
  void when_gpuServesFasterButLoadsSlower_then_aNewReplicaGoesWhereItsNextRequestsAreServedFastest() {
    // CPU: 100 ms load, 50 ms a request; GPU: 300 ms load, 1 ms a request. For one request the CPU wins
    // (150 vs 301 ms), but a replica serves at least MIN_LIFETIME_REQUESTS: 1.1 s on the CPU, 0.32 s on the GPU.
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 0), gpu("a", "g0", 0))
        .learned("f", "cpu", 50 * MS, 100 * MS).learned("f", "gpu:test", MS, 300 * MS).snapshot();
    assertEquals("g0", ((Placement.ColdStart) policy.place(request("f", "a"), s)).deviceId());

    // A GPU that serves barely faster does not pay for its slower load.
    ClusterSnapshot fastCpu = new Cluster().node("a", cpu("a", 0), gpu("a", "g0", 0))
        .learned("f", "cpu", 2 * MS, 100 * MS).learned("f", "gpu:test", MS, 300 * MS).snapshot();
    assertEquals("cpu", ((Placement.ColdStart) policy.place(request("f", "a"), fastCpu)).deviceId());
  }

  @Test
  void when_theGpuWouldHaveToEvictForAFirstReplica_then_itGoesWhereThisRequestIsAnsweredSoonest() {
    // As above, but the GPU is full of an idle replica nobody uses: evicting it is nearly free, yet a
    // model that may run on the CPU leaves a contended GPU to those that cannot. 150 ms beats 301 ms.
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 0), gpu("a", "g0", 16 * GIB))
        .replica("unused", "a", "g0", "other", Phase.READY, 0, 16 * GIB, 0)
        .learned("f", "cpu", 50 * MS, 100 * MS).learned("f", "gpu:test", MS, 300 * MS).snapshot();

    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class, policy.place(request("f", "a"), s));
    assertEquals("cpu", cold.deviceId());
    assertEquals(List.of(), cold.evict());
  }

  @Test
  void when_scalingOutUnderLoad_then_theNewReplicaGoesWhereItsNextRequestsAreServedFastest() {
    // The CPU replica on a has 2 s of queue at 10 requests/s. A new replica will serve ~600 requests in
    // the next minute: 30 s of work on b's CPU, 0.6 s on its GPU, which is worth its slower load.
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 40)).node("b", cpu("b", 0), gpu("b", "g0", 0))
        .replica("busy", "a", "cpu", "f", Phase.READY, 40, GIB, 10)
        .learned("f", "cpu", 50 * MS, 100 * MS).learned("f", "gpu:test", MS, 300 * MS).snapshot();

    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class, policy.place(request("f", "a"), s));
    assertEquals("b", cold.nodeId());
    assertEquals("g0", cold.deviceId());
  }

  @Test
  void when_arrivalsOutgrowTheReplicas_then_routesAndAlsoStartsAnotherAheadOfNeed() {
    // One replica serving 1 ms requests (1000/s) takes 900/s: its queue is short now, but only 100/s of
    // headroom is left, above the target utilization: start another while this request queues.
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 2)).node("b", cpu("b", 0))
        .replica("r1", "a", "cpu", "f", Phase.READY, 2, GIB, 900)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    Placement.Route route = assertInstanceOf(Placement.Route.class, policy.place(request("f", "a"), s));

    assertEquals("r1", route.replicaId());
    assertEquals("b", route.alsoStart().nodeId(), "the new replica spreads to another node");

    ClusterSnapshot quiet = new Cluster().node("a", cpu("a", 2)).node("b", cpu("b", 0))
        .replica("r1", "a", "cpu", "f", Phase.READY, 2, GIB, 100)
        .learned("f", "cpu", MS, 100 * MS).snapshot();
    assertEquals(null, ((Placement.Route) policy.place(request("f", "a"), quiet)).alsoStart());
  }

  @Test
  void when_anotherBusyReplicaSharesTheGpu_then_theVersionHasOutgrownItsShareAndStartsAnotherAhead() {
    // r1 (2 lanes) takes 900 requests/s of 1 ms on a GPU with 2 lanes: alone there it could serve
    // 2,000/s; with g's busy replica on the same GPU, its share is 1 lane, 1,000/s, and 900/s is above
    // the target utilization.
    DeviceView g0 = new DeviceView("a", "g0", DeviceKind.GPU, "gpu:test", 16 * GIB, 2 * GIB, 2, 4, false);
    ReplicaView r1 = new ReplicaView("r1", "a", "g0", "f", 1, Phase.READY, 1, 2, GIB, 0, 0, 900);
    Cluster shared = new Cluster().node("a", g0).node("b", cpu("b", 0))
        .learned("f", "gpu:test", MS, 100 * MS).learned("f", "cpu", MS, 100 * MS);
    shared.replicas.add(r1);
    shared.replicas.add(new ReplicaView("g1", "a", "g0", "g", 1, Phase.READY, 3, 2, GIB, 0, 0, 5));

    Placement.Route route = assertInstanceOf(Placement.Route.class, policy.place(request("f", "a"), shared.snapshot()));
    assertEquals("r1", route.replicaId());
    assertNotNull(route.alsoStart(), "starts another ahead of need");

    Cluster alone = new Cluster().node("a", g0).node("b", cpu("b", 0))
        .learned("f", "gpu:test", MS, 100 * MS).learned("f", "cpu", MS, 100 * MS);
    alone.replicas.add(r1);
    alone.replicas.add(new ReplicaView("g1", "a", "g0", "g", 1, Phase.READY, 0, 2, GIB, 0, 0, 5));
    assertEquals(null, ((Placement.Route) policy.place(request("f", "a"), alone.snapshot())).alsoStart(),
        "g's replica idle: r1 has the GPU's 2 lanes");
  }

  @Test
  void when_nodeIsLeaving_then_nothingGoesThere() {
    ClusterSnapshot s = new Cluster().node("a", true, cpu("a", 0)).node("b", cpu("b", 5))
        .replica("ra", "a", "cpu", "f", Phase.READY, 0, GIB, 10)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    Placement p = policy.place(request("f", "a"), s);

    Placement.ColdStart cold = assertInstanceOf(Placement.ColdStart.class, p);
    assertEquals("b", cold.nodeId());
  }

  @Test
  void when_maxReplicasReached_then_waitsHoweverLongTheQueue() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 1000)).node("b", cpu("b", 0))
        .replica("r1", "a", "cpu", "f", Phase.READY, 1000, GIB, 10)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    assertEquals("r1", ((Placement.Route) policy.place(request("f", "a", DeviceRequirement.ANY, 1), s)).replicaId());
    ClusterSnapshot none = new Cluster().node("a", cpu("a", 0)).snapshot();
    Placement.NoCapacity zero = assertInstanceOf(Placement.NoCapacity.class,
        policy.place(request("f", "a", DeviceRequirement.ANY, 0), none));
    assertTrue(zero.reason().contains("maxReplicas 0"), zero.reason());
  }

  @Test
  void when_aReplicaIsDraining_then_itTakesNothingButItsMemoryStaysTaken() {
    ClusterSnapshot s = new Cluster().node("a", gpu("a", "g0", 16 * GIB))
        .replica("old", "a", "g0", "f", Phase.DRAINING, 0, 16 * GIB, 10)
        .learned("f", "gpu:test", MS, 100 * MS).snapshot();

    assertInstanceOf(Placement.NoCapacity.class, policy.place(request("f", "a", DeviceRequirement.GPU, 8), s));
  }

  @Test
  void when_batching_then_aLongQueueCostsLessThanUnbatched() {
    Cluster c = new Cluster().node("a", cpu("a", 64)).node("b", cpu("b", 0))
        .replica("r1", "a", "cpu", "f", Phase.READY, 64, GIB, 10)
        .learned("f", "cpu", MS, 30 * MS);
    ClusterSnapshot s = c.snapshot();
    FunctionProfile unbatched = new FunctionProfile("f", 1, 10 << 20, GIB, DeviceRequirement.ANY, 8, 1, 60_000 * MS);
    FunctionProfile batched = new FunctionProfile("f", 1, 10 << 20, GIB, DeviceRequirement.ANY, 8, 32, 60_000 * MS);

    // 64 queued one by one: 64 ms, a load (30 ms) wins. In batches of 32: two batches, the queue wins.
    assertInstanceOf(Placement.ColdStart.class, policy.place(new PlacementRequest(unbatched, "a", 0), s));
    assertInstanceOf(Placement.Route.class, policy.place(new PlacementRequest(batched, "a", 0), s));
  }

  @Test
  void explain_listsEveryOptionWeighed() {
    ClusterSnapshot s = new Cluster().node("a", cpu("a", 20)).node("b", cpu("b", 0))
        .replica("r1", "a", "cpu", "f", Phase.READY, 20, GIB, 10)
        .learned("f", "cpu", MS, 100 * MS).snapshot();

    LeastExpectedResponseTime.Explained e = policy.explain(request("f", "a"), s);

    assertEquals(policy.place(request("f", "a"), s), e.decision());
    assertTrue(e.options().stream().anyMatch(o -> o.startsWith("route r1")), e.options().toString());
    assertTrue(e.options().stream().anyMatch(o -> o.startsWith("cold start on b/cpu")), e.options().toString());
  }
}
