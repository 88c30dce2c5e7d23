package io.zeroserve.host.devices;

import io.zeroserve.scheduler.DeviceKind;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongBiFunction;
import java.util.logging.Logger;

/**
 * Finds the devices this node places replicas on: the CPU always; NVIDIA GPUs that {@code nvidia-smi}
 * lists, when this build can run on them (the {@code cuda} Maven profile); simulated GPUs on request.
 * {@code --devices} limits the list and may set memory. Every failure to use a device the operator asked
 * for is an error at start, not a surprise at the first request.
 */
public final class DeviceInventory {

  private static final Logger LOG = Logger.getLogger(DeviceInventory.class.getName());

  /** A GPU as {@code nvidia-smi} reports it. */
  public record GpuInfo(int index, String name, long memoryBytes) {}

  private DeviceInventory() {}

  /**
   * @param inferenceThreads the CPU's parallelism
   * @param cudaAvailable whether this build's ONNX Runtime has the CUDA execution provider
   * @param gpus what nvidia-smi found (see {@link #nvidiaSmi()})
   * @param sizeParser the options' size syntax, for {@code gpu0=40GiB}
   */
  public static List<NodeDevice> resolve(DeviceOptions options, int inferenceThreads, boolean cudaAvailable,
                                         List<GpuInfo> gpus, ToLongBiFunction<String, String> sizeParser) {
    long cpuMemory = options.cpuMemoryBytes() > 0 ? options.cpuMemoryBytes() : defaultCpuMemory();
    NodeDevice cpu = new NodeDevice("cpu", DeviceKind.CPU, "CPU (" + Runtime.getRuntime().availableProcessors()
        + " cores)", "cpu", cpuMemory, inferenceThreads, -1, false);
    Map<String, NodeDevice> found = new LinkedHashMap<>();
    found.put("cpu", cpu);
    for (GpuInfo g : gpus) {
      found.put("gpu" + g.index(), new NodeDevice("gpu" + g.index(), DeviceKind.GPU, g.name(), "gpu:" + g.name(),
          g.memoryBytes(), 1, g.index(), false));
    }
    List<NodeDevice> devices = new ArrayList<>();
    if (options.devices() == null || options.devices().isBlank()) {
      devices.add(cpu);
      if (!gpus.isEmpty() && !cudaAvailable) {
        LOG.warning("nvidia-smi lists " + gpus.size() + " GPU(s), but this build's ONNX Runtime has no CUDA "
            + "execution provider (build with -Pcuda): placing on the CPU only");
      } else {
        found.values().stream().filter(d -> d.kind() == DeviceKind.GPU).forEach(devices::add);
      }
    } else {
      for (String item : options.devices().split(",")) {
        String spec = item.trim();
        if (spec.isEmpty()) {
          continue;
        }
        int eq = spec.indexOf('=');
        String id = (eq < 0 ? spec : spec.substring(0, eq)).trim().toLowerCase(Locale.ROOT).replace(":", "");
        NodeDevice d = found.get(id);
        if (d == null) {
          throw new IllegalArgumentException("devices: no device '" + id + "' on this node; found "
              + String.join(", ", found.keySet()));
        }
        if (d.kind() == DeviceKind.GPU && !cudaAvailable) {
          throw new IllegalArgumentException("devices: " + id + " is a GPU, but this build's ONNX Runtime has no CUDA "
              + "execution provider: build with -Pcuda (onnxruntime_gpu, CUDA 12 + cuDNN 9)");
        }
        if (eq >= 0) {
          long bytes = sizeParser.applyAsLong("devices", spec.substring(eq + 1).trim());
          d = new NodeDevice(d.deviceId(), d.kind(), d.name(), d.deviceClass(), bytes, d.parallelism(),
              d.cudaDeviceId(), false);
        }
        if (devices.stream().anyMatch(x -> x.deviceId().equals(id))) {
          throw new IllegalArgumentException("devices: " + id + " is listed twice");
        }
        devices.add(d);
      }
      if (devices.stream().noneMatch(d -> d.kind() == DeviceKind.CPU)) {
        devices.add(0, cpu); // the CPU is always there: requests need somewhere to run
      }
    }
    devices.addAll(simulated(options.simulateGpus(), sizeParser));
    return List.copyOf(devices);
  }

  /** {@code 2x16GiB}: two simulated GPUs of 16 GiB each. */
  static List<NodeDevice> simulated(String spec, ToLongBiFunction<String, String> sizeParser) {
    if (spec == null || spec.isBlank()) {
      return List.of();
    }
    String[] parts = spec.trim().toLowerCase(Locale.ROOT).split("x", 2);
    int count;
    try {
      count = Integer.parseInt(parts[0].trim());
    } catch (NumberFormatException e) {
      count = -1;
    }
    if (parts.length != 2 || count < 1 || count > 64) {
      throw new IllegalArgumentException("simulate-gpus must be COUNTxSIZE with COUNT in 1..64, e.g. 2x16GiB, was: "
          + spec);
    }
    long bytes = sizeParser.applyAsLong("simulate-gpus", parts[1].trim());
    List<NodeDevice> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new NodeDevice("simgpu" + i, DeviceKind.GPU, "Simulated GPU " + i + " (" + (bytes >> 30) + " GiB)",
          NodeDevice.SIMULATED_CLASS, bytes, 1, -1, true));
    }
    return out;
  }

  /** 80% of physical memory, less the heap: what native sessions may use without starving the JVM. */
  static long defaultCpuMemory() {
    long physical = 8L << 30;
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      physical = os.getTotalMemorySize();
    }
    return Math.max(256L << 20, (long) (physical * 0.8) - Runtime.getRuntime().maxMemory());
  }

  /** The GPUs {@code nvidia-smi} lists; none if it is absent or fails. Blocking (a process, up to 10 s). */
  public static List<GpuInfo> nvidiaSmi() {
    try {
      Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,memory.total",
          "--format=csv,noheader,nounits").redirectErrorStream(true).start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        LOG.warning("nvidia-smi did not answer within 10 s: no GPUs used");
        return List.of();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        LOG.info("nvidia-smi failed (exit " + p.exitValue() + "): no GPUs used");
        return List.of();
      }
      return parseNvidiaSmi(out);
    } catch (IOException e) {
      return List.of(); // not installed: a machine without NVIDIA GPUs
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /** Lines of {@code index, name, memory.total in MiB}. */
  static List<GpuInfo> parseNvidiaSmi(String output) {
    List<GpuInfo> gpus = new ArrayList<>();
    for (String line : output.split("\\R")) {
      String[] f = line.split(",");
      if (f.length < 3) {
        continue;
      }
      try {
        int index = Integer.parseInt(f[0].trim());
        long mib = Long.parseLong(f[f.length - 1].trim());
        String name = String.join(",", java.util.Arrays.copyOfRange(f, 1, f.length - 1)).trim();
        gpus.add(new GpuInfo(index, name, mib << 20));
      } catch (NumberFormatException e) {
        LOG.warning("ignoring an nvidia-smi line I cannot read: " + line);
      }
    }
    return gpus;
  }
}
