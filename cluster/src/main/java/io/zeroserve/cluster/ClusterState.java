package io.zeroserve.cluster;

import io.zeroserve.scheduler.estimate.Ewma;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The state the nodes of a cluster share: documents (function records), the live nodes and their
 * devices, the directory of replicas with their load, memory reservations per device, and learned
 * estimates.
 *
 * <p><b>Threads.</b> Implementations are thread-safe. Methods may block on the network (document
 * writes and reads, node and replica writes, reservations): call them from a worker thread, never from
 * an event loop. {@link #localNodeId()}, {@link #nodes()}, {@link #replicas(String, int)},
 * {@link #allReplicas()}, {@link #reservedBytes()}, {@link #estimates()} and {@link #addSamples} are served
 * from data held locally or hand their work to the background, and do not block: they are meant for the
 * request path. So does {@link #putReplica} of an entry whose load alone changed.
 *
 * <p><b>Consistency.</b> Documents are linearizable per key: {@link #compareAndSet} and
 * {@link #putIfNewer} are atomic on the cluster's single copy. Reservations are linearizable per device:
 * {@link #reserve} and {@link #release} are atomic on the device's single copy, so the reservations of a
 * device never exceed the capacity its callers pass, whichever nodes reserve at once; the local view
 * {@link #reservedBytes()} lags them slightly. Nodes and replicas are replicated asynchronously and are
 * eventually consistent: a write is visible on its own node at once and on the others shortly after.
 * Estimates are eventually consistent: every batch is folded in exactly once on the cluster's copy (in the
 * order batches arrive there), and {@link #estimates()} shows the result on every node shortly after.
 * Entries of a member that left or died (node, replicas, reservations) are removed by the survivors (on the
 * membership event, and by {@link #reconcile()} for events that were lost), and reads leave out entries
 * of nodes that are not live members.
 *
 * <p><b>Listeners</b> are hints, not a log: they may fire on any thread, out of order across keys,
 * more than once, or (after a lost event) not at all; they must return quickly and must not block.
 * A listener re-reads the state it cares about, and a periodic full re-read repairs what was missed.
 */
public interface ClusterState extends AutoCloseable {

  /**
   * This member's id in the cluster. Cheap. It may change if this member was cut off and merged back
   * into the cluster (a split brain heals); membership listeners fire then, and the node re-registers.
   */
  String localNodeId();

  // ---- documents: one per function, revisions only grow ----

  /** The document at {@code key}, tombstones included; empty if it never existed. */
  Optional<VersionedDoc> get(String key);

  /** Every document, tombstones included. A copy; the order is unspecified. */
  Collection<VersionedDoc> all();

  /**
   * Stores {@code next} at {@code key} only if the current revision is {@code expectedRevision}
   * ({@link VersionedDoc#ABSENT} when absent; a tombstone counts as present). Atomic.
   *
   * @return whether it stored; false means someone else changed the document: re-read and retry
   * @throws IllegalArgumentException if {@code next.key()} is not {@code key}, or
   *     {@code next.revision() <= expectedRevision}
   */
  boolean compareAndSet(String key, long expectedRevision, VersionedDoc next);

  /**
   * Stores {@code doc} only if its revision is higher than the current one (absent: 0). Atomic. Used to
   * publish documents this node kept while it was away; a tombstone at a higher revision wins over it.
   *
   * @return whether it stored
   */
  boolean putIfNewer(VersionedDoc doc);

  /**
   * Calls {@code listener} with a document after it changed, for changes made on any node, this one
   * included. A hint (see the class comment).
   */
  void onDocChanged(Consumer<VersionedDoc> listener);

  // ---- nodes ----

  /** Publishes (or replaces) {@code node}'s entry; normally a node registers itself once it listens. */
  void registerNode(NodeInfo node);

  /** Marks the node's entry as leaving, if it has one; normally a node marks itself before draining. */
  void markLeaving(String nodeId);

  /** The entries of live members; members that have not registered yet are missing. A copy. Cheap. */
  Collection<NodeInfo> nodes();

  /**
   * Calls {@code listener} after a member joined, left or died, or a node entry changed. A hint: re-read
   * {@link #nodes()}.
   */
  void onMembershipChanged(Runnable listener);

  // ---- replica directory ----

  /**
   * Publishes (or replaces) the entry for {@code replica.replicaId()}; this node's reads show it at once.
   * If the entry differs from the last one this node published only in its load
   * ({@link ReplicaLocation#differsOnlyInLoad}), the write may go out in the background and does not
   * block: the owner republishes load often (every ~100 ms at most), and of several such writes in quick
   * succession only the latest may reach the others. Writes of other changes, and removals, are never
   * overtaken by an earlier load-only write.
   */
  void putReplica(ReplicaLocation replica);

  /** Removes the entry for {@code replicaId}, if any. */
  void removeReplica(String replicaId);

  /** The replicas of one function version on live members. A copy. Cheap: a local index. */
  Collection<ReplicaLocation> replicas(String function, int version);

  /** Every replica on live members. A copy. Cheap. */
  Collection<ReplicaLocation> allReplicas();

  // ---- memory reservations: one entry per device, linearizable ----

  /**
   * Reserves {@code bytes} of device {@code deviceId} of node {@code nodeId} for {@code replicaId}, if the
   * device's reservations plus {@code bytes} stay within {@code capacityBytes}. Atomic across the cluster;
   * blocks. A replica that holds a reservation there already has it replaced by {@code bytes} if that fits
   * (the others' plus {@code bytes}), and keeps it if not.
   *
   * <p>The device is not checked against the node's published devices, nor the node against the members:
   * reservations of a node that is not a member are hidden from {@link #reservedBytes()} and removed by
   * {@link #reconcile()}.
   *
   * @return whether the reservation is held now; false: nothing changed
   * @throws IllegalArgumentException if an id is blank or contains {@code /}, or a size is negative
   */
  boolean reserve(String nodeId, String deviceId, long capacityBytes, String replicaId, long bytes);

  /** Releases {@code replicaId}'s reservation on the device, if it holds one. Atomic; blocks; idempotent. */
  void release(String nodeId, String deviceId, String replicaId);

  /**
   * Bytes reserved by device ({@link DeviceReservations#key}: {@code nodeId + "/" + deviceId}), for the
   * devices of live members that hold a reservation. A copy. Cheap: a local view that follows the changes
   * shortly after they happen.
   */
  Map<String, Long> reservedBytes();

  /** The reservations on one device, by replica id: bytes. Read from the cluster's copy; may block. */
  Map<String, Long> reservations(String nodeId, String deviceId);

  // ---- learned estimates: eventually consistent ----

  /**
   * Folds each batch into the shared estimate of its key, with
   * {@code ewma.addAll(batch.meanNanos(), batch.count(), Ewma.DEFAULT_ALPHA)} (absent: {@link Ewma#EMPTY}).
   * Keys are opaque here. Does not block: the folds run in the background, each exactly once; a fold that
   * cannot reach the cluster is dropped (and logged).
   */
  void addSamples(Map<String, SampleBatch> batches);

  /**
   * Every key's shared estimate. Cheap: a read-only local view, not a copy; it shows other nodes' folds
   * shortly (well under a second) after they happen, and may change while it is read (copy it for a
   * snapshot).
   */
  Map<String, Ewma> estimates();

  /**
   * Repairs what lost events left behind: removes node, replica and reservation entries of nodes that are
   * no longer members, and rebuilds local views. The host calls it every few seconds from a worker thread; it
   * blocks while it removes entries, and throws if the cluster cannot be reached (the next call retries).
   */
  void reconcile();

  /**
   * Stops listening and releases this object's threads. It does not leave the cluster: whoever
   * started the member stops it. Idempotent.
   */
  @Override
  void close();
}
