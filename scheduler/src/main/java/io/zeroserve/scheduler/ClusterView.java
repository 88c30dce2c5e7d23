package io.zeroserve.scheduler;

import java.util.List;
import java.util.Objects;

/**
 * What placement sees of the cluster for one request: the live nodes and the READY replicas of the
 * version asked for. A snapshot: immutable, built fresh for each decision.
 *
 * @param nodes live nodes that are not leaving
 * @param replicas READY replicas of the requested version, on any node
 */
public record ClusterView(List<String> nodes, List<ReplicaView> replicas) {

  public ClusterView {
    nodes = List.copyOf(Objects.requireNonNull(nodes, "nodes cannot be null"));
    replicas = List.copyOf(Objects.requireNonNull(replicas, "replicas cannot be null"));
  }

  /**
   * A READY replica.
   *
   * @param outstanding requests queued or running on it, as last reported (-1: unknown, e.g. remote)
   */
  public record ReplicaView(String replicaId, String nodeId, int outstanding) {}
}
