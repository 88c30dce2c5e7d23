package io.zeroserve.host.placement;

import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.ReplicaView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls this node has forwarded to other nodes' replicas and not yet had answered, so that its
 * placement sees them before the directory does. Another node's replicas are as their owner last
 * published them (a pass every 100 ms, the snapshot rebuilt every 50 ms): a burst this node forwards
 * within that time all saw the same idle replica, and none of it was weighed against a cold start. Now
 * each forward counts on its target from the moment it is sent until it is answered or the target
 * version's entries on that node have been written since (which then count it, if it has arrived).
 * Sent and written times are compared across nodes: clocks are assumed in step (NTP), as for the
 * directory's other times. Thread-safe; the clock is passed in.
 */
public final class ForwardsInFlight {

  private final Map<VersionOnNode, Sent> byTarget = new ConcurrentHashMap<>();

  /** One version's replicas on one node: a forward goes to the node, which picks the replica. */
  public record VersionOnNode(String nodeId, String function, int version) {}

  /**
   * What {@link #overlay} laid over: the replicas, and per device ({@link DeviceView#key}) the calls
   * added to its replicas, which its own count of outstanding calls lacks as much.
   */
  public record Overlay(List<ReplicaView> replicas, Map<String, Integer> addedByDevice) {}

  /** A forward in flight; hand it back to {@link #answered} once its answer (or failure) is in. */
  public static final class Ticket {
    private final Sent sent;
    private final long sentAtMillis;

    private Ticket(Sent sent, long sentAtMillis) {
      this.sent = sent;
      this.sentAtMillis = sentAtMillis;
    }
  }

  /** Forwards to one target still unanswered. Guarded by itself. */
  private static final class Sent {
    private final ArrayDeque<Ticket> inFlight = new ArrayDeque<>();
    private long lastSentNanos;

    /** Unanswered and sent at or after {@code sinceMillis}: all of them are looked at, wall clocks step. */
    synchronized int inFlightSince(long sinceMillis) {
      int n = 0;
      for (Ticket t : inFlight) {
        if (t.sentAtMillis >= sinceMillis) {
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
    byTarget.compute(new VersionOnNode(nodeId, function, version), (target, known) -> {
      Sent sent = known == null ? new Sent() : known;
      synchronized (sent) {
        ticket[0] = new Ticket(sent, nowMillis);
        sent.inFlight.addLast(ticket[0]);
        sent.lastSentNanos = nowNanos;
      }
      return sent;
    });
    return ticket[0];
  }

  /** The forward's answer, or its failure, is in: it no longer counts. Again: nothing. */
  public void answered(Ticket ticket) {
    synchronized (ticket.sent) {
      // Answers come mostly in the order the calls went: found near the head.
      ticket.sent.inFlight.removeFirstOccurrence(ticket);
    }
  }

  /**
   * Forwards in flight to {@code nodeId} for this version, sent at or after {@code sinceMillis} (by
   * this node's wall clock).
   */
  public int inFlightSince(String nodeId, String function, int version, long sinceMillis) {
    Sent sent = byTarget.get(new VersionOnNode(nodeId, function, version));
    return sent == null ? 0 : sent.inFlightSince(sinceMillis);
  }

  /** Forwards in flight to any node: what the API shows (a forward left counted would show here). */
  public int inFlight() {
    int n = 0;
    for (Sent sent : byTarget.values()) {
      synchronized (sent) {
        n += sent.inFlight.size();
      }
    }
    return n;
  }

  /** Forgets targets with nothing in flight whose last forward is older than {@code beforeNanos}. */
  public void forgetQuietSince(long beforeNanos) {
    for (VersionOnNode target : byTarget.keySet()) {
      byTarget.computeIfPresent(target, (t, s) -> {
        synchronized (s) {
          return s.inFlight.isEmpty() && s.lastSentNanos < beforeNanos ? null : s;
        }
      });
    }
  }

  /**
   * {@code replicas} of one version (another node's as its directory entries say, this node's as
   * they are) with this node's forwards laid over the other nodes': each forward in flight that was sent
   * at or after that node last wrote an entry of this version (so that the count there cannot include
   * it), or any while it has none, is queued on that node's replica with the least work per lane, as
   * the node itself will pick; and that replica counts as used when this node last forwarded there (its
   * idle time is what its next requests are forecast from).
   *
   * @param writtenAtMillis per version on a node, the newest write of its entries that this node's
   *     snapshot read (by the owner's clock); a version without one there (a cold start this node
   *     ordered, not listed yet) has every forward to it counted
   */
  public Overlay overlay(List<ReplicaView> replicas, String self, Map<VersionOnNode, Long> writtenAtMillis) {
    if (byTarget.isEmpty() || replicas.isEmpty()) {
      return new Overlay(replicas, Map.of());
    }
    Map<String, List<Integer>> byNode = new HashMap<>();
    for (int i = 0; i < replicas.size(); i++) {
      ReplicaView r = replicas.get(i);
      if (!r.nodeId().equals(self) && r.routable()) {
        byNode.computeIfAbsent(r.nodeId(), n -> new ArrayList<>(2)).add(i);
      }
    }
    List<ReplicaView> out = null;
    Map<String, Integer> addedByDevice = new HashMap<>();
    for (Map.Entry<String, List<Integer>> node : byNode.entrySet()) {
      ReplicaView first = replicas.get(node.getValue().get(0));
      VersionOnNode target = new VersionOnNode(node.getKey(), first.function(), first.version());
      Sent sent = byTarget.get(target);
      if (sent == null) {
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
      for (int k = sent.inFlightSince(writtenAtMillis.getOrDefault(target, Long.MIN_VALUE)); k > 0; k--) {
        least = leastLoaded(out, node.getValue());
        ReplicaView r = out.get(least);
        out.set(least, withWork(r, r.outstanding() + 1, r.lastUsedNanos()));
        addedByDevice.merge(r.deviceKey(), 1, Integer::sum);
      }
    }
    return out == null ? new Overlay(replicas, Map.of()) : new Overlay(out, addedByDevice);
  }

  /**
   * Of the replicas at {@code indices}, the one a node hands a call to: the READY one with the least
   * work per lane (the first of equals), or while none is READY, the loading one with the least.
   */
  private static int leastLoaded(List<ReplicaView> replicas, List<Integer> indices) {
    int least = indices.get(0);
    for (int j : indices) {
      if (replicas.get(j).takesCallBefore(replicas.get(least))) {
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
