package io.zeroserve.scheduler;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Least expected response time: weighs every way to serve a request with {@link CostModel} and takes
 * the fastest. Waiting in a warm replica's queue, waiting for a replica that is loading, and a cold
 * start (possibly after evicting idle replicas) compete on one scale, so a cold start happens only
 * when it beats waiting: scale-out is the moment a queue's wait exceeds a load.
 *
 * <p>Cold-start candidates, per device class the function may use: the receiving node's devices (no
 * network hop), and the least busy device with room elsewhere. Replicas of one version spread: nodes
 * that already hold one are considered only when no other node has room. When no device has room,
 * the cheapest set of idle replicas to evict is costed on the receiving node and on the
 * {@link ClusterSnapshot#EVICTION_CANDIDATES} devices of each class with the most memory to reclaim.
 * Leaving nodes take nothing. maxReplicas counts LOADING and READY replicas cluster-wide.
 *
 * <p>Cost: O(replicas of the version + devices of the receiving node + candidates scanned), not
 * O(cluster): the snapshot keeps devices sorted by load.
 */
public final class LeastExpectedResponseTime implements PlacementPolicy {

  /**
   * Arrivals above this share of what the version's replicas can serve start another replica ahead of
   * need ({@link Placement.Route#alsoStart}): waiting until a queue's wait is worth a load would make
   * every request of the next load time wait too.
   */
  static final double TARGET_UTILIZATION = 0.7;
  /** How far ahead a new replica's service time is weighed when choosing its device. */
  static final long LIFETIME_HORIZON_NANOS = 60_000_000_000L;
  /**
   * Requests a new replica is assumed to serve at the least, when the version's rate is not known yet
   * (its first replica) and no device class would have to evict for it: a device that loads fast but
   * serves slowly is not chosen for one request's sake. Under contention, only the request at hand.
   */
  static final double MIN_LIFETIME_REQUESTS = 20;

  @Override
  public Placement place(PlacementRequest request, ClusterSnapshot snapshot) {
    return decide(request, snapshot, null);
  }

  /** The decision, and each option weighed with its expected time, for debug logs and the API. */
  public Explained explain(PlacementRequest request, ClusterSnapshot snapshot) {
    List<String> options = new ArrayList<>();
    Placement decision = decide(request, snapshot, options::add);
    return new Explained(decision, options);
  }

  public record Explained(Placement decision, List<String> options) {}

  private Placement decide(PlacementRequest request, ClusterSnapshot s, Consumer<String> trace) {
    FunctionProfile f = request.function();
    Placement best = null;
    long bestNanos = Long.MAX_VALUE;
    // Among replicas expected alike, the one with less work per lane, then the one this receiving node
    // ranks first (tieRank): each node has an order of its own. The first listed sent every node's requests to one replica while others sat idle
    // (simulated 100-node uniform workload: mean 82 -> 68 ms for the least recently used instead); the
    // least recently used spread them only while last uses were fresh: with other nodes' replicas as
    // the directory last said, every node agreed on the same one (same workload, directory published
    // every 100 ms: p99 277 ms, 1.24x join-shortest-queue's; with a rank per node 214, 0.96x).
    long bestRank = Long.MAX_VALUE;
    double bestLoad = Double.MAX_VALUE;
    int live = 0;
    double arrivalsPerSecond = 0;
    double servedPerSecond = 0;
    List<ReplicaView> replicas = s.replicasOf(f.function(), f.version());
    Set<String> nodesWithReplica = new HashSet<>(Math.max(16, replicas.size() * 4 / 3 + 1));
    ServiceTimes serviceTimes = new ServiceTimes(s.estimates(), f);
    for (ReplicaView r : replicas) {
      if (!r.routable()) {
        continue;
      }
      live++;
      arrivalsPerSecond += r.expectedRequestsPerSecond(s.nowNanos());
      nodesWithReplica.add(r.nodeId());
      NodeView node = s.node(r.nodeId());
      // Looked up from its node, not by its device key: building that string per replica was a third of
      // a decision for a version with hundreds of replicas.
      DeviceView device = node == null ? null : node.device(r.deviceId());
      if (node == null || node.leaving() || device == null) {
        continue;
      }
      // A replica serves at most its lanes, and no more than its share of a device that other busy
      // replicas use too: counting a shared GPU as whole would hide that the version has outgrown it.
      double lanes = Math.min(r.parallelism(), (double) device.parallelism() / Math.max(1, s.busyReplicasOn(device)));
      servedPerSecond += lanes * 1e9 / Math.max(1, serviceTimes.serviceNanos(f, device.deviceClass(), device.kind(), 1));
      long nanos = CostModel.route(r, device, request, s, serviceTimes);
      if (trace != null) {
        trace.accept("route " + r.replicaId() + " (" + r.phase() + ", " + r.outstanding() + " outstanding): "
            + micros(nanos));
      }
      if (nanos <= bestNanos) {
        // Equal times: the one with less work per lane first (a replica with a lane to spare costs the
        // same with none or several running, which would pile them on one while another sits idle).
        double load = (double) r.outstanding() / r.parallelism();
        long rank = tieRank(r.replicaId(), request.receivingNode());
        if (nanos < bestNanos || load < bestLoad || (load == bestLoad && rank < bestRank)) {
          best = new Placement.Route(r.nodeId(), r.replicaId(), nanos);
          bestNanos = nanos;
          bestLoad = load;
          bestRank = rank;
        }
      }
    }
    if (live >= f.maxReplicas()) {
      if (best == null) {
        return new Placement.NoCapacity(f.maxReplicas() == 0
            ? "function '" + f.function() + "' has maxReplicas 0"
            : "function '" + f.function() + "' has its maxReplicas (" + f.maxReplicas() + ") and none takes requests now");
      }
      return best;
    }
    boolean anyDevice = false;
    List<Placement.ColdStart> options = new ArrayList<>(2);
    List<Long> optionServiceNanos = new ArrayList<>(2);
    NodeView self = s.node(request.receivingNode());
    boolean selfUsable = self != null && !self.leaving();
    for (String deviceClass : s.deviceClasses()) {
      DeviceView[] devices = s.devicesOfClass(deviceClass);
      if (devices.length == 0 || !f.requirement().allows(devices[0].kind())) {
        continue;
      }
      anyDevice = true;
      // Per class: a device with room (on a node without a replica of the version first: they spread;
      // per class, so a GPU with room on a node that has a replica still competes with a CPU elsewhere),
      // else room made by evicting idle replicas: a full GPU competes with a CPU that has room. (Trying
      // evictions only when no class had room made the choice depend on the order classes were seen,
      // and sent a hot version's replicas to slow CPUs.)
      Placement.ColdStart option = null;
      for (boolean spread : new boolean[] {true, false}) {
        // The receiving node's own devices: no hop, so they may win though busier.
        if (selfUsable && !(spread && nodesWithReplica.contains(self.nodeId()))) {
          for (DeviceView d : self.devices()) {
            if (d.deviceClass().equals(deviceClass) && d.freeBytes() >= f.memoryBytes()) {
              option = cheaper(option, coldStart(d, List.of(), 0, request, s, trace));
            }
          }
        }
        // Elsewhere: the first with room in least-busy order is the least busy with room.
        if (s.maxFreeBytes(deviceClass) >= f.memoryBytes()) {
          for (DeviceView d : devices) {
            if (!d.nodeId().equals(request.receivingNode()) && d.freeBytes() >= f.memoryBytes()
                && !(spread && nodesWithReplica.contains(d.nodeId()))) {
              option = cheaper(option, coldStart(d, List.of(), 0, request, s, trace));
              break;
            }
          }
        }
        if (option != null) {
          break;
        }
      }
      if (option == null) {
        if (selfUsable) {
          for (DeviceView d : self.devices()) {
            if (d.deviceClass().equals(deviceClass)) {
              option = cheaper(option, withEviction(d, request, s, trace));
            }
          }
        }
        for (DeviceView d : s.evictionCandidates(deviceClass)) {
          if (!d.nodeId().equals(request.receivingNode())) {
            option = cheaper(option, withEviction(d, request, s, trace));
          }
        }
      }
      if (option != null) {
        options.add(option);
        optionServiceNanos.add(s.estimates().serviceNanos(f, deviceClass, devices[0].kind(), 1));
      }
    }
    // A new replica serves this request and the next ones: among device classes, weigh its service time
    // over what it will serve (the version's arrivals over a horizon), so a load that is quick today does
    // not buy a device that is slow for every request after it. A version without a measured rate is
    // taken to serve MIN_LIFETIME_REQUESTS while every class has room; when one would have to evict, only
    // this request: a replica that takes memory from others is not sure to keep it, and one that goes to
    // a CPU leaves the GPU to the models that cannot run elsewhere. (Always 20: in the simulator, rarely
    // used models went to GPUs and evicted GPU-only ones, which then evicted others to come back; always
    // 1: models a GPU serves 10x faster stayed on CPUs while GPUs had room. bench/RESULTS-scheduler.md.)
    boolean contended = false;
    for (Placement.ColdStart o : options) {
      contended |= !o.evict().isEmpty();
    }
    double lifetimeRequests = Math.max(contended ? 1 : MIN_LIFETIME_REQUESTS,
        arrivalsPerSecond * Math.min(f.idleTimeoutNanos(), LIFETIME_HORIZON_NANOS) / 1e9);
    Placement.ColdStart cold = null;
    double coldRank = Double.MAX_VALUE;
    for (int i = 0; i < options.size(); i++) {
      double rank = options.get(i).expectedNanos() + lifetimeRequests * optionServiceNanos.get(i);
      if (rank < coldRank) {
        cold = options.get(i);
        coldRank = rank;
      }
    }
    if (!anyDevice) {
      return best != null ? best : new Placement.NoCapacity("function '" + f.function() + "' needs a "
          + f.requirement().name().toLowerCase(java.util.Locale.ROOT) + " device and no node that is not leaving has one");
    }
    long coldNanos = cold == null ? Long.MAX_VALUE : cold.expectedNanos();
    if (cold != null && coldNanos < bestNanos) {
      return cold;
    }
    if (best != null) {
      // Ahead of need only into free memory: taking another version's memory is worth it once this
      // request's wait is worth a cold start, which the comparison above decides with the eviction
      // priced. (Starting ahead by evicting: simulated p99 0.64x -> 0.59x the best baseline's without.)
      if (cold != null && cold.evict().isEmpty() && arrivalsPerSecond > TARGET_UTILIZATION * servedPerSecond) {
        trace(trace, "arrivals " + Math.round(arrivalsPerSecond) + "/s outgrow " + Math.round(servedPerSecond)
            + "/s: also start on " + cold.nodeId() + "/" + cold.deviceId(), cold.expectedNanos());
        Placement.Route route = (Placement.Route) best;
        return new Placement.Route(route.nodeId(), route.replicaId(), route.expectedNanos(), cold);
      }
      return best;
    }
    return new Placement.NoCapacity("no device has " + mebibytes(f.memoryBytes()) + " free for function '"
        + f.function() + "' and no idle replica can be evicted to make room; retry later");
  }

  /**
   * Where a replica stands in a receiving node's order of replicas expected alike: a well-mixed hash of
   * both, so that nodes deciding on the same view spread over the replicas instead of agreeing on one.
   */
  static long tieRank(String replicaId, String receivingNode) {
    long h = replicaId.hashCode() * 0x9E3779B97F4A7C15L + receivingNode.hashCode();
    h ^= h >>> 33; // MurmurHash3's finalizer
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }

  private static Placement.ColdStart coldStart(DeviceView d, List<String> evict, long evictionNanos,
                                               PlacementRequest request, ClusterSnapshot s, Consumer<String> trace) {
    long nanos = CostModel.coldStart(d, evictionNanos, request, s);
    trace(trace, "cold start on " + d.key() + (evict.isEmpty() ? "" : " evicting " + evict), nanos);
    return new Placement.ColdStart(d.nodeId(), d.deviceId(), evict, nanos);
  }

  /** The one with the lower expected time; devices of one class serve alike. */
  private static Placement.ColdStart cheaper(Placement.ColdStart a, Placement.ColdStart b) {
    if (a == null) {
      return b;
    }
    return b == null || a.expectedNanos() <= b.expectedNanos() ? a : b;
  }

  /**
   * The cheapest idle replicas on {@code d} whose memory makes room, or null if all of them would not:
   * the cheaper of the cheapest-first set (the device's evictables are in that order) and the cheapest
   * single replica that makes room alone (two cheap small ones can cost more than one that suffices).
   * Ordering by cost per byte instead evicted the large GPU-only models, the ones slowest to bring back.
   */
  private static Placement.ColdStart withEviction(DeviceView d, PlacementRequest request, ClusterSnapshot s,
                                                  Consumer<String> trace) {
    long missing = request.function().memoryBytes() - d.freeBytes();
    if (missing <= 0) {
      return null; // has room: costed without eviction already
    }
    List<String> evict = new ArrayList<>(2);
    long cost = 0;
    long stillMissing = missing;
    ClusterSnapshot.Evictable single = null;
    FunctionProfile f = request.function();
    for (ClusterSnapshot.Evictable e : s.evictables(d.key())) {
      if (stillMissing <= 0 && (single != null || e.costNanos() >= cost)) {
        break; // cheapest first: nothing further can make room for less
      }
      if (e.replica().function().equals(f.function()) && e.replica().version() == f.version()) {
        continue; // its own replicas are the capacity a new one would add to
      }
      if (e.replica().memoryBytes() >= missing && (single == null || e.costNanos() < single.costNanos())) {
        single = e;
      }
      if (stillMissing > 0) {
        evict.add(e.replica().replicaId());
        cost = saturatedAdd(cost, e.costNanos());
        stillMissing -= e.replica().memoryBytes();
      }
    }
    if (single != null && (stillMissing > 0 || single.costNanos() < cost)) {
      return coldStart(d, List.of(single.replica().replicaId()), single.costNanos(), request, s, trace);
    }
    if (stillMissing > 0) {
      return null;
    }
    return coldStart(d, evict, cost, request, s, trace);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum; // both >= 0
  }

  private static void trace(Consumer<String> trace, String option, long nanos) {
    if (trace != null) {
      trace.accept(option + ": " + micros(nanos));
    }
  }

  private static String micros(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f us", nanos / 1e3);
  }

  private static String mebibytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
  }
}
