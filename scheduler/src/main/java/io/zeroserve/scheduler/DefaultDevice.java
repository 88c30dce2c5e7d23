package io.zeroserve.scheduler;

import java.util.List;

/**
 * Where a replica started without a request goes (warm-up, minReplicas), on the node that starts it:
 * a GPU-only function to the GPU with the most free memory, anything else to the CPU. Pure.
 */
public final class DefaultDevice {

  private DefaultDevice() {}

  /**
   * @param devices one node's devices
   * @return the chosen device's id; the CPU's when a GPU-only function finds no GPU (its reservation then
   *     fails nothing: a request for it gets placement's "needs a gpu device" answer first)
   */
  public static String choose(DeviceRequirement requirement, List<DeviceView> devices) {
    DeviceView best = null;
    DeviceView cpu = null;
    for (DeviceView d : devices) {
      if (d.kind() == DeviceKind.CPU && cpu == null) {
        cpu = d;
      }
      if (requirement == DeviceRequirement.GPU && d.kind() == DeviceKind.GPU
          && (best == null || d.freeBytes() > best.freeBytes())) {
        best = d;
      }
    }
    DeviceView chosen = best != null ? best : cpu;
    return chosen == null ? "cpu" : chosen.deviceId();
  }
}
