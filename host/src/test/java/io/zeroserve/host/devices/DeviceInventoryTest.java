package io.zeroserve.host.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.scheduler.DeviceKind;
import java.util.List;
import java.util.function.ToLongBiFunction;
import org.junit.jupiter.api.Test;

class DeviceInventoryTest {

  private static final ToLongBiFunction<String, String> SIZES = (key, v) -> {
    if (!v.toLowerCase().endsWith("gib")) {
      throw new IllegalArgumentException(key + " must be a size, was: " + v);
    }
    return Long.parseLong(v.substring(0, v.length() - 3)) << 30;
  };
  private static final List<DeviceInventory.GpuInfo> TWO_H100 = DeviceInventory.parseNvidiaSmi(
      "0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA H100 80GB HBM3, 81559\n");

  @Test
  void readsNvidiaSmiLines() {
    assertEquals(List.of(new DeviceInventory.GpuInfo(0, "NVIDIA H100 80GB HBM3", 81559L << 20),
        new DeviceInventory.GpuInfo(1, "NVIDIA H100 80GB HBM3", 81559L << 20)), TWO_H100);
    assertEquals(List.of(), DeviceInventory.parseNvidiaSmi("NVIDIA-SMI has failed because it couldn't communicate"));
  }

  @Test
  void withoutOptions_theCpuAndEveryGpuFound() {
    List<NodeDevice> devices = DeviceInventory.resolve(DeviceOptions.DEFAULTS, 4, true, TWO_H100, SIZES);

    assertEquals(List.of("cpu", "gpu0", "gpu1"), devices.stream().map(NodeDevice::deviceId).toList());
    NodeDevice gpu1 = devices.get(2);
    assertEquals(1, gpu1.cudaDeviceId());
    assertEquals("gpu:NVIDIA H100 80GB HBM3", gpu1.deviceClass());
    assertEquals(4, devices.get(0).parallelism());
    assertTrue(devices.get(0).memoryBytes() > 0);
  }

  @Test
  void gpusFoundWithoutCudaInTheBuild_areLeftOut() {
    assertEquals(List.of("cpu"), DeviceInventory.resolve(DeviceOptions.DEFAULTS, 2, false, TWO_H100, SIZES).stream()
        .map(NodeDevice::deviceId).toList());
  }

  @Test
  void declaringAGpuWithoutCudaInTheBuild_isAnErrorThatSaysHowToFixIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
        DeviceInventory.resolve(new DeviceOptions("cpu,gpu0", null, 0), 2, false, TWO_H100, SIZES));
    assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
  }

  @Test
  void devicesLimitsTheListAndSetsMemory() {
    List<NodeDevice> devices = DeviceInventory.resolve(new DeviceOptions("gpu:1=40GiB", null, 8L << 30), 2, true,
        TWO_H100, SIZES);

    assertEquals(List.of("cpu", "gpu1"), devices.stream().map(NodeDevice::deviceId).toList());
    assertEquals(40L << 30, devices.get(1).memoryBytes());
    assertEquals(8L << 30, devices.get(0).memoryBytes());
    assertThrows(IllegalArgumentException.class, () ->
        DeviceInventory.resolve(new DeviceOptions("gpu7", null, 0), 2, true, TWO_H100, SIZES));
    assertThrows(IllegalArgumentException.class, () ->
        DeviceInventory.resolve(new DeviceOptions("gpu0,gpu0", null, 0), 2, true, TWO_H100, SIZES));
  }

  @Test
  void simulatedGpusAreGpusThatRunOnTheCpuAndSaySo() {
    List<NodeDevice> devices = DeviceInventory.resolve(new DeviceOptions(null, "2x16GiB", 0), 2, false, List.of(),
        SIZES);

    assertEquals(3, devices.size());
    NodeDevice sim = devices.get(1);
    assertEquals("simgpu0", sim.deviceId());
    assertEquals(DeviceKind.GPU, sim.kind());
    assertTrue(sim.simulated());
    assertTrue(sim.name().startsWith("Simulated GPU"));
    assertEquals(-1, sim.cudaDeviceId());
    assertEquals(16L << 30, sim.memoryBytes());
    assertEquals(NodeDevice.SIMULATED_CLASS, sim.deviceClass());
    assertFalse(devices.get(0).simulated());
    assertTrue(sim.info().simulated());
  }

  @Test
  void badSimulateGpusSpecsAreRefused() {
    for (String bad : List.of("x16GiB", "0x16GiB", "2x", "2x16", "two", "65x1GiB")) {
      assertThrows(IllegalArgumentException.class,
          () -> DeviceInventory.resolve(new DeviceOptions(null, bad, 0), 2, false, List.of(), SIZES), bad);
    }
  }
}
