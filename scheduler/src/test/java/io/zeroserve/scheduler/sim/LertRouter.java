package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.LeastExpectedResponseTime;
import io.zeroserve.scheduler.Placement;
import io.zeroserve.scheduler.PlacementRequest;
import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.ReplicaView.Phase;
import io.zeroserve.scheduler.sim.SimCluster.Device;
import io.zeroserve.scheduler.sim.SimCluster.Function;
import io.zeroserve.scheduler.sim.SimCluster.Node;
import io.zeroserve.scheduler.sim.SimCluster.Replica;
import io.zeroserve.scheduler.sim.SimCluster.Request;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 *
 * <p>With a {@link SimDirectory} that is on, the requested version's replicas on other nodes are laid
 * over as a node sees them: as their node last published them, or, for a replica not published yet, only by the node that ordered it; the receiving
 * node's own replicas exactly. With {@code countForwards} as well, the receiving node also counts the
 * requests it routed to another node's replicas since that node last published and not served yet, on
 * that node's least loaded replica and its device, as the host's {@code ForwardsInFlight} does. (The
 * rest of the snapshot stays exact: one for all nodes.)
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

  private final SimDirectory directory;
  private final boolean countForwards;
  /** Per (receiving node, function, target node): when the receiving node last ordered a start there. */
  private final Map<Long, Long> orderedAt = new HashMap<>();
  /** Per (receiving node, function, target node): requests routed there, oldest first, not yet served. */
  private final Map<Long, ArrayDeque<Forward>> forwards = new HashMap<>();

  private record Forward(Request request, long sentAt) {}

  LertRouter(long refreshNanos) {
    this(refreshNanos, new SimDirectory(0), false);
  }

  LertRouter(long refreshNanos, SimDirectory directory, boolean countForwards) {
    this.refreshNanos = refreshNanos;
    this.directory = directory;
    this.countForwards = countForwards;
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
      ClusterSnapshot s = directory.on() ? asNodeSees(q, c, now)
          : base.withReplicasOf(q.fn.name(), q.fn.profile.version(), c.replicaViews(q.fn), now);
      Placement p = policy.place(request, s);
      if (p instanceof Placement.ColdStart cs && !feasible(cs, q.fn.profile.memoryBytes(), c)) {
        staleRetries++;
        continue;
      }
      if (p instanceof Placement.Route r && r.alsoStart() != null
          && !feasible(r.alsoStart(), q.fn.profile.memoryBytes(), c)) {
        p = new Placement.Route(r.nodeId(), r.replicaId(), r.expectedNanos()); // the room went meanwhile
        if (directory.on()) {
          remember(q, c, p, null, now);
        }
        return p;
      }
      Placement.ColdStart started = p instanceof Placement.ColdStart cs ? cs
          : p instanceof Placement.Route r ? r.alsoStart() : null;
      if (started != null && c.metrics.inWindow(now)) {
        String why = p instanceof Placement.Route ? "ahead" : q.fn.replicas.isEmpty() ? "first" : "scaleout";
        startReasons.merge(why + (started.evict().isEmpty() ? "" : "+evict"), 1, Integer::sum);
      }
      if (directory.on()) {
        remember(q, c, p, started, now);
      }
      if (started != null && q.fn.name().equals(traced)) {
        System.out.printf(Locale.ROOT, "%.3f %s%n    %s%n", now / 1e9, p,
            String.join("\n    ", policy.explain(request, s).options()));
      }
      return p;
    }
    return new Placement.NoCapacity("stale snapshot");
  }

  private static long key(Node receiver, Function f, Node target) {
    return ((long) receiver.index << 44) | ((long) target.index << 24) | f.index;
  }

  /** The overlay of {@code q}'s version as its receiving node sees it (see the class comment). */
  private ClusterSnapshot asNodeSees(Request q, SimCluster c, long now) {
    directory.publishDue(c, now);
    Node self = q.receiver;
    List<ReplicaView> views = new ArrayList<>(q.fn.replicas.size());
    Map<Node, List<Integer>> remote = new HashMap<>();
    for (Replica r : q.fn.replicas) {
      Node n = r.device.node;
      ReplicaView v;
      if (n == self || r.phase == Phase.DRAINING) {
        v = r.view(now); // a draining one takes nothing: what it says is only its memory
      } else {
        v = directory.published(r);
        if (v == null && orderedAt.getOrDefault(key(self, q.fn, n), Long.MIN_VALUE) >= directory.publishedAt(n)) {
          v = r.view(now); // not published yet, but this node ordered it
        }
        if (v == null) {
          continue;
        }
        remote.computeIfAbsent(n, k -> new ArrayList<>(2)).add(views.size());
      }
      views.add(v);
    }
    Map<String, Integer> added = new HashMap<>();
    if (countForwards) {
      for (Map.Entry<Node, List<Integer>> e : remote.entrySet()) {
        ArrayDeque<Forward> sent = forwards.get(key(self, q.fn, e.getKey()));
        if (sent == null) {
          continue;
        }
        long since = directory.publishedAt(e.getKey());
        sent.removeIf(f -> f.request().done);
        for (Forward f : sent) {
          if (f.sentAt() < since) {
            continue;
          }
          int least = e.getValue().get(0);
          for (int i : e.getValue()) {
            if (views.get(i).takesCallBefore(views.get(least))) {
              least = i;
            }
          }
          ReplicaView l = views.get(least);
          views.set(least, new ReplicaView(l.replicaId(), l.nodeId(), l.deviceId(), l.function(), l.version(), l.phase(),
              l.outstanding() + 1, l.parallelism(), l.memoryBytes(), l.readyAtNanos(), Math.max(l.lastUsedNanos(),
              f.sentAt()), l.requestsPerSecondInUse()));
          added.merge(l.deviceKey(), 1, Integer::sum);
        }
      }
    }
    return base.withReplicasOf(q.fn.name(), q.fn.profile.version(), views, now, added);
  }

  /** What the receiving node remembers of its decision: orders on other nodes, and forwards. */
  private void remember(Request q, SimCluster c, Placement p, Placement.ColdStart started, long now) {
    if (started != null && !started.nodeId().equals(q.receiver.id)) {
      Node target = c.devicesByKey.get(DeviceView.key(started.nodeId(), started.deviceId())).node;
      orderedAt.put(key(q.receiver, q.fn, target), now);
    }
    if (countForwards && p instanceof Placement.Route r && !r.nodeId().equals(q.receiver.id)) {
      Node target = c.replicasById.get(r.replicaId()).device.node;
      ArrayDeque<Forward> sent = forwards.computeIfAbsent(key(q.receiver, q.fn, target), k -> new ArrayDeque<>());
      sent.removeIf(f -> f.request().done);
      sent.addLast(new Forward(q, now));
    }
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
