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

  /** Each node whose turn has come since the last call publishes its replicas as they are now. */
  void publishDue(SimCluster c, long now) {
    int nodes = c.nodes.size();
    if (publishedAt.length != nodes) {
      publishedAt = new long[nodes];
      published = new ArrayList<>(nodes);
      for (int i = 0; i < nodes; i++) {
        publishedAt[i] = Long.MIN_VALUE;
        published.add(Map.of());
      }
    }
    for (Node n : c.nodes) {
      long phase = periodNanos * n.index / nodes;
      long due = Math.floorDiv(now - phase, periodNanos) * periodNanos + phase;
      if (publishedAt[n.index] < due) {
        Map<Replica, ReplicaView> views = new HashMap<>();
        for (Device d : n.devices) {
          for (Replica r : d.replicas) {
            views.put(r, r.view(now));
          }
        }
        published.set(n.index, views);
        publishedAt[n.index] = due;
      }
    }
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
