package io.zeroserve.cluster.local;

import io.zeroserve.cluster.DeviceReservations;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.VersionedDoc;
import io.zeroserve.scheduler.estimate.Ewma;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cluster inside one JVM, for unit tests and the simulator: one store that several
 * {@link InMemoryClusterState} views share, one per simulated node. Membership is exact and changes
 * only through {@link #join} and {@link #leave}. Thread-safe.
 */
public final class InMemoryCluster {

  final ConcurrentHashMap<String, VersionedDoc> docs = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, NodeInfo> nodes = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, ReplicaLocation> replicas = new ConcurrentHashMap<>();
  /** By {@link DeviceReservations#key}; a device without reservations has no entry. */
  final ConcurrentHashMap<String, DeviceReservations> reservations = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, Ewma> estimates = new ConcurrentHashMap<>();
  final Set<String> members = ConcurrentHashMap.newKeySet();
  final CopyOnWriteArrayList<InMemoryClusterState> views = new CopyOnWriteArrayList<>();

  /** Adds a member with a random id and returns its view. */
  public InMemoryClusterState join() {
    return join(UUID.randomUUID().toString());
  }

  /**
   * Adds member {@code nodeId} and returns its view.
   *
   * @throws IllegalStateException if {@code nodeId} is already a member
   */
  public InMemoryClusterState join(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId cannot be null");
    if (!members.add(nodeId)) {
      throw new IllegalStateException("nodeId must not be a member already, was: " + nodeId);
    }
    InMemoryClusterState view = new InMemoryClusterState(this, nodeId);
    views.add(view);
    fireMembershipChanged();
    return view;
  }

  /**
   * Member {@code nodeId} leaves or dies: the survivors remove its node entry, its replicas and its
   * reservations, then
   * their membership listeners fire. Its own view refuses further calls. No-op if it is not a member.
   */
  public void leave(String nodeId) {
    if (!members.remove(nodeId)) {
      return;
    }
    removeEntriesOfNonMembers();
    fireMembershipChanged();
  }

  /** The ids of the current members. A copy. */
  public Set<String> members() {
    return Set.copyOf(members);
  }

  void removeEntriesOfNonMembers() {
    nodes.values().removeIf(n -> !members.contains(n.nodeId()));
    replicas.values().removeIf(r -> !members.contains(r.nodeId()));
    reservations.values().removeIf(r -> !members.contains(r.nodeId()));
  }

  void fireDocChanged(VersionedDoc doc) {
    for (InMemoryClusterState view : List.copyOf(views)) {
      view.fireDocChanged(doc);
    }
  }

  void fireMembershipChanged() {
    for (InMemoryClusterState view : List.copyOf(views)) {
      if (members.contains(view.localNodeId())) {
        view.fireMembershipChanged();
      }
    }
  }
}
