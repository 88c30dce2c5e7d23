package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.ReplicaView.Phase;
import io.zeroserve.scheduler.ScaleDecision;
import io.zeroserve.scheduler.ScalerState;
import io.zeroserve.scheduler.ScalingContext;
import io.zeroserve.scheduler.ScalingPolicy;
import io.zeroserve.scheduler.sim.SimCluster.Function;
import io.zeroserve.scheduler.sim.SimCluster.Node;
import io.zeroserve.scheduler.sim.SimCluster.Replica;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LERT's scale-in: the real {@link ScalingPolicy}, asked every {@code tickNanos} for each function
 * version on each node that has replicas of it, as the node's control loop does. Only decisions
 * below the current count are carried out (surplus replicas drain, least outstanding first): scale-out
 * is placement's job under LERT, where a cold start happens when it beats waiting.
 */
final class PolicyScaleIn implements SimCluster.ScaleIn {

  private final ScalingPolicy policy = new ScalingPolicy();
  private final long tickNanos;
  private final int targetConcurrency;
  private final Map<Long, ScalerState> states = new HashMap<>();

  PolicyScaleIn(long tickNanos, int targetConcurrency) {
    this.tickNanos = tickNanos;
    this.targetConcurrency = targetConcurrency;
  }

  @Override
  public void start(SimCluster c) {
    c.sim.after(tickNanos, () -> tick(c));
  }

  @Override
  public void onRequest(Replica replica, SimCluster cluster) {}

  private void tick(SimCluster c) {
    long now = c.sim.now();
    Map<Long, ScalerState> next = new HashMap<>();
    List<Replica> group = new ArrayList<>();
    for (Function f : c.functions) {
      if (f.replicas.isEmpty()) {
        continue;
      }
      List<Replica> live = new ArrayList<>(f.replicas.size());
      for (Replica r : f.replicas) {
        if (r.phase != Phase.DRAINING) {
          live.add(r);
        }
      }
      while (!live.isEmpty()) {
        Node node = live.get(0).device.node;
        group.clear();
        for (Replica r : live) {
          if (r.device.node == node) {
            group.add(r);
          }
        }
        live.removeAll(group);
        decide(c, f, node, group, now, next);
      }
    }
    states.clear();
    states.putAll(next);
    c.sim.after(tickNanos, () -> tick(c));
  }

  private void decide(SimCluster c, Function f, Node node, List<Replica> group, long now, Map<Long, ScalerState> next) {
    int loading = 0;
    int outstanding = 0;
    long lastRequest = Long.MIN_VALUE;
    for (Replica r : group) {
      loading += r.phase == Phase.LOADING ? 1 : 0;
      outstanding += r.outstanding();
      lastRequest = Math.max(lastRequest, r.lastUsed);
    }
    long key = (long) node.index << 32 | f.index;
    int max = Math.max(1, f.profile.maxReplicas());
    ScalingContext ctx = new ScalingContext(now, group.size(), loading, outstanding, lastRequest, 0,
        Math.max(max, group.size()), targetConcurrency, f.profile.idleTimeoutNanos(),
        states.getOrDefault(key, ScalerState.INITIAL));
    ScaleDecision d = policy.decideScaleIn(ctx); // the host's control loop runs exactly this
    next.put(key, d.next());
    int surplus = group.size() - d.target();
    if (surplus <= 0) {
      return;
    }
    group.sort(Comparator.comparing((Replica r) -> r.phase == Phase.LOADING)
        .thenComparingInt(Replica::outstanding).thenComparingLong(r -> r.lastUsed));
    for (int i = 0; i < surplus && i < group.size(); i++) {
      if (group.get(i).phase != Phase.LOADING) {
        c.drain(group.get(i));
      }
    }
  }
}
