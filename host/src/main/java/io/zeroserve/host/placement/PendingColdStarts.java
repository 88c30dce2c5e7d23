package io.zeroserve.host.placement;

import io.zeroserve.scheduler.ReplicaView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cold starts this node ordered on other nodes that their directory entries do not list yet. Without
 * them, every request of a burst would see the same snapshot without the replica and order its own; and
 * a version would go past its maxReplicas. Thread-safe; the clock is passed in.
 */
final class PendingColdStarts {

  /** An order not listed after this long is forgotten: it failed, or it is listed under way. */
  static final long TTL_NANOS = 30_000_000_000L;

  /**
   * @param listedBefore replicas of the version listed on that node when it was ordered, plus the
   *     orders there still pending then: the order shows once the node lists more. (With the listed
   *     count alone, the first of two orders to show cleared both, and BurstBench's version went past
   *     its maxReplicas: 5 of 4.)
   */
  private record Pending(ReplicaView view, long orderedAtNanos, int listedBefore) {}

  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  /**
   * The orders of this version not listed yet, given the replicas of it that are {@code listed} now;
   * forgets those that are, and any order older than {@link #TTL_NANOS}.
   */
  List<ReplicaView> stillPending(String function, int version, List<ReplicaView> listed, long nowNanos) {
    List<ReplicaView> out = new ArrayList<>(0);
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      Pending p = e.getValue();
      boolean expired = nowNanos - p.orderedAtNanos() > TTL_NANOS;
      if (!p.view().function().equals(function) || p.view().version() != version) {
        if (expired) {
          pending.remove(e.getKey(), p);
        }
      } else if (expired || listedOn(listed, p.view().nodeId()) > p.listedBefore()) {
        pending.remove(e.getKey(), p);
      } else {
        out.add(p.view());
      }
    }
    return out;
  }

  /**
   * Records an order for {@code view} (a LOADING replica on another node), given what this node
   * counted there: {@code listed} replicas of the version, and {@code stillPending} orders.
   */
  void ordered(ReplicaView view, List<ReplicaView> listed, List<ReplicaView> stillPending, long nowNanos) {
    pending.put(view.replicaId(), new Pending(view, nowNanos,
        listedOn(listed, view.nodeId()) + listedOn(stillPending, view.nodeId())));
  }

  private static int listedOn(List<ReplicaView> replicas, String nodeId) {
    int n = 0;
    for (ReplicaView r : replicas) {
      if (r.nodeId().equals(nodeId)) {
        n++;
      }
    }
    return n;
  }
}
