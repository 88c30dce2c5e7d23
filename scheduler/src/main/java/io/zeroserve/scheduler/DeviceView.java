package io.zeroserve.scheduler;

import java.util.Objects;

/**
 * One device of one node as placement sees it.
 *
 * @param nodeId the node it belongs to
 * @param deviceId unique on its node: {@code cpu}, {@code gpu0}, ...
 * @param kind CPU or GPU
 * @param deviceClass what estimates are learned per: devices of one class run a model equally fast
 *     (e.g. {@code cpu}, {@code gpu:NVIDIA H100 80GB HBM3}, {@code gpu:simulated})
 * @param capacityBytes memory replicas may reserve on it
 * @param reservedBytes memory reserved by replicas now
 * @param parallelism inferences it runs at once (CPU: inference threads; GPU: concurrent streams)
 * @param outstanding requests queued or running on its replicas, every function together
 * @param simulated a simulated GPU: placed like a real one, executed on the CPU
 */
public record DeviceView(String nodeId, String deviceId, DeviceKind kind, String deviceClass, long capacityBytes,
                         long reservedBytes, int parallelism, int outstanding, boolean simulated) {

  public DeviceView {
    Objects.requireNonNull(nodeId, "nodeId cannot be null");
    Objects.requireNonNull(deviceId, "deviceId cannot be null");
    Objects.requireNonNull(kind, "kind cannot be null");
    Objects.requireNonNull(deviceClass, "deviceClass cannot be null");
    if (capacityBytes < 0 || reservedBytes < 0 || parallelism < 1 || outstanding < 0) {
      throw new IllegalArgumentException("need capacityBytes, reservedBytes, outstanding >= 0 and parallelism >= 1");
    }
  }

  /** Unique in the cluster: {@code nodeId/deviceId}. */
  public String key() {
    return key(nodeId, deviceId);
  }

  public static String key(String nodeId, String deviceId) {
    return nodeId + "/" + deviceId;
  }

  /** Memory not reserved; negative if over-reserved (capacity lowered under existing replicas). */
  public long freeBytes() {
    return capacityBytes - reservedBytes;
  }
}
