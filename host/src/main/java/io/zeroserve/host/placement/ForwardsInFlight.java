package io.zeroserve.host.placement;

import io.zeroserve.scheduler.ReplicaView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls this node has forwarded to other nodes' replicas and not yet had answered, so that its
 * placement sees them before the directory does. Another node's replicas are as their owner last
 * published them (a pass every 100 ms, the snapshot rebuilt every 50 ms): a burst this node forwards
 * within that time all saw the same idle replica, and none of it was weighed against a cold start. Now
 * each forward counts on its target from the moment it is sent until the directory could have seen it.
 * Thread-safe; the clock is passed in.
 */
public final class ForwardsInFlight {

  private final Map<Target, Sent> byTarget = new ConcurrentHashMap<>();

  /** One version's replicas on one node: a forward goes to the node, which picks the replica. */
  private record Target(String nodeId, String function, int version) {}

  /** A forward in flight; hand it back to {@link #answered} once its answer (or failure) is in. */
  public static final class Ticket {
    private final Sent sent;
    private final long sentAtMillis;
    private boolean answered;

    private Ticket(Sent sent, long sentAtMillis) {
      this.sent = sent;
      this.sentAtMillis = sentAtMillis;
    }
  }

  /** Forwards to one target, in the order they were sent. Guarded by itself. */
  private static final class Sent {
    private final ArrayDeque<Ticket> inOrder = new ArrayDeque<>();
    private long lastSentNanos;

    /** In flight and sent at or after {@code sinceMillis}: the newest are at the tail. */
    synchronized int inFlightSince(long sinceMillis) {
      int n = 0;
      for (Iterator<Ticket> it = inOrder.descendingIterator(); it.hasNext(); ) {
        Ticket t = it.next();
        if (t.sentAtMillis < sinceMillis) {
          break;
        }
        if (!t.answered) {
          n++;
        }
      }
      return n;
    }

    synchronized long lastSentNanos() {
      return lastSentNanos;
    }
  }

  /** Records a forward of a call for {@code function} v{@code version} to {@code nodeId}, sent now. */
  public Ticket sent(String nodeId, String function, int version, long nowMillis, long nowNanos) {
    Ticket[] ticket = new Ticket[1];
    // Under the map's lock for the target, so that forgetQuietSince cannot drop it in between.
    byTarget.compute(new Target(nodeId, function, version), (target, known) -> {
      Sent sent = known == null ? new Sent() : known;
      synchronized (sent) {
        ticket[0] = new Ticket(sent, nowMillis);
        sent.inOrder.addLast(ticket[0]);
        sent.lastSentNanos = nowNanos;
      }
      return sent;
    });
    return ticket[0];
  }

  /** The forward's answer, or its failure, is in: it no longer counts. */
  public void answered(Ticket ticket) {
    synchronized (ticket.sent) {
      ticket.answered = true;
      // Answered ones leave from the head; one answered out of order waits there for those before it.
      while (!ticket.sent.inOrder.isEmpty() && ticket.sent.inOrder.peekFirst().answered) {
        ticket.sent.inOrder.pollFirst();
      }
    }
  }

  /**
   * Forwards in flight to {@code nodeId} for this version, sent at or after {@code sinceMillis} (by
   * this node's wall clock, as the directory's entries are by their owner's: clocks in step).
   */
  public int inFlightSince(String nodeId, String function, int version, long sinceMillis) {
    Sent sent = byTarget.get(new Target(nodeId, function, version));
    return sent == null ? 0 : sent.inFlightSince(sinceMillis);
  }

  /** Forgets targets with nothing in flight whose last forward is older than {@code beforeNanos}. */
  public void forgetQuietSince(long beforeNanos) {
    for (Target target : byTarget.keySet()) {
      byTarget.computeIfPresent(target, (t, s) -> {
        synchronized (s) {
          return s.inOrder.isEmpty() && s.lastSentNanos < beforeNanos ? null : s;
        }
      });
    }
  }

  /**
   * {@code replicas} of one version (another node's as its directory entries say, this node's as
   * they are) with this node's forwards laid over the other nodes': each forward in flight that was sent
   * at or after its node last wrote the directory (so that the count there cannot include it) is queued
   * on that node's replica with the least work per lane, as the node itself will pick; and that replica
   * counts as used when this node last forwarded there, so that among replicas expected alike placement
   * spreads to those it has not just sent to.
   *
   * @param publishedAtMillis per node, its newest directory write this node's snapshot read (a pass
   *     writes all of a node's changed entries at once); a node without one gets nothing laid over
   */
  public List<ReplicaView> overlay(List<ReplicaView> replicas, String self, Map<String, Long> publishedAtMillis) {
    if (byTarget.isEmpty() || replicas.isEmpty()) {
      return replicas;
    }
    Map<String, List<Integer>> byNode = new HashMap<>();
    for (int i = 0; i < replicas.size(); i++) {
      ReplicaView r = replicas.get(i);
      if (!r.nodeId().equals(self) && r.routable()) {
        byNode.computeIfAbsent(r.nodeId(), n -> new ArrayList<>(2)).add(i);
      }
    }
    List<ReplicaView> out = null;
    for (Map.Entry<String, List<Integer>> node : byNode.entrySet()) {
      ReplicaView first = replicas.get(node.getValue().get(0));
      Sent sent = byTarget.get(new Target(node.getKey(), first.function(), first.version()));
      Long since = publishedAtMillis.get(node.getKey());
      if (sent == null || since == null) {
        continue;
      }
      if (out == null) {
        out = new ArrayList<>(replicas);
      }
      int least = leastLoaded(out, node.getValue());
      long lastSentNanos = sent.lastSentNanos();
      ReplicaView picked = out.get(least);
      if (picked.lastUsedNanos() < lastSentNanos) {
        out.set(least, withWork(picked, picked.outstanding(), lastSentNanos));
      }
      for (int k = sent.inFlightSince(since); k > 0; k--) {
        least = leastLoaded(out, node.getValue());
        ReplicaView r = out.get(least);
        out.set(least, withWork(r, r.outstanding() + 1, r.lastUsedNanos()));
      }
    }
    return out == null ? replicas : out;
  }

  /**
   * Of the replicas at {@code indices}, the one a node hands a call to: the READY one with the least
   * work per lane (the first of equals), or while none is READY, the loading one with the least.
   */
  private static int leastLoaded(List<ReplicaView> replicas, List<Integer> indices) {
    int least = indices.get(0);
    for (int j : indices) {
      ReplicaView r = replicas.get(j);
      ReplicaView l = replicas.get(least);
      boolean rReady = r.phase() == ReplicaView.Phase.READY;
      boolean lReady = l.phase() == ReplicaView.Phase.READY;
      if ((rReady && !lReady) || (rReady == lReady
          && (double) r.outstanding() / r.parallelism() < (double) l.outstanding() / l.parallelism())) {
        least = j;
      }
    }
    return least;
  }

  private static ReplicaView withWork(ReplicaView r, int outstanding, long lastUsedNanos) {
    return new ReplicaView(r.replicaId(), r.nodeId(), r.deviceId(), r.function(), r.version(), r.phase(), outstanding,
        r.parallelism(), r.memoryBytes(), r.readyAtNanos(), lastUsedNanos, r.requestsPerSecondInUse());
  }
}
