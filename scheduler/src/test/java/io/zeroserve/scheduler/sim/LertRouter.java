package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.LeastExpectedResponseTime;
import io.zeroserve.scheduler.Placement;
import io.zeroserve.scheduler.PlacementRequest;
import io.zeroserve.scheduler.sim.SimCluster.Device;
import io.zeroserve.scheduler.sim.SimCluster.Replica;
import io.zeroserve.scheduler.sim.SimCluster.Request;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * LERT as a node runs it: {@link LeastExpectedResponseTime#place} over a {@link ClusterSnapshot} of
 * the simulated cluster and the estimates learned from simulated measurements.
 *
 * <p>As on a real node, the snapshot is rebuilt from the exact simulated state every
 * {@code refreshNanos} (a node rebuilds every few tens of milliseconds), and the requested version's
 * replicas are always laid over it exactly ({@link ClusterSnapshot#withReplicasOf}). So what may be up
 * to {@code refreshNanos} old is the rest: other functions' replicas, device queues and free memory.
 * A cold start is checked against the exact state before it is carried out, as a real node's memory
 * reservation would be: if the device no longer has room, or a replica it would evict has taken a
 * request since, the snapshot is rebuilt at once and LERT asked again (counted as a stale retry).
 */
final class LertRouter implements SimCluster.Router {

  private final LeastExpectedResponseTime policy = new LeastExpectedResponseTime();
  private final long refreshNanos;
  private ClusterSnapshot base;
  private long builtAt;
  long builds;
  long staleRetries;
  /** Replicas started in the measured window, by why: first (none before) / scale-out / ahead, +evict. */
  final Map<String, Integer> startReasons = new TreeMap<>();
  /** A function whose decisions that start a replica are printed with every option, for debugging. */
  private final String traced = System.getProperty("trace.fn");

  LertRouter(long refreshNanos) {
    this.refreshNanos = refreshNanos;
  }

  @Override
  public String name() {
    return "LERT";
  }

  @Override
  public Placement place(Request q, SimCluster c) {
    long now = c.sim.now();
    PlacementRequest request = new PlacementRequest(q.fn.profile, q.receiver.id, q.fn.payloadBytes);
    for (int attempt = 0; attempt < 2; attempt++) {
      if (base == null || (attempt > 0 && builtAt != now) || now - builtAt >= refreshNanos) {
        base = new ClusterSnapshot(now, c.nodeViews(), c.replicaViews(), c.estimates, c.network);
        builtAt = now;
        builds++;
      }
      ClusterSnapshot s = base.withReplicasOf(q.fn.name(), q.fn.profile.version(), c.replicaViews(q.fn), now);
      Placement p = policy.place(request, s);
      if (p instanceof Placement.ColdStart cs && !feasible(cs, q.fn.profile.memoryBytes(), c)) {
        staleRetries++;
        continue;
      }
      if (p instanceof Placement.Route r && r.alsoStart() != null
          && !feasible(r.alsoStart(), q.fn.profile.memoryBytes(), c)) {
        return new Placement.Route(r.nodeId(), r.replicaId(), r.expectedNanos()); // the room went meanwhile
      }
      Placement.ColdStart started = p instanceof Placement.ColdStart cs ? cs
          : p instanceof Placement.Route r ? r.alsoStart() : null;
      if (started != null && c.metrics.inWindow(now)) {
        String why = p instanceof Placement.Route ? "ahead" : q.fn.replicas.isEmpty() ? "first" : "scaleout";
        startReasons.merge(why + (started.evict().isEmpty() ? "" : "+evict"), 1, Integer::sum);
      }
      if (started != null && q.fn.name().equals(traced)) {
        System.out.printf(Locale.ROOT, "%.3f %s%n    %s%n", now / 1e9, p,
            String.join("\n    ", policy.explain(request, s).options()));
      }
      return p;
    }
    return new Placement.NoCapacity("stale snapshot");
  }

  private static boolean feasible(Placement.ColdStart cs, long need, SimCluster c) {
    Device d = c.devicesByKey.get(DeviceView.key(cs.nodeId(), cs.deviceId()));
    long free = d.free();
    for (String id : cs.evict()) {
      Replica r = c.replicasById.get(id);
      if (r == null || !r.idle() || r.device != d) {
        return false;
      }
      free += r.memory;
    }
    return free >= need;
  }
}
