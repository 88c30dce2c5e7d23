package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

import java.util.Set;

/**
 * One device of a node that replicas can run on, as the node publishes it when it registers. Immutable.
 *
 * @param deviceId unique within its node (for example {@code cpu} or {@code gpu0}); with the node id it
 *     names the device's memory reservations ({@link ClusterState#reserve})
 * @param kind {@value #CPU} or {@value #GPU}
 * @param name what the device calls itself (for example {@code NVIDIA H100 80GB HBM3}), for people
 * @param deviceClass the class that estimates are kept for, shared by identical devices across nodes
 *     (for example {@code cpu-16} or {@code h100}); the cluster does not interpret it
 * @param memoryCapacityBytes memory that replicas may reserve on it, bytes, >= 0
 * @param parallelism how many inferences it runs at once, >= 1
 * @param simulated true if the device is simulated (tests, benchmarks without the hardware)
 */
public record DeviceInfo(String deviceId, String kind, String name, String deviceClass, long memoryCapacityBytes,
                         int parallelism, boolean simulated) {

  public static final String CPU = "cpu";
  public static final String GPU = "gpu";
  /** The values {@link #kind} takes. */
  public static final Set<String> KINDS = Set.of(CPU, GPU);

  public DeviceInfo {
    notBlank("deviceId", deviceId);
    check("deviceId", !deviceId.contains(DeviceReservations.SEPARATOR), "not contain '" + DeviceReservations.SEPARATOR
        + "'", "'" + deviceId + "'");
    notBlank("kind", kind);
    check("kind", KINDS.contains(kind), "be one of " + KINDS, "'" + kind + "'");
    notBlank("name", name);
    notBlank("deviceClass", deviceClass);
    check("memoryCapacityBytes", memoryCapacityBytes >= 0, "be >= 0", memoryCapacityBytes);
    check("parallelism", parallelism >= 1, "be >= 1", parallelism);
  }
}
