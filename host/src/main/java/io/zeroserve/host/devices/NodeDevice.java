package io.zeroserve.host.devices;

import io.zeroserve.cluster.DeviceInfo;
import io.zeroserve.scheduler.DeviceKind;
import java.util.Objects;

/**
 * One device of this node that replicas can be placed on.
 *
 * @param deviceId {@code cpu}, {@code gpu0}, ... or {@code simgpu0} for a simulated GPU
 * @param deviceClass what estimates are learned per: {@code cpu}, {@code gpu:<name>}, {@code gpu:simulated}
 * @param cudaDeviceId the CUDA device sessions use; -1 runs on the CPU (the CPU and simulated GPUs)
 * @param simulated placed and accounted as a GPU, executed on the CPU; shown as simulated everywhere
 */
public record NodeDevice(String deviceId, DeviceKind kind, String name, String deviceClass, long memoryBytes,
                         int parallelism, int cudaDeviceId, boolean simulated) {

  public static final String SIMULATED_CLASS = "gpu:simulated";

  public NodeDevice {
    Objects.requireNonNull(deviceId, "deviceId cannot be null");
    Objects.requireNonNull(kind, "kind cannot be null");
    if (memoryBytes < 0 || parallelism < 1) {
      throw new IllegalArgumentException("need memoryBytes >= 0 and parallelism >= 1");
    }
    if (simulated && cudaDeviceId >= 0) {
      throw new IllegalArgumentException("a simulated GPU runs on the CPU: cudaDeviceId must be -1");
    }
  }

  public DeviceInfo info() {
    return new DeviceInfo(deviceId, kind.text(), name, deviceClass, memoryBytes, parallelism, simulated);
  }
}
