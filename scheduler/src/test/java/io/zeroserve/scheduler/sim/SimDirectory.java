package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.sim.SimCluster.Device;
import io.zeroserve.scheduler.sim.SimCluster.Node;
import io.zeroserve.scheduler.sim.SimCluster.Replica;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The replica directory as the host keeps it: each node publishes its replicas every {@code
 * periodNanos} (staggered over the period by node), and other nodes see them as published until the
 * next time. With a period of 0 it is off: routers see every replica exactly, as the simulator did
 * before, which flatters routing on a node (bench/RESULTS-scheduler.md, section 6).
 */
final class SimDirectory {

  final long periodNanos;
  private long[] publishedAt = new long[0];
  private List<Map<Replica, ReplicaView>> published = new ArrayList<>();

  SimDirectory(long periodNanos) {
    this.periodNanos = periodNanos;
  }

  boolean on() {
    return periodNanos > 0;
  }

  /**
   * Starts publishing, the first time it is called: each node now, then at its own phase of every
   * period, as simulator events (so that what it publishes is its state at that instant, not later).
   */
  void publishDue(SimCluster c, long now) {
    if (publishedAt.length == c.nodes.size()) {
      return;
    }
    int nodes = c.nodes.size();
    publishedAt = new long[nodes];
    published = new ArrayList<>(nodes);
    for (Node n : c.nodes) {
      published.add(Map.of());
      publish(n, now);
      long phase = periodNanos * n.index / nodes;
      long next = Math.floorDiv(now - phase, periodNanos) * periodNanos + phase + periodNanos;
      c.sim.at(next, () -> publishEvery(c, n));
    }
  }

  private void publishEvery(SimCluster c, Node n) {
    publish(n, c.sim.now());
    c.sim.after(periodNanos, () -> publishEvery(c, n));
  }

  private void publish(Node n, long now) {
    Map<Replica, ReplicaView> views = new HashMap<>();
    for (Device d : n.devices) {
      for (Replica r : d.replicas) {
        views.put(r, r.view(now));
      }
    }
    published.set(n.index, views);
    publishedAt[n.index] = now;
  }

  /** When {@code n} last published. */
  long publishedAt(Node n) {
    return publishedAt[n.index];
  }

  /** {@code r} as its node last published it; null if it has not since {@code r} started. */
  ReplicaView published(Replica r) {
    return published.get(r.device.node.index).get(r);
  }

  /** {@code r}'s outstanding requests as {@code viewer} knows them; -1 if it does not know {@code r}. */
  int outstandingSeenBy(Replica r, Node viewer) {
    if (r.device.node == viewer) {
      return r.outstanding();
    }
    ReplicaView v = published(r);
    return v == null ? -1 : v.outstanding();
  }
}
