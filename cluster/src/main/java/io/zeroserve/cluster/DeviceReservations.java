package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The memory reserved on one device of one node, by replica. Immutable.
 *
 * <p>The rules that every implementation applies atomically, on the one copy of a device's entry, are
 * here as pure functions: {@link #reserve} and {@link #release}.
 *
 * @param nodeId the node that owns the device
 * @param deviceId the device, unique within its node
 * @param bytesByReplica bytes reserved, by replica id; each >= 0. An immutable copy
 */
public record DeviceReservations(String nodeId, String deviceId, Map<String, Long> bytesByReplica) {

  /** Separates the node id and the device id in {@link #key}; neither may contain it. */
  public static final String SEPARATOR = "/";

  public DeviceReservations {
    checkDevice(nodeId, deviceId);
    Objects.requireNonNull(bytesByReplica, "bytesByReplica cannot be null");
    bytesByReplica.forEach((replicaId, bytes) -> {
      notBlank("replicaId", replicaId);
      check("bytes of " + replicaId, bytes != null && bytes >= 0, "be >= 0", bytes);
    });
    bytesByReplica = Map.copyOf(bytesByReplica);
  }

  /** No reservations on the device. */
  public static DeviceReservations none(String nodeId, String deviceId) {
    return new DeviceReservations(nodeId, deviceId, Map.of());
  }

  /** The name of a device across the cluster: {@code nodeId + "/" + deviceId}. */
  public static String key(String nodeId, String deviceId) {
    checkDevice(nodeId, deviceId);
    return nodeId + SEPARATOR + deviceId;
  }

  /** This device's {@link #key}. */
  public String key() {
    return key(nodeId, deviceId);
  }

  /** The sum of every reservation, bytes. */
  public long totalBytes() {
    long total = 0;
    for (long bytes : bytesByReplica.values()) {
      total += bytes;
    }
    return total;
  }

  public boolean isEmpty() {
    return bytesByReplica.isEmpty();
  }

  /**
   * These reservations with {@code bytes} for {@code replicaId}, replacing what it held, if the total then
   * stays within {@code capacityBytes}; empty if it would not (nothing changes then).
   */
  public Optional<DeviceReservations> reserve(long capacityBytes, String replicaId, long bytes) {
    checkReserve(capacityBytes, replicaId, bytes);
    long others = totalBytes() - bytesByReplica.getOrDefault(replicaId, 0L);
    // Subtract instead of add: no overflow, and a smaller capacity than before refuses.
    if (others > capacityBytes || bytes > capacityBytes - others) {
      return Optional.empty();
    }
    if (Objects.equals(bytesByReplica.get(replicaId), bytes)) {
      return Optional.of(this);
    }
    Map<String, Long> next = new HashMap<>(bytesByReplica);
    next.put(replicaId, bytes);
    return Optional.of(new DeviceReservations(nodeId, deviceId, next));
  }

  /** These reservations without {@code replicaId}'s; this same object if it held none. */
  public DeviceReservations release(String replicaId) {
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    if (!bytesByReplica.containsKey(replicaId)) {
      return this;
    }
    Map<String, Long> next = new HashMap<>(bytesByReplica);
    next.remove(replicaId);
    return new DeviceReservations(nodeId, deviceId, next);
  }

  /**
   * The argument checks of {@link ClusterState#reserve}, which every implementation makes before it
   * touches the cluster.
   */
  public static void checkReserve(long capacityBytes, String replicaId, long bytes) {
    check("capacityBytes", capacityBytes >= 0, "be >= 0", capacityBytes);
    notBlank("replicaId", replicaId);
    check("bytes", bytes >= 0, "be >= 0", bytes);
  }

  private static void checkDevice(String nodeId, String deviceId) {
    notBlank("nodeId", nodeId);
    check("nodeId", !nodeId.contains(SEPARATOR), "not contain '" + SEPARATOR + "'", "'" + nodeId + "'");
    notBlank("deviceId", deviceId);
    check("deviceId", !deviceId.contains(SEPARATOR), "not contain '" + SEPARATOR + "'", "'" + deviceId + "'");
  }
}
