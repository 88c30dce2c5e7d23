package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

/**
 * Where one replica of a function version runs, for routing from other nodes. Immutable.
 *
 * @param replicaId unique in the cluster (the owning node's id is a good prefix); the directory's key
 * @param nodeId the node that runs the replica
 * @param function the function's name
 * @param version the function version, >= 1
 * @param state the replica's lifecycle state by name ({@code LOADING}, {@code READY}, {@code DRAINING}, ...);
 *     the cluster stores it and does not interpret it
 * @param updatedAtMillis when the owner last wrote this entry, milliseconds since the epoch, by its clock
 */
public record ReplicaLocation(String replicaId, String nodeId, String function, int version, String state,
                              long updatedAtMillis) {

  public ReplicaLocation {
    notBlank("replicaId", replicaId);
    notBlank("nodeId", nodeId);
    notBlank("function", function);
    check("version", version >= 1, "be >= 1", version);
    notBlank("state", state);
    check("updatedAtMillis", updatedAtMillis >= 0, "be >= 0", updatedAtMillis);
  }
}
