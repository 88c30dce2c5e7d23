package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

/**
 * Where one replica of a function version runs and how loaded it is, for routing from other nodes.
 * Immutable.
 *
 * @param replicaId unique in the cluster (the owning node's id is a good prefix); the directory's key
 * @param nodeId the node that runs the replica
 * @param function the function's name
 * @param version the function version, >= 1
 * @param state the replica's lifecycle state by name ({@code LOADING}, {@code READY}, {@code DRAINING}, ...);
 *     the cluster stores it and does not interpret it
 * @param updatedAtMillis when the owner last wrote this entry, milliseconds since the epoch, by its clock
 * @param deviceId the device of {@code nodeId} it runs on ({@link DeviceInfo#deviceId()})
 * @param outstanding requests queued or running on it when the owner last published, >= 0
 * @param memoryBytes device memory reserved for it, bytes, >= 0
 * @param requestsPerSecond its request rate while in use (not decayed while idle: with
 *     {@code lastUsedAtMillis}, what placement forecasts its next requests from, and so what evicting it
 *     would cost its users); {@link #UNKNOWN_RATE} when its owner did not say
 * @param lastUsedAtMillis when it last took a request (its load start if none), by the owner's clock
 *     like {@code updatedAtMillis}; entries that do not say are taken as used when written
 */
public record ReplicaLocation(String replicaId, String nodeId, String function, int version, String state,
                              long updatedAtMillis, String deviceId, int outstanding, long memoryBytes,
                              double requestsPerSecond, long lastUsedAtMillis) {

  /** The rate of entries written without one (by nodes of an older version). */
  public static final double UNKNOWN_RATE = -1;

  /** The device of entries made without one. */
  public static final String DEFAULT_DEVICE_ID = DeviceInfo.CPU;

  public ReplicaLocation {
    notBlank("replicaId", replicaId);
    notBlank("nodeId", nodeId);
    notBlank("function", function);
    check("version", version >= 1, "be >= 1", version);
    notBlank("state", state);
    check("updatedAtMillis", updatedAtMillis >= 0, "be >= 0", updatedAtMillis);
    notBlank("deviceId", deviceId);
    check("outstanding", outstanding >= 0, "be >= 0", outstanding);
    check("memoryBytes", memoryBytes >= 0, "be >= 0", memoryBytes);
    check("requestsPerSecond", requestsPerSecond == UNKNOWN_RATE
        || (requestsPerSecond >= 0 && !Double.isInfinite(requestsPerSecond)), "be finite and >= 0", requestsPerSecond);
    check("lastUsedAtMillis", lastUsedAtMillis >= 0, "be >= 0", lastUsedAtMillis);
  }

  /** An entry that does not say when it was last used: taken as used when written. */
  public ReplicaLocation(String replicaId, String nodeId, String function, int version, String state,
                         long updatedAtMillis, String deviceId, int outstanding, long memoryBytes,
                         double requestsPerSecond) {
    this(replicaId, nodeId, function, version, state, updatedAtMillis, deviceId, outstanding, memoryBytes,
        requestsPerSecond, updatedAtMillis);
  }

  /** An entry whose rate is not known. */
  public ReplicaLocation(String replicaId, String nodeId, String function, int version, String state,
                         long updatedAtMillis, String deviceId, int outstanding, long memoryBytes) {
    this(replicaId, nodeId, function, version, state, updatedAtMillis, deviceId, outstanding, memoryBytes,
        UNKNOWN_RATE);
  }

  /** A replica on device {@value #DEFAULT_DEVICE_ID} with no load published and no memory reserved. */
  public ReplicaLocation(String replicaId, String nodeId, String function, int version, String state,
                         long updatedAtMillis) {
    this(replicaId, nodeId, function, version, state, updatedAtMillis, DEFAULT_DEVICE_ID, 0, 0);
  }

  /** This entry with {@code nextOutstanding} requests, written at {@code nowMillis}. */
  public ReplicaLocation withLoad(int nextOutstanding, long nowMillis) {
    return new ReplicaLocation(replicaId, nodeId, function, version, state, nowMillis, deviceId, nextOutstanding,
        memoryBytes, requestsPerSecond, lastUsedAtMillis);
  }

  /** This entry in {@code nextState}, written at {@code nowMillis}. */
  public ReplicaLocation withState(String nextState, long nowMillis) {
    return new ReplicaLocation(replicaId, nodeId, function, version, nextState, nowMillis, deviceId, outstanding,
        memoryBytes, requestsPerSecond, lastUsedAtMillis);
  }

  /**
   * Whether {@code other} is this entry with at most its load ({@link #outstanding},
   * {@link #requestsPerSecond}, {@link #lastUsedAtMillis}) and {@link #updatedAtMillis} changed: a change
   * that may be published lazily.
   */
  public boolean differsOnlyInLoad(ReplicaLocation other) {
    return other != null && replicaId.equals(other.replicaId) && nodeId.equals(other.nodeId)
        && function.equals(other.function) && version == other.version && state.equals(other.state)
        && deviceId.equals(other.deviceId) && memoryBytes == other.memoryBytes;
  }
}
