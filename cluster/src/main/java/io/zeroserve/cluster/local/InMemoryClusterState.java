package io.zeroserve.cluster.local;

import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.DeviceReservations;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.SampleBatch;
import io.zeroserve.cluster.VersionedDoc;
import io.zeroserve.scheduler.estimate.Ewma;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@link ClusterState} held in memory: one node's view of an {@link InMemoryCluster}. Nothing blocks;
 * listeners run on the thread that made the change, after it is stored. Thread-safe.
 */
public final class InMemoryClusterState implements ClusterState {

  private static final Logger LOG = Logger.getLogger(InMemoryClusterState.class.getName());

  private final InMemoryCluster cluster;
  private final String nodeId;
  private final CopyOnWriteArrayList<Consumer<VersionedDoc>> docListeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Runnable> membershipListeners = new CopyOnWriteArrayList<>();

  InMemoryClusterState(InMemoryCluster cluster, String nodeId) {
    this.cluster = cluster;
    this.nodeId = nodeId;
  }

  /** The only member of a new cluster of its own. */
  public static InMemoryClusterState standalone() {
    return new InMemoryCluster().join();
  }

  /** The cluster this view belongs to, to add or remove simulated members. */
  public InMemoryCluster cluster() {
    return cluster;
  }

  @Override
  public String localNodeId() {
    return nodeId;
  }

  @Override
  public Optional<VersionedDoc> get(String key) {
    Objects.requireNonNull(key, "key cannot be null");
    ensureMember();
    return Optional.ofNullable(cluster.docs.get(key));
  }

  @Override
  public Collection<VersionedDoc> all() {
    ensureMember();
    return List.copyOf(cluster.docs.values());
  }

  @Override
  public boolean compareAndSet(String key, long expectedRevision, VersionedDoc next) {
    VersionedDoc.checkCompareAndSet(key, expectedRevision, next);
    ensureMember();
    boolean[] stored = {false};
    cluster.docs.compute(key, (k, current) -> {
      stored[0] = VersionedDoc.compareAndSetAccepts(current, expectedRevision, next);
      return stored[0] ? next : current;
    });
    if (stored[0]) {
      cluster.fireDocChanged(next);
    }
    return stored[0];
  }

  @Override
  public boolean putIfNewer(VersionedDoc doc) {
    Objects.requireNonNull(doc, "doc cannot be null");
    ensureMember();
    boolean[] stored = {false};
    cluster.docs.compute(doc.key(), (k, current) -> {
      stored[0] = doc.supersedes(current);
      return stored[0] ? doc : current;
    });
    if (stored[0]) {
      cluster.fireDocChanged(doc);
    }
    return stored[0];
  }

  @Override
  public void onDocChanged(Consumer<VersionedDoc> listener) {
    docListeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
  }

  @Override
  public void registerNode(NodeInfo node) {
    Objects.requireNonNull(node, "node cannot be null");
    ensureMember();
    cluster.nodes.put(node.nodeId(), node);
    cluster.fireMembershipChanged();
  }

  @Override
  public void markLeaving(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId cannot be null");
    ensureMember();
    if (cluster.nodes.computeIfPresent(nodeId, (k, node) -> node.asLeaving()) != null) {
      cluster.fireMembershipChanged();
    }
  }

  @Override
  public Collection<NodeInfo> nodes() {
    return cluster.nodes.values().stream().filter(n -> cluster.members.contains(n.nodeId())).toList();
  }

  @Override
  public void onMembershipChanged(Runnable listener) {
    membershipListeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
  }

  @Override
  public void putReplica(ReplicaLocation replica) {
    Objects.requireNonNull(replica, "replica cannot be null");
    ensureMember();
    cluster.replicas.put(replica.replicaId(), replica);
  }

  @Override
  public void removeReplica(String replicaId) {
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    ensureMember();
    cluster.replicas.remove(replicaId);
  }

  @Override
  public Collection<ReplicaLocation> replicas(String function, int version) {
    Objects.requireNonNull(function, "function cannot be null");
    return cluster.replicas.values().stream()
        .filter(r -> r.version() == version && r.function().equals(function)
            && cluster.members.contains(r.nodeId()))
        .toList();
  }

  @Override
  public Collection<ReplicaLocation> allReplicas() {
    return cluster.replicas.values().stream().filter(r -> cluster.members.contains(r.nodeId())).toList();
  }

  @Override
  public boolean reserve(String nodeId, String deviceId, long capacityBytes, String replicaId, long bytes) {
    String key = DeviceReservations.key(nodeId, deviceId);
    DeviceReservations.checkReserve(capacityBytes, replicaId, bytes);
    ensureMember();
    boolean[] held = {false};
    cluster.reservations.compute(key, (k, current) -> {
      DeviceReservations before = current == null ? DeviceReservations.none(nodeId, deviceId) : current;
      DeviceReservations after = before.reserve(capacityBytes, replicaId, bytes).orElse(null);
      held[0] = after != null;
      return held[0] ? after : current;
    });
    return held[0];
  }

  @Override
  public void release(String nodeId, String deviceId, String replicaId) {
    String key = DeviceReservations.key(nodeId, deviceId);
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    ensureMember();
    cluster.reservations.computeIfPresent(key, (k, current) -> {
      DeviceReservations after = current.release(replicaId);
      return after.isEmpty() ? null : after;
    });
  }

  @Override
  public Map<String, Long> reservedBytes() {
    Map<String, Long> bytes = new HashMap<>();
    for (DeviceReservations device : cluster.reservations.values()) {
      if (cluster.members.contains(device.nodeId())) {
        bytes.put(device.key(), device.totalBytes());
      }
    }
    return bytes;
  }

  @Override
  public Map<String, Long> reservations(String nodeId, String deviceId) {
    DeviceReservations device = cluster.reservations.get(DeviceReservations.key(nodeId, deviceId));
    return device == null ? Map.of() : device.bytesByReplica();
  }

  @Override
  public void addSamples(Map<String, SampleBatch> batches) {
    Objects.requireNonNull(batches, "batches cannot be null");
    ensureMember();
    batches.forEach((key, batch) -> {
      Objects.requireNonNull(key, "batches cannot hold a null key");
      Objects.requireNonNull(batch, "batches cannot hold a null batch, key: " + key);
      cluster.estimates.compute(key, (k, current) -> (current == null ? Ewma.EMPTY : current)
          .addAll(batch.meanNanos(), batch.count(), Ewma.DEFAULT_ALPHA));
    });
  }

  @Override
  public Map<String, Ewma> estimates() {
    return Collections.unmodifiableMap(cluster.estimates);
  }

  @Override
  public void reconcile() {
    cluster.removeEntriesOfNonMembers();
  }

  @Override
  public void close() {
    cluster.views.remove(this);
    docListeners.clear();
    membershipListeners.clear();
  }

  void fireDocChanged(VersionedDoc doc) {
    for (Consumer<VersionedDoc> listener : docListeners) {
      try {
        listener.accept(doc);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a document listener failed on " + doc.key(), e);
      }
    }
  }

  void fireMembershipChanged() {
    for (Runnable listener : membershipListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a membership listener failed", e);
      }
    }
  }

  private void ensureMember() {
    if (!cluster.members.contains(nodeId)) {
      throw new IllegalStateException("node " + nodeId + " has left the cluster");
    }
  }
}
