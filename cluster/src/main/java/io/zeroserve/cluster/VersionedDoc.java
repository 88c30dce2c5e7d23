package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

import java.util.Objects;

/**
 * A document shared by the whole cluster (a function's record) whose revision only grows. Immutable.
 *
 * <p>A delete is a write: it stores a tombstone ({@code deleted == true}) at the next revision. The
 * tombstone is kept so that a node that missed the delete and still holds an older revision cannot
 * bring the document back (its {@link ClusterState#putIfNewer} is refused). Tombstones are never
 * purged; they are a key and a few bytes.
 *
 * <p>The two rules that every implementation applies atomically are here, as pure functions:
 * {@link #compareAndSetAccepts} and {@link #supersedes}.
 *
 * @param key the document's name, not blank
 * @param revision 1 for the first write, then grows with every change; 0 is reserved for "absent"
 * @param deleted whether this is a tombstone
 * @param json the document, not null; by convention {@code {}} for a tombstone
 */
public record VersionedDoc(String key, long revision, boolean deleted, String json) {

  /** The revision of an absent document, for {@link ClusterState#compareAndSet}. */
  public static final long ABSENT = 0;

  /** The JSON a tombstone carries. */
  public static final String TOMBSTONE_JSON = "{}";

  public VersionedDoc {
    notBlank("key", key);
    check("revision", revision >= 1, "be >= 1 (0 means absent)", revision);
    Objects.requireNonNull(json, "json cannot be null");
  }

  /** A tombstone for {@code key} at {@code revision}. */
  public static VersionedDoc tombstone(String key, long revision) {
    return new VersionedDoc(key, revision, true, TOMBSTONE_JSON);
  }

  /** The document that follows this one: same key, revision + 1, not deleted. */
  public VersionedDoc next(String nextJson) {
    return new VersionedDoc(key, revision + 1, false, nextJson);
  }

  /** The tombstone that follows this document: same key, revision + 1. */
  public VersionedDoc nextTombstone() {
    return tombstone(key, revision + 1);
  }

  /** The revision of {@code doc}, or {@link #ABSENT} when it is null. */
  public static long revisionOf(VersionedDoc doc) {
    return doc == null ? ABSENT : doc.revision();
  }

  /** Whether this document should replace {@code current} (null: absent): its revision is higher. */
  public boolean supersedes(VersionedDoc current) {
    return revision > revisionOf(current);
  }

  /**
   * Whether a compare-and-set from {@code current} (null: absent) to {@code next} succeeds: the
   * current revision is {@code expectedRevision} and {@code next} goes beyond it.
   */
  public static boolean compareAndSetAccepts(VersionedDoc current, long expectedRevision, VersionedDoc next) {
    return revisionOf(current) == expectedRevision && next.revision() > expectedRevision;
  }

  /**
   * The argument checks of {@link ClusterState#compareAndSet}, which every implementation makes before it
   * touches the cluster.
   *
   * @throws IllegalArgumentException naming the argument, the rule and the value
   */
  public static void checkCompareAndSet(String key, long expectedRevision, VersionedDoc next) {
    Objects.requireNonNull(key, "key cannot be null");
    Objects.requireNonNull(next, "next cannot be null");
    check("expectedRevision", expectedRevision >= ABSENT, "be >= 0", expectedRevision);
    check("next.key", next.key().equals(key), "equal key '" + key + "'", "'" + next.key() + "'");
    check("next.revision", next.revision() > expectedRevision, "be > expectedRevision " + expectedRevision,
        next.revision());
  }
}
