package io.zeroserve.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What a result was measured on, and the process's resident memory. */
final class Machine {

  private Machine() {}

  /** One line: cores, CPU model, JVM, and the 1-minute load average (other work on the machine). */
  static String describe() {
    String model = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          model = line.substring(line.indexOf(':') + 1).strip();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: leave it unknown
    }
    return Runtime.getRuntime().availableProcessors() + " cores, " + model + ", Java "
        + System.getProperty("java.version") + ", load average " + loadAverage();
  }

  /** The 1-minute load average from /proc/loadavg, or "?". */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /** This process's resident set size (VmRSS), in bytes; -1 where /proc is missing. */
  static long rssBytes() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
      for (String line : lines) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).strip().split("\\s+");
          return Long.parseLong(parts[0]) * 1024; // the kernel reports kB
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return -1;
  }

  /**
   * CPU time of every live Java thread of this process, summed, in nanoseconds: unlike wall time,
   * it does not grow when other processes take the cores. Threads that ended are not counted, and
   * ONNX Runtime's own threads are not Java threads (replicas run with one intra-op thread, so ORT
   * starts none). Costs a few microseconds per thread: read it outside timed windows.
   */
  static long threadsCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long id : threads.getAllThreadIds()) {
      long cpu = threads.getThreadCpuTime(id);
      if (cpu > 0) {
        total += cpu;
      }
    }
    return total;
  }

  /** Java heap in use, in bytes. */
  static long heapUsedBytes() {
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  static String mib(long bytes) {
    return String.format("%.1f", bytes / (1024.0 * 1024.0));
  }
}
