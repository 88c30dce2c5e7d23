package io.zeroserve.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The cluster at one instant, as placement sees it: nodes, their devices, every replica, the learned
 * estimates and the network model, indexed once so that each decision reads only what it needs.
 * Building one costs O(devices log devices + replicas); a node rebuilds it every few tens of
 * milliseconds and lays the requested version's fresh replicas over it per request
 * ({@link #withReplicasOf}). Immutable.
 */
public final class ClusterSnapshot {

  /** Eviction looks at this many of a device class's devices with the most memory to reclaim. */
  static final int EVICTION_CANDIDATES = 16;
  /**
   * Evicting a replica costs the waiting its reload causes, {@code L + r L^2 / 2} (the request that
   * finds it gone waits the reload L, the {@code r L} arriving meanwhile half of it each, r the rate
   * expected from now on), times the chance that a request comes within this horizon; both are
   * {@link RequestForecast}'s, from its rate in use and how long it has been idle. The earlier {@code L min(1, r horizon)} priced a replica
   * serving 10 requests a second like one serving one a minute, and was linear in L, so the large
   * models, slowest to reload, were evicted as readily as small ones: simulated p99 0.94x -> 0.57x the
   * best baseline's.
   */
  public static final double EVICTION_HORIZON_SECONDS = 60;

  private final long nowNanos;
  /** When what it says of other versions was read: an overlay keeps its base's. */
  private final long builtAtNanos;
  private final Estimates estimates;
  private final NetworkModel network;
  private final List<NodeView> nodes;
  private final Map<String, NodeView> nodesById;
  private final Map<String, DeviceView> devicesByKey;
  private final Map<VersionKey, List<ReplicaView>> replicasByVersion;
  private final Map<String, List<ReplicaView>> replicasByDevice;
  /** Per device class, devices of nodes that are not leaving, least busy first, then most free memory. */
  private final Map<String, DeviceView[]> devicesByClass;
  /** Per device class, the most free memory any of its devices has: a scan for room stops before it starts. */
  private final Map<String, Long> maxFreeByClass;
  /** Per device class, the devices with the most memory that idle replicas could give back. */
  private final Map<String, DeviceView[]> evictionCandidates;
  /** Per device (this snapshot's views, by identity), how many of its replicas have work: they share its lanes. */
  private final Map<DeviceView, Integer> busyReplicasByDevice;
  /** Per device, its idle replicas, cheapest to evict first, and what evicting each costs. */
  private final Map<String, Evictable[]> evictables;
  private final VersionKey override;
  private final List<ReplicaView> overrideReplicas;
  /** Calls the overlay's replicas have that their devices' counts lack (this snapshot's devices, by identity). */
  private final Map<DeviceView, Integer> addedOutstanding;

  record VersionKey(String function, int version) {}

  /** An idle replica and what evicting it costs others. */
  record Evictable(ReplicaView replica, long costNanos) {}

  public ClusterSnapshot(long nowNanos, List<NodeView> nodes, List<ReplicaView> replicas, Estimates estimates,
                         NetworkModel network) {
    this.nowNanos = nowNanos;
    this.builtAtNanos = nowNanos;
    this.estimates = Objects.requireNonNull(estimates, "estimates cannot be null");
    this.network = Objects.requireNonNull(network, "network cannot be null");
    this.nodes = List.copyOf(nodes);
    this.nodesById = new HashMap<>();
    this.devicesByKey = new HashMap<>();
    Map<String, List<DeviceView>> byClass = new HashMap<>();
    for (NodeView n : this.nodes) {
      nodesById.put(n.nodeId(), n);
      for (DeviceView d : n.devices()) {
        devicesByKey.put(d.key(), d);
        if (!n.leaving()) {
          byClass.computeIfAbsent(d.deviceClass(), c -> new ArrayList<>()).add(d);
        }
      }
    }
    this.replicasByVersion = new HashMap<>();
    this.replicasByDevice = new HashMap<>();
    for (ReplicaView r : replicas) {
      replicasByVersion.computeIfAbsent(new VersionKey(r.function(), r.version()), k -> new ArrayList<>()).add(r);
      replicasByDevice.computeIfAbsent(r.deviceKey(), k -> new ArrayList<>()).add(r);
    }
    this.evictables = new HashMap<>();
    this.busyReplicasByDevice = new IdentityHashMap<>();
    for (ReplicaView r : replicas) {
      DeviceView d = devicesByKey.get(r.deviceKey());
      if (d != null && r.outstanding() > 0 && r.phase() != ReplicaView.Phase.LOADING) {
        busyReplicasByDevice.merge(d, 1, Integer::sum);
      }
    }
    Map<String, Long> reclaimable = new HashMap<>();
    for (Map.Entry<String, List<ReplicaView>> e : replicasByDevice.entrySet()) {
      DeviceView d = devicesByKey.get(e.getKey());
      if (d == null) {
        continue;
      }
      List<Evictable> idle = new ArrayList<>();
      long bytes = 0;
      for (ReplicaView r : e.getValue()) {
        if (r.idle()) {
          idle.add(new Evictable(r, evictionCost(r, d)));
          bytes += r.memoryBytes();
        }
      }
      if (!idle.isEmpty()) {

        idle.sort(Comparator.comparingLong(Evictable::costNanos));
        evictables.put(d.key(), idle.toArray(Evictable[]::new));
        reclaimable.put(d.key(), bytes);
      }
    }
    this.devicesByClass = new HashMap<>();
    this.evictionCandidates = new HashMap<>();
    this.maxFreeByClass = new HashMap<>();
    for (Map.Entry<String, List<DeviceView>> e : byClass.entrySet()) {
      maxFreeByClass.put(e.getKey(), e.getValue().stream().mapToLong(DeviceView::freeBytes).max().orElse(0));
      DeviceView[] sorted = e.getValue().toArray(DeviceView[]::new);
      Arrays.sort(sorted, Comparator.comparingDouble((DeviceView d) -> (double) d.outstanding() / d.parallelism())
          .thenComparing(Comparator.comparingLong(DeviceView::freeBytes).reversed()));
      devicesByClass.put(e.getKey(), sorted);
      DeviceView[] withIdle = e.getValue().stream()
          .filter(d -> reclaimable.containsKey(d.key()))
          .sorted(Comparator.comparingLong((DeviceView d) -> d.freeBytes() + reclaimable.get(d.key())).reversed())
          .limit(EVICTION_CANDIDATES)
          .toArray(DeviceView[]::new);
      evictionCandidates.put(e.getKey(), withIdle);
    }
    this.override = null;
    this.overrideReplicas = null;
    this.addedOutstanding = Map.of();
  }

  private ClusterSnapshot(ClusterSnapshot base, long nowNanos, VersionKey override, List<ReplicaView> replicas,
                          Map<String, Integer> addedByDevice) {
    this.nowNanos = nowNanos;
    this.builtAtNanos = base.builtAtNanos;
    this.maxFreeByClass = base.maxFreeByClass;
    this.busyReplicasByDevice = base.busyReplicasByDevice;
    this.estimates = base.estimates;
    this.network = base.network;
    this.nodes = base.nodes;
    this.nodesById = base.nodesById;
    this.devicesByKey = base.devicesByKey;
    this.replicasByVersion = base.replicasByVersion;
    this.replicasByDevice = base.replicasByDevice;
    this.devicesByClass = base.devicesByClass;
    this.evictionCandidates = base.evictionCandidates;
    this.evictables = base.evictables;
    this.override = override;
    this.overrideReplicas = List.copyOf(replicas);
    if (addedByDevice.isEmpty()) {
      this.addedOutstanding = Map.of();
    } else {
      this.addedOutstanding = new IdentityHashMap<>();
      addedByDevice.forEach((key, added) -> {
        DeviceView d = devicesByKey.get(key);
        if (d != null) {
          addedOutstanding.merge(d, added, Integer::sum);
        }
      });
    }
  }

  /**
   * This snapshot with the replicas of one version replaced by fresher ones (the receiving node knows
   * its own replicas and the loads it just started better than the last rebuild did), on the same clock.
   */
  public ClusterSnapshot withReplicasOf(String function, int version, List<ReplicaView> replicas) {
    return withReplicasOf(function, version, replicas, nowNanos);
  }

  /** As above, at {@code nowNanos}: the fresh replicas' times are on the decision's clock, not the build's. */
  public ClusterSnapshot withReplicasOf(String function, int version, List<ReplicaView> replicas, long nowNanos) {
    return withReplicasOf(function, version, replicas, nowNanos, Map.of());
  }

  /**
   * As above, where the fresh replicas have calls their devices' counts do not have yet: {@code
   * addedByDevice} per {@link DeviceView#key()} (a node's forwards to another node's replicas since its
   * last directory write). Without it, those calls would count as the device's other replicas' less.
   */
  public ClusterSnapshot withReplicasOf(String function, int version, List<ReplicaView> replicas, long nowNanos,
                                        Map<String, Integer> addedByDevice) {
    return new ClusterSnapshot(this, nowNanos, new VersionKey(function, version), replicas,
        Objects.requireNonNull(addedByDevice, "addedByDevice cannot be null"));
  }

  private long evictionCost(ReplicaView r, DeviceView d) {
    long reload = estimates.reloadNanos(r.function(), d.deviceClass(), d.kind(), r.memoryBytes());
    double reloadSeconds = reload / 1e9;
    return (long) (reload * r.chanceOfRequestWithin(nowNanos, EVICTION_HORIZON_SECONDS)
        * (1 + r.expectedRequestsPerSecond(nowNanos) * reloadSeconds / 2));
  }

  /**
   * How long ago it was built, at {@link #nowNanos}: the least age of its view of devices and of other
   * versions' replicas (what it was built from may be older still, e.g. another node's directory entries).
   */
  public long ageNanos() {
    return Math.max(0, nowNanos - builtAtNanos);
  }

  public long nowNanos() {
    return nowNanos;
  }

  public Estimates estimates() {
    return estimates;
  }

  public NetworkModel network() {
    return network;
  }

  public List<NodeView> nodes() {
    return nodes;
  }

  public NodeView node(String nodeId) {
    return nodesById.get(nodeId);
  }

  public DeviceView device(String deviceKey) {
    return devicesByKey.get(deviceKey);
  }

  /** Replicas of one version, any phase, on any node. */
  public List<ReplicaView> replicasOf(String function, int version) {
    VersionKey key = new VersionKey(function, version);
    if (key.equals(override)) {
      return overrideReplicas;
    }
    return replicasByVersion.getOrDefault(key, List.of());
  }

  /** Replicas on one device ({@link DeviceView#key()}), any phase. */
  public List<ReplicaView> replicasOn(String deviceKey) {
    return replicasByDevice.getOrDefault(deviceKey, List.of());
  }

  /** Device classes that nodes not leaving have. */
  Iterable<String> deviceClasses() {
    return devicesByClass.keySet();
  }

  DeviceView[] devicesOfClass(String deviceClass) {
    return devicesByClass.getOrDefault(deviceClass, new DeviceView[0]);
  }

  /**
   * Requests outstanding on one of this snapshot's devices ({@link #device}; views from elsewhere are
   * not recognized): its count, plus what an overlay added that the count lacks.
   */
  public int outstandingOn(DeviceView device) {
    return addedOutstanding.isEmpty() ? device.outstanding()
        : device.outstanding() + addedOutstanding.getOrDefault(device, 0);
  }

  /**
   * How many replicas on one of this snapshot's devices ({@link #device}; views from elsewhere count 0)
   * had work when it was built: they share its lanes.
   */
  int busyReplicasOn(DeviceView device) {
    return busyReplicasByDevice.getOrDefault(device, 0);
  }

  /** The most free memory a device of this class has (0 if none). */
  long maxFreeBytes(String deviceClass) {
    return maxFreeByClass.getOrDefault(deviceClass, 0L);
  }

  DeviceView[] evictionCandidates(String deviceClass) {
    return evictionCandidates.getOrDefault(deviceClass, new DeviceView[0]);
  }

  Evictable[] evictables(String deviceKey) {
    return evictables.getOrDefault(deviceKey, new Evictable[0]);
  }
}
