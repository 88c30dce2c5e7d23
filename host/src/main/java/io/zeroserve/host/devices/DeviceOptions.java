package io.zeroserve.host.devices;

/**
 * What the operator said about this node's devices.
 *
 * @param devices {@code --devices}: the devices to use, {@code cpu,gpu0,gpu1}, each optionally with the
 *     memory replicas may reserve on it ({@code gpu0=40GiB}); null: the CPU and every GPU found
 * @param simulateGpus {@code --simulate-gpus}: {@code COUNTxSIZE} ({@code 2x16GiB}) simulated GPUs; null: none
 * @param cpuMemoryBytes memory replicas may reserve on the CPU; 0: 80% of physical memory less the heap
 */
public record DeviceOptions(String devices, String simulateGpus, long cpuMemoryBytes) {

  public static final DeviceOptions DEFAULTS = new DeviceOptions(null, null, 0);

  public DeviceOptions {
    if (cpuMemoryBytes < 0) {
      throw new IllegalArgumentException("cpu-memory must be >= 0, was: " + cpuMemoryBytes);
    }
  }
}
