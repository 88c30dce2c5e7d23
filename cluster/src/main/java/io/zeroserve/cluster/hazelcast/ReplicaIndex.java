package io.zeroserve.cluster.hazelcast;

import io.zeroserve.cluster.ReplicaLocation;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A local index of the replica directory by function version, so that routing reads one bucket instead
 * of scanning every replica. Writers (listener refreshes and rebuilds) take a lock; readers do not.
 * It is a view: every update is "set this id to what the map holds now", so the order of updates does
 * not matter.
 */
final class ReplicaIndex {

  private record Bucket(String function, int version) {
    static Bucket of(ReplicaLocation replica) {
      return new Bucket(replica.function(), replica.version());
    }
  }

  private final ConcurrentHashMap<String, ReplicaLocation> byId = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Bucket, ConcurrentHashMap<String, ReplicaLocation>> byBucket =
      new ConcurrentHashMap<>();

  /** Sets the entry of {@code replicaId} to {@code current}, or removes it when null. */
  synchronized void set(String replicaId, ReplicaLocation current) {
    ReplicaLocation before = current == null ? byId.remove(replicaId) : byId.put(replicaId, current);
    if (before != null && (current == null || !Bucket.of(before).equals(Bucket.of(current)))) {
      byBucket.computeIfPresent(Bucket.of(before), (bucket, entries) -> {
        entries.remove(replicaId);
        return entries.isEmpty() ? null : entries;
      });
    }
    if (current != null) {
      byBucket.computeIfAbsent(Bucket.of(current), bucket -> new ConcurrentHashMap<>()).put(replicaId, current);
    }
  }

  /** Makes the index hold exactly {@code entries}. */
  synchronized void rebuild(Collection<ReplicaLocation> entries) {
    Set<String> stale = new HashSet<>(byId.keySet());
    for (ReplicaLocation replica : entries) {
      stale.remove(replica.replicaId());
      if (!Objects.equals(byId.get(replica.replicaId()), replica)) {
        set(replica.replicaId(), replica);
      }
    }
    for (String replicaId : stale) {
      set(replicaId, null);
    }
  }

  List<ReplicaLocation> of(String function, int version, Predicate<ReplicaLocation> filter) {
    Map<String, ReplicaLocation> entries = byBucket.get(new Bucket(function, version));
    return entries == null ? List.of() : entries.values().stream().filter(filter).toList();
  }

  List<ReplicaLocation> all(Predicate<ReplicaLocation> filter) {
    return byId.values().stream().filter(filter).toList();
  }
}
