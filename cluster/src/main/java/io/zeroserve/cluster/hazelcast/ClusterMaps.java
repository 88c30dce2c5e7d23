package io.zeroserve.cluster.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.ReplicatedMapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.query.Predicates;
import io.zeroserve.cluster.DeviceReservations;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.VersionedDoc;
import io.zeroserve.scheduler.estimate.Ewma;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one owner of this module's Hazelcast structures: their names, their configuration, and every
 * write to them. Documents change only through the named entry processors {@link CompareAndSetDoc} and
 * {@link PutIfNewer}, reservations only through {@link ReserveDeviceMemory} and {@link ReleaseReplica},
 * estimates only through {@link FoldSamples}; node and replica entries are written only by
 * {@link HazelcastClusterState} through this class.
 *
 * <p>Why two kinds of map: documents, reservations and estimates need atomic read-modify-write and must
 * survive a member's death, so they live in partitioned {@link IMap}s with one synchronous backup.
 * Reservations have one entry per device, so that a reservation is atomic with the check of its device's
 * total without any lock. Nodes and replicas are read on
 * every request and written rarely, and each entry has one writer (its node), so they live in
 * {@link ReplicatedMap}s: every member holds a full copy and reads it without a network hop. A write
 * goes through the key's partition owner, updates the writer's own copy before it returns, and reaches
 * the other members asynchronously. Thread-safe.
 */
public final class ClusterMaps {

  /** Documents (function records) by key: {@code IMap<String, VersionedDoc>}. */
  public static final String FUNCTIONS = "zeroserve.functions";
  /** Live nodes by node id: {@code ReplicatedMap<String, NodeInfo>}. */
  public static final String NODES = "zeroserve.nodes";
  /** The replica directory by replica id: {@code ReplicatedMap<String, ReplicaLocation>}. */
  public static final String REPLICAS = "zeroserve.replicas";

  /**
   * Memory reservations by device ({@link DeviceReservations#key}):
   * {@code IMap<String, DeviceReservations>}; a device without reservations has no entry.
   */
  public static final String RESERVATIONS = "zeroserve.reservations";
  /** Learned estimates by a key the scheduler defines: {@code IMap<String, Ewma>}. */
  public static final String ESTIMATES = "zeroserve.estimates";

  /** Synchronous backups of each document: one member can die without losing any. */
  public static final int FUNCTIONS_BACKUP_COUNT = 1;
  /** Synchronous backups of each device's reservations and of each estimate. */
  public static final int RESERVATIONS_BACKUP_COUNT = 1;
  public static final int ESTIMATES_BACKUP_COUNT = 1;

  private final IMap<String, VersionedDoc> functions;
  private final ReplicatedMap<String, NodeInfo> nodes;
  private final ReplicatedMap<String, ReplicaLocation> replicas;
  private final IMap<String, DeviceReservations> reservations;
  private final IMap<String, Ewma> estimates;

  /**
   * Gets the structures. On a member that just joined this blocks until its replicated maps hold the
   * other members' entries: Hazelcast checks once a second, so about one second.
   */
  ClusterMaps(HazelcastInstance hazelcast) {
    this.functions = hazelcast.getMap(FUNCTIONS);
    this.reservations = hazelcast.getMap(RESERVATIONS);
    this.estimates = hazelcast.getMap(ESTIMATES);
    // Each replicated map waits for its own fill-up; wait for both at once.
    CompletableFuture<ReplicatedMap<String, NodeInfo>> nodesMap = new CompletableFuture<>();
    Thread fetch = new Thread(() -> {
      try {
        nodesMap.complete(hazelcast.getReplicatedMap(NODES));
      } catch (Throwable e) {
        nodesMap.completeExceptionally(e);
      }
    }, "zeroserve-cluster-fillup");
    fetch.setDaemon(true);
    fetch.start();
    this.replicas = hazelcast.getReplicatedMap(REPLICAS);
    this.nodes = nodesMap.join();
  }

