package io.zeroserve.host.placement;

import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Keeps this node's entries in the cluster's replica directory equal to its replicas: LOADING ones
 * (so other nodes wait for them instead of loading another), READY ones with their load, DRAINING
 * ones (they still hold memory). A pass writes only what changed since the last; a load-only change
 * is cheap ({@link ClusterState#putReplica} hands it to the background). A full pass also removes
 * entries under this node's id that it no longer has (after a lost write, or a restart under the same
 * id). Blocking: call from one worker thread at a time.
 */
public final class ReplicaPublisher {

  private final ClusterState cluster;
  private final LocalReplicas replicas;
  private final Map<String, ReplicaLocation> published = new HashMap<>();

  public ReplicaPublisher(ClusterState cluster, LocalReplicas replicas) {
    this.cluster = cluster;
    this.replicas = replicas;
  }

  /**
   * Whether a replica's in-use rate moved enough to tell the others (they forecast its requests from
   * it): by a quarter, and at least 0.001/s. It moves with every request, so republishing every change
   * would rewrite every busy replica every pass.
   */
  static boolean rateMoved(double published, double now) {
    return published < 0 || Math.abs(now - published) > Math.max(0.25 * published, 0.001);
  }

  /**
   * How far a replica's last use may run ahead of what its entry says before it is written again:
   * others forecast its next requests from its idle time, and a few seconds' error is small next to
   * the quiet spells that tell a burst that ended (at most one write a second per replica in use).
   */
  static final long LAST_USE_SLACK_MILLIS = 1_000;

  /** Whether {@code published} no longer says what others need to know of {@code r}. */
  static boolean outdated(ReplicaLocation published, String self, LocalReplicas.ReplicaInfo r, long lastUsedAtMillis) {
    return published == null || !published.nodeId().equals(self) || !published.state().equals(r.state().name())
        || published.outstanding() != r.outstanding()
        || rateMoved(published.requestsPerSecond(), r.requestsPerSecondInUse())
        || lastUsedAtMillis - published.lastUsedAtMillis() > LAST_USE_SLACK_MILLIS;
  }

  /** Publishes changes since the last pass; {@code full} also re-reads the directory and repairs it. */
  public synchronized void publish(boolean full) {
    String self = cluster.localNodeId();
    long now = System.currentTimeMillis();
    long nowNanos = System.nanoTime();
    Set<String> present = new HashSet<>();
    for (LocalReplicas.ReplicaInfo r : replicas.replicas()) {
      if (r.state() != ReplicaState.LOADING && r.state() != ReplicaState.READY && r.state() != ReplicaState.DRAINING) {
        continue;
      }
      String id = NodeDevices.clusterWideId(self, r.id().toString());
      present.add(id);
      ReplicaLocation last = published.get(id);
      long lastUsedAtMillis = Math.max(0, now - Math.max(0, nowNanos - r.lastUsedNanos()) / 1_000_000);
      if (outdated(last, self, r, lastUsedAtMillis)) {
        ReplicaLocation entry = new ReplicaLocation(id, self, r.id().function(), r.id().version(), r.state().name(),
            now, r.deviceId(), r.outstanding(), r.memoryBytes(), r.requestsPerSecondInUse(), lastUsedAtMillis);
        cluster.putReplica(entry);
        published.put(id, entry);
      }
    }
    for (String id : Set.copyOf(published.keySet())) {
      if (!present.contains(id)) {
        cluster.removeReplica(id);
        published.remove(id);
      }
    }
    if (full) {
      Set<String> listed = new HashSet<>();
      for (ReplicaLocation r : cluster.allReplicas()) {
        if (!r.nodeId().equals(self)) {
          continue;
        }
        listed.add(r.replicaId());
        ReplicaLocation mine = published.get(r.replicaId());
        if (mine == null) {
          cluster.removeReplica(r.replicaId()); // not here any more
        } else if (!r.state().equals(mine.state())) {
          cluster.putReplica(mine); // a lost write: say it again
        }
      }
      published.forEach((id, entry) -> {
        if (!listed.contains(id)) {
          cluster.putReplica(entry);
        }
      });
    }
  }
}
