package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultDeviceTest {

  private static final DeviceView CPU = new DeviceView("a", "cpu", DeviceKind.CPU, "cpu", 100, 0, 2, 0, false);
  private static final DeviceView FULLER = new DeviceView("a", "gpu0", DeviceKind.GPU, "gpu:x", 100, 80, 1, 0, false);
  private static final DeviceView EMPTIER = new DeviceView("a", "gpu1", DeviceKind.GPU, "gpu:x", 100, 10, 1, 0, false);

  @Test
  void gpuOnlyGoesToTheFreestGpu_anythingElseToTheCpu() {
    List<DeviceView> devices = List.of(CPU, FULLER, EMPTIER);
    assertEquals("gpu1", DefaultDevice.choose(DeviceRequirement.GPU, devices));
    assertEquals("cpu", DefaultDevice.choose(DeviceRequirement.ANY, devices));
    assertEquals("cpu", DefaultDevice.choose(DeviceRequirement.CPU, devices));
    assertEquals("cpu", DefaultDevice.choose(DeviceRequirement.GPU, List.of(CPU)));
  }
}
