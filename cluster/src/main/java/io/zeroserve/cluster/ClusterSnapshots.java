package io.zeroserve.cluster;

import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.Estimates;
import io.zeroserve.scheduler.NetworkModel;
import io.zeroserve.scheduler.NodeView;
import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.estimate.Ewma;
import io.zeroserve.scheduler.estimate.LearnedEstimates;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the scheduler's {@link ClusterSnapshot} from what the cluster shares: nodes and their
 * devices, the replica directory with published loads, device reservations and learned estimates.
 * The calling node passes its own replicas fresh (it knows them better than the directory does).
 * Pure: the same inputs give the same snapshot.
 */
public final class ClusterSnapshots {

  /**
   * The in-use rate taken for a remote replica whose owner did not publish one (an older node), which
   * is also taken as used just now: its eviction is priced as in use, not cheaply on a guess that it is
   * unused.
   */
  static final double ASSUMED_RATE = 1.0;

  private ClusterSnapshots() {}

  /**
   * @param nowNanos the decision clock ({@link System#nanoTime()} on the calling node)
   * @param nowMillis wall clock, to age directory entries written by other nodes
   * @param self the calling node's id; its replicas come from {@code selfReplicas}, not the directory
   * @param remoteParallelism batches a replica on another node runs at once
   */
  public static ClusterSnapshot build(long nowNanos, long nowMillis, Collection<NodeInfo> nodes,
                                      Collection<ReplicaLocation> directory, Map<String, Long> reserved,
                                      Estimates estimates, String self, List<ReplicaView> selfReplicas,
                                      int remoteParallelism, NetworkModel network) {
    Map<String, DeviceKind> kinds = new HashMap<>();
    Map<String, String> classes = new HashMap<>();
    for (NodeInfo n : nodes) {
      for (DeviceInfo d : n.devices()) {
        String key = DeviceView.key(n.nodeId(), d.deviceId());
        kinds.put(key, DeviceKind.parse(d.kind()));
        classes.put(key, d.deviceClass());
      }
    }
    List<ReplicaView> replicas = new ArrayList<>(selfReplicas);
    for (ReplicaLocation r : directory) {
      String deviceKey = DeviceView.key(r.nodeId(), r.deviceId());
      ReplicaView.Phase phase = phase(r.state());
      if (r.nodeId().equals(self) || phase == null || !kinds.containsKey(deviceKey)) {
        continue;
      }
      long readyAt = 0;
      if (phase == ReplicaView.Phase.LOADING) {
        long age = Math.max(0, nowMillis - r.updatedAtMillis()) * 1_000_000;
        long load = estimates.reloadNanos(r.function(), classes.get(deviceKey), kinds.get(deviceKey), r.memoryBytes());
        readyAt = nowNanos + Math.max(0, load - age);
      }
      // By the owner's clock, like updatedAtMillis: nodes' clocks are assumed in step (NTP). An owner too
      // old to publish a rate says nothing of use either: taken as in use now, so its replica is priced
      // as in use, not evicted cheaply on a guess.
      boolean unknown = r.requestsPerSecond() == ReplicaLocation.UNKNOWN_RATE;
      long lastUsed = unknown ? nowNanos : nowNanos - Math.max(0, nowMillis - r.lastUsedAtMillis()) * 1_000_000;
      replicas.add(new ReplicaView(r.replicaId(), r.nodeId(), r.deviceId(), r.function(), r.version(), phase,
          r.outstanding(), remoteParallelism, r.memoryBytes(), readyAt, lastUsed,
          unknown ? ASSUMED_RATE : r.requestsPerSecond()));
    }
    Map<String, Integer> outstandingByDevice = new HashMap<>();
    for (ReplicaView r : replicas) {
      outstandingByDevice.merge(r.deviceKey(), r.outstanding(), Integer::sum);
    }
    // Only a node reserves on its own devices, and it knows its replicas at once; the shared view of
    // reservations lags its own writes. For the calling node, its replicas are the truth.
    Map<String, Long> selfReserved = new HashMap<>();
    for (ReplicaView r : selfReplicas) {
      selfReserved.merge(r.deviceKey(), r.memoryBytes(), Long::sum);
    }
    List<NodeView> views = new ArrayList<>(nodes.size());
    for (NodeInfo n : nodes) {
      List<DeviceView> devices = new ArrayList<>(n.devices().size());
      for (DeviceInfo d : n.devices()) {
        String key = DeviceView.key(n.nodeId(), d.deviceId());
        devices.add(new DeviceView(n.nodeId(), d.deviceId(), DeviceKind.parse(d.kind()), d.deviceClass(),
            d.memoryCapacityBytes(), n.nodeId().equals(self) ? selfReserved.getOrDefault(key, 0L)
                : reserved.getOrDefault(key, 0L), d.parallelism(),
            outstandingByDevice.getOrDefault(key, 0), d.simulated()));
      }
      views.add(new NodeView(n.nodeId(), n.leaving(), devices));
    }
    return new ClusterSnapshot(nowNanos, views, replicas, estimates, network);
  }

  /** The learned estimates the cluster shares, over the default priors, for the device classes its nodes have. */
  public static LearnedEstimates estimates(ClusterState cluster) {
    return estimates(cluster.estimates(), cluster.nodes());
  }

  static LearnedEstimates estimates(Map<String, Ewma> learned, Collection<NodeInfo> nodes) {
    Map<String, DeviceKind> classes = new HashMap<>();
    for (NodeInfo n : nodes) {
      for (DeviceInfo d : n.devices()) {
        classes.put(d.deviceClass(), DeviceKind.parse(d.kind()));
      }
    }
    return new LearnedEstimates(learned, Priors.DEFAULT, classes);
  }

  /** The scheduler's phase for a directory state name; null for states that neither serve nor hold memory. */
  public static ReplicaView.Phase phase(String state) {
    return switch (state) {
      case "LOADING" -> ReplicaView.Phase.LOADING;
      case "READY" -> ReplicaView.Phase.READY;
      case "DRAINING" -> ReplicaView.Phase.DRAINING;
      default -> null;
    };
  }
}
