package io.zeroserve.host.placement;

import io.zeroserve.scheduler.ReplicaView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Cold starts this node ordered, on other nodes or on its own, that are not listed yet (in the
 * directory, or in this node's replicas: a local start shows there only once its evictions drained). Without
 * them, every request of a burst would see the same snapshot without the replica and order its own; and
 * a version would go past its maxReplicas. An order is taken as listed once its node lists a replica of
 * the version it did not list when the order was made, and no earlier order has claimed that one: by
 * identity, not by count, so an earlier order that failed, or a replica that left, does not hold a later
 * one pending. (Counts let the first of two orders to show clear both: BurstBench, 5 replicas of 4.)
 * The clock is passed in. Thread-safe; a caller that decides between {@link #stillPending} and
 * {@link #ordered} holds {@link #lock} so that two decisions do not both miss the other's order.
 */
final class PendingColdStarts {

  /** An order not listed after this long is forgotten: it failed, or it is listed under way. */
  static final long TTL_NANOS = 30_000_000_000L;

  /**
   * @param knownThen ids of the version's replicas its node listed when it was ordered
   */
  private record Pending(ReplicaView view, long orderedAtNanos, Set<String> knownThen) {}

  /** Oldest first. Guarded by {@link #lock}. */
  private final List<Pending> pending = new ArrayList<>();
  final Object lock = new Object();

  /**
   * The orders of this version not listed yet, given the replicas of it that are {@code listed} now;
   * forgets those that are, and any order older than {@link #TTL_NANOS}.
   */
  List<ReplicaView> stillPending(String function, int version, List<ReplicaView> listed, long nowNanos) {
    synchronized (lock) {
      List<ReplicaView> out = new ArrayList<>(0);
      Set<String> claimed = new HashSet<>();
      for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (nowNanos - p.orderedAtNanos() > TTL_NANOS) {
          it.remove();
        } else if (p.view().function().equals(function) && p.view().version() == version) {
          String shown = newlyListed(p, listed, claimed);
          if (shown != null) {
            claimed.add(shown);
            it.remove();
          } else {
            out.add(p.view());
          }
        }
      }
      return out;
    }
  }

  /** Records an order for {@code view} (a LOADING replica on its node), given what is {@code listed} now. */
  void ordered(ReplicaView view, List<ReplicaView> listed, long nowNanos) {
    Set<String> known = new HashSet<>();
    for (ReplicaView r : listed) {
      if (r.nodeId().equals(view.nodeId())) {
        known.add(r.replicaId());
      }
    }
    synchronized (lock) {
      pending.add(new Pending(view, nowNanos, known));
    }
  }

  /** A replica on the order's node that it did not know of and no earlier order claimed; null if none. */
  private static String newlyListed(Pending p, List<ReplicaView> listed, Set<String> claimed) {
    for (ReplicaView r : listed) {
      if (r.nodeId().equals(p.view().nodeId()) && !p.knownThen().contains(r.replicaId())
          && !claimed.contains(r.replicaId())) {
        return r.replicaId();
      }
    }
    return null;
  }
}
