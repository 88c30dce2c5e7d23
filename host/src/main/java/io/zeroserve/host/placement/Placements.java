package io.zeroserve.host.placement;

import io.zeroserve.cluster.ClusterSnapshots;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaState;
import io.zeroserve.host.devices.NodeDevice;
import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.Estimates;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.LeastExpectedResponseTime;
import io.zeroserve.scheduler.NetworkModel;
import io.zeroserve.scheduler.Placement;
import io.zeroserve.scheduler.PlacementRequest;
import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Asks the placement policy where each request runs, over a cluster snapshot rebuilt at most every
 * {@link #SNAPSHOT_MAX_AGE_NANOS} or when this node's replicas change, with the requested version's
 * replicas laid over it fresh: this node's from {@link LocalReplicas}, cold starts it ordered on other
 * nodes that their directory entries do not show yet, and the calls it forwarded that those entries
 * cannot count yet ({@link ForwardsInFlight}). Without that, every request of a burst would see the
 * same empty snapshot and order its own cold start, or the same idle replica and all queue there.
 * Thread-safe.
 */
public final class Placements {

  static final long SNAPSHOT_MAX_AGE_NANOS = 50_000_000;
  private static final Logger LOG = Logger.getLogger(Placements.class.getName());

  private final ClusterState cluster;
  private final LocalReplicas replicas;
  private final NodeDevices devices;
  private final int replicaParallelism;
  private final LeastExpectedResponseTime policy = new LeastExpectedResponseTime();
  private final NetworkModel network = NetworkModel.DEFAULT;
  private final Priors priors = Priors.DEFAULT;
  private final PendingColdStarts pending = new PendingColdStarts();
  private final ForwardsInFlight forwards = new ForwardsInFlight();
  private volatile Built built;

  /**
   * A snapshot and what it was built from.
   *
   * @param writtenAtMillis per version on another node, the newest write of its directory entries read
   * @param change {@link LocalReplicas#changes()} when it was built
   */
  private record Built(ClusterSnapshot snapshot, Map<ForwardsInFlight.VersionOnNode, Long> writtenAtMillis,
                       long builtAtNanos, long change) {}

  public Placements(ClusterState cluster, LocalReplicas replicas, NodeDevices devices, int replicaParallelism) {
    this.cluster = cluster;
    this.replicas = replicas;
    this.devices = devices;
    this.replicaParallelism = replicaParallelism;
  }

  /** Where a request for this version runs. */
  public Placement place(String function, FunctionVersion version, FunctionConfig config, long payloadBytes) {
    long now = System.nanoTime();
    Built built = built(now);
    ClusterSnapshot base = built.snapshot();
    FunctionProfile profile = profile(function, version, config);
    String self = cluster.localNodeId();
    List<ReplicaView> fresh = new ArrayList<>();
    for (ReplicaView r : base.replicasOf(function, version.version())) {
      if (!r.nodeId().equals(self)) {
        fresh.add(r);
      }
    }
    fresh.addAll(localViews(replicas.replicas(function, version.version()), now, base.estimates()));
    List<ReplicaView> listed = List.copyOf(fresh);
    PlacementRequest request = new PlacementRequest(profile, self, payloadBytes);
    // Held from reading the pending orders to recording a new one: two decisions at once would
    // otherwise both miss the other's order and both start the version's last replica.
    synchronized (pending.lock) {
      fresh.addAll(pending.stillPending(function, version.version(), listed, now));
      // Cold starts ordered and not listed yet included: calls routed to one wait for it there.
      ForwardsInFlight.Overlay overlay = forwards.overlay(fresh, self, built.writtenAtMillis());
      ClusterSnapshot s = base.withReplicasOf(function, version.version(), overlay.replicas(), now,
          overlay.addedByDevice());
      Placement decision;
      if (LOG.isLoggable(Level.FINE)) {
        LeastExpectedResponseTime.Explained e = policy.explain(request, s);
        decision = e.decision();
        LOG.fine("placed " + function + " v" + version.version() + ": " + decision + " of " + e.options());
      } else {
        decision = policy.place(request, s);
      }
      Placement.ColdStart ordered = decision instanceof Placement.ColdStart c ? c
          : decision instanceof Placement.Route r ? r.alsoStart() : null;
      // Here too: a local start shows in LocalReplicas only once evictions drained and the call reached
      // it, after this lock is released (BurstBench: a version went past maxReplicas in 1 of 4 runs).
      if (ordered != null) {
        var d = s.device(io.zeroserve.scheduler.DeviceView.key(ordered.nodeId(), ordered.deviceId()));
        long load = s.estimates().loadNanos(profile, d.deviceClass(), d.kind());
        String id = "pending:" + ordered.nodeId() + "/" + function + "@" + version.version() + "#" + now;
        pending.ordered(new ReplicaView(id, ordered.nodeId(), ordered.deviceId(), function, version.version(),
            ReplicaView.Phase.LOADING, 1, replicaParallelism, profile.memoryBytes(), now + load, now, 0), listed, now);
      }
      return decision;
    }
  }

  /**
   * Records a call forwarded to another node's replicas of this version, so that this node's next
   * decisions count it there before the directory shows it; hand the ticket to {@link #answered}.
   */
  public ForwardsInFlight.Ticket forwarding(String nodeId, String function, int version) {
    return forwards.sent(nodeId, function, version, System.currentTimeMillis(), System.nanoTime());
  }

  /** A forwarded call's answer, or its failure, is in. */
  public void answered(ForwardsInFlight.Ticket ticket) {
    forwards.answered(ticket);
  }

  /** Calls this node forwarded to another node's replicas that are not answered yet. */
  public int forwardsInFlight() {
    return forwards.inFlight();
  }

  /** The cluster as placement sees it now, for the API and the dashboard. */
  public ClusterSnapshot snapshot() {
    return built(System.nanoTime()).snapshot();
  }

  private Built built(long now) {
    Built b = built;
    long change = replicas.changes();
    if (b == null || now - b.builtAtNanos() > SNAPSHOT_MAX_AGE_NANOS || change != b.change()) {
      Estimates estimates = ClusterSnapshots.estimates(cluster);
      Collection<ReplicaLocation> directory = cluster.allReplicas();
      // Per version, not per node: a node's writes of different entries reach this node one by one.
      String self = cluster.localNodeId();
      Map<ForwardsInFlight.VersionOnNode, Long> writtenAtMillis = new HashMap<>();
      for (ReplicaLocation r : directory) {
        if (!r.nodeId().equals(self)) {
          writtenAtMillis.merge(new ForwardsInFlight.VersionOnNode(r.nodeId(), r.function(), r.version()),
              r.updatedAtMillis(), Math::max);
        }
      }
      ClusterSnapshot s = ClusterSnapshots.build(now, System.currentTimeMillis(), cluster.nodes(), directory,
          cluster.reservedBytes(), estimates, self, localViews(replicas.replicas(), now, estimates),
          replicaParallelism, network);
      b = new Built(s, writtenAtMillis, now, change);
      built = b;
      forwards.forgetQuietSince(now - PendingColdStarts.TTL_NANOS);
    }
    return b;
  }

  /** Replicas of this node as placement sees them. */
  private List<ReplicaView> localViews(List<LocalReplicas.ReplicaInfo> infos, long now, Estimates estimates) {
    String self = cluster.localNodeId();
    List<ReplicaView> views = new ArrayList<>(infos.size());
    for (LocalReplicas.ReplicaInfo r : infos) {
      ReplicaView.Phase phase = ClusterSnapshots.phase(r.state().name());
      if (phase == null) {
        continue;
      }
      long readyAt = 0;
      if (r.state() == ReplicaState.LOADING) {
        NodeDevice d = devices.get(r.deviceId());
        readyAt = r.loadStartedNanos()
            + estimates.reloadNanos(r.id().function(), d.deviceClass(), d.kind(), r.memoryBytes());
      }
      views.add(new ReplicaView(NodeDevices.clusterWideId(self, r.id().toString()), self, r.deviceId(),
          r.id().function(), r.id().version(), phase, r.outstanding(), r.parallelism(), r.memoryBytes(),
          Math.max(readyAt, now), r.lastUsedNanos(), r.requestsPerSecondInUse()));
    }
    return views;
  }

  /** What placement knows of a function version: its size, memory need and limits. */
  FunctionProfile profile(String function, FunctionVersion version, FunctionConfig config) {
    // One memory figure for every device kind: the larger, so no device is over-committed.
    long memory = Math.max(NodeDevices.memoryEstimate(priors, version.sizeBytes(), DeviceKind.CPU),
        NodeDevices.memoryEstimate(priors, version.sizeBytes(), DeviceKind.GPU));
    return new FunctionProfile(function, version.version(), version.sizeBytes(), memory,
        DeviceRequirement.valueOf(config.device().name()), config.maxReplicas(), config.maxBatchSize(),
        config.idleTimeout().toNanos());
  }
}
