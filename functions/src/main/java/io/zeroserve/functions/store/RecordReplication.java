package io.zeroserve.functions.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where function records are shared with other nodes: documents whose revision only grows, changed
 * by compare-and-set. The host adapts the cluster's shared state to it; {@link #inMemory()} serves a
 * registry that shares with nobody (unit tests). Implementations are thread-safe and may block.
 */
public interface RecordReplication {

  /**
   * One function's shared record.
   *
   * @param revision grows by one with every change; 0 means "never existed"
   * @param deleted a tombstone: kept so that a node that missed the delete cannot bring it back
   * @param json the record's JSON, or {@code {}} for a tombstone
   */
  record Shared(String name, long revision, boolean deleted, String json) {
    public Shared {
      Objects.requireNonNull(name, "name cannot be null");
      Objects.requireNonNull(json, "json cannot be null");
    }
  }

  Optional<Shared> get(String name);

  Collection<Shared> all();

  /** Stores {@code next} only if the current revision is {@code expectedRevision} (0: absent). */
  boolean compareAndSet(String name, long expectedRevision, Shared next);

  /** Stores {@code doc} only if it is newer than what is there; returns whether it stored. */
  boolean putIfNewer(Shared doc);

  /** Shares with nobody: the registry's own process is the whole cluster. */
  static RecordReplication inMemory() {
    Map<String, Shared> docs = new ConcurrentHashMap<>();
    return new RecordReplication() {
      @Override
      public Optional<Shared> get(String name) {
        return Optional.ofNullable(docs.get(name));
      }

      @Override
      public Collection<Shared> all() {
        return List.copyOf(docs.values());
      }

      @Override
      public boolean compareAndSet(String name, long expectedRevision, Shared next) {
        boolean[] stored = {false};
        docs.compute(name, (k, current) -> {
          long revision = current == null ? 0 : current.revision();
          if (revision == expectedRevision && next.revision() > revision) {
            stored[0] = true;
            return next;
          }
          return current;
        });
        return stored[0];
      }

      @Override
      public boolean putIfNewer(Shared doc) {
        boolean[] stored = {false};
        docs.compute(doc.name(), (k, current) -> {
          if (current == null || doc.revision() > current.revision()) {
            stored[0] = true;
            return doc;
          }
          return current;
        });
        return stored[0];
      }
    };
  }
}