  /** Adds the configuration of every structure above to {@code config}. */
  static void configure(Config config) {
    config.addMapConfig(new MapConfig(FUNCTIONS)
        .setBackupCount(FUNCTIONS_BACKUP_COUNT)
        .setAsyncBackupCount(0)
        .setMergePolicyConfig(new MergePolicyConfig(HigherRevisionMergePolicy.class.getName(),
            MergePolicyConfig.DEFAULT_BATCH_SIZE)));
    config.addMapConfig(new MapConfig(RESERVATIONS)
        .setBackupCount(RESERVATIONS_BACKUP_COUNT)
        .setAsyncBackupCount(0));
    config.addMapConfig(new MapConfig(ESTIMATES)
        .setBackupCount(ESTIMATES_BACKUP_COUNT)
        .setAsyncBackupCount(0));
    for (String name : List.of(NODES, REPLICAS)) {
      // A joining member answers reads only once it holds the others' entries: an empty directory
      // would look like "no replicas anywhere" and trigger needless cold starts.
      config.addReplicatedMapConfig(new ReplicatedMapConfig(name)
          .setInMemoryFormat(InMemoryFormat.OBJECT)
          .setAsyncFillup(false));
    }
  }

  // ---- documents ----

  /** May block on the network. */
  VersionedDoc doc(String key) {
    return functions.get(key);
  }

  /** May block on the network. */
  Collection<VersionedDoc> docs() {
    return new ArrayList<>(functions.values());
  }

  boolean compareAndSet(String key, long expectedRevision, VersionedDoc next) {
    return functions.executeOnKey(key, new CompareAndSetDoc(expectedRevision, next));
  }

  boolean putIfNewer(VersionedDoc doc) {
    return functions.executeOnKey(doc.key(), new PutIfNewer(doc));
  }

  IMap<String, VersionedDoc> functions() {
    return functions;
  }

  // ---- reservations ----

  boolean reserve(String nodeId, String deviceId, long capacityBytes, String replicaId, long bytes) {
    return reservations.executeOnKey(DeviceReservations.key(nodeId, deviceId),
        new ReserveDeviceMemory(nodeId, deviceId, capacityBytes, replicaId, bytes));
  }

  void release(String nodeId, String deviceId, String replicaId) {
    reservations.executeOnKey(DeviceReservations.key(nodeId, deviceId), new ReleaseReplica(replicaId));
  }

  /** May block on the network. */
  DeviceReservations reservations(String nodeId, String deviceId) {
    return reservations.get(DeviceReservations.key(nodeId, deviceId));
  }

  /** Every device's reservations. May block on the network. */
  Collection<DeviceReservations> reservationEntries() {
    return new ArrayList<>(reservations.values());
  }

  IMap<String, DeviceReservations> reservations() {
    return reservations;
  }

  // ---- estimates ----

  /** Does not wait for the fold. */
  CompletionStage<Void> fold(String key, double meanNanos, long count) {
    return estimates.submitToKey(key, new FoldSamples(meanNanos, count));
  }

  /** Every estimate. May block on the network. */
  Map<String, Ewma> estimateEntries() {
    return Map.copyOf(estimates);
  }

  IMap<String, Ewma> estimates() {
    return estimates;
  }

  // ---- nodes and replicas: reads are local ----

  void putNode(NodeInfo node) {
    nodes.put(node.nodeId(), node);
  }

  NodeInfo node(String nodeId) {
    return nodes.get(nodeId);
  }

  Collection<NodeInfo> nodeEntries() {
    return new ArrayList<>(nodes.values());
  }

  void putReplica(ReplicaLocation replica) {
    replicas.put(replica.replicaId(), replica);
  }

  void removeReplica(String replicaId) {
    replicas.remove(replicaId);
  }

  ReplicaLocation replica(String replicaId) {
    return replicas.get(replicaId);
  }

  Collection<ReplicaLocation> replicaEntries() {
    return new ArrayList<>(replicas.values());
  }

  /** Removes the node entry, the replicas and the reservations of {@code nodeId}. Idempotent. */
  void removeEntriesOf(String nodeId) {
    nodes.remove(nodeId);
    for (Map.Entry<String, ReplicaLocation> entry : replicas.entrySet()) {
      if (entry.getValue().nodeId().equals(nodeId)) {
        replicas.remove(entry.getKey());
      }
    }
    reservations.removeAll(Predicates.equal("nodeId", nodeId));
  }

  ReplicatedMap<String, NodeInfo> nodes() {
    return nodes;
  }

  ReplicatedMap<String, ReplicaLocation> replicas() {
    return replicas;
  }
}
