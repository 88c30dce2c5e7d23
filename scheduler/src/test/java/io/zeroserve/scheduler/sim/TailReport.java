package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.DeviceKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Where the slow requests' time went, for {@code -Dtail=true}: what the policy comparison's averages
 * cannot say (which functions fill the tail, and whether they waited for a load, a queue or a slow
 * device). It found the policy changes of section 4 of bench/RESULTS-scheduler.md.
 */
final class TailReport {

  /**
   * One measured request.
   *
   * @param retryNanos from arrival to the attempt that placed it (no-capacity retries)
   * @param loadNanos waiting for its replica to load
   * @param queueNanos waiting for a lane once the replica was ready
   * @param firstEverLoad it waited for the first replica its function ever had: no policy avoids that
   */
  record Row(long responseNanos, long retryNanos, long loadNanos, long queueNanos, long serviceNanos, DeviceKind ranOn,
             boolean firstEverLoad, int function) {}

  private final List<Row> rows = new ArrayList<>();

  void add(Row row) {
    rows.add(row);
  }

  /** Counts and mean components of the requests slower than {@code thresholdMs}. */
  String summary(double thresholdMs) {
    long threshold = (long) (thresholdMs * 1e6);
    int n = 0;
    int waitedForLoad = 0;
    int firstEver = 0;
    int onCpu = 0;
    double retry = 0;
    double load = 0;
    double queue = 0;
    double service = 0;
    for (Row r : rows) {
      if (r.responseNanos() <= threshold) {
        continue;
      }
      n++;
      waitedForLoad += r.loadNanos() > 0 ? 1 : 0;
      firstEver += r.firstEverLoad() ? 1 : 0;
      onCpu += r.ranOn() == DeviceKind.CPU ? 1 : 0;
      retry += r.retryNanos();
      load += r.loadNanos();
      queue += r.queueNanos();
      service += r.serviceNanos();
    }
    double perRequestMs = Math.max(1, n) * 1e6;
    return String.format(Locale.ROOT, "> %.0f ms: %d requests; waited for a load %d (a first-ever replica %d), "
        + "ran on a CPU %d; mean ms: retry %.0f, load %.0f, queue %.0f, service %.0f", thresholdMs, n, waitedForLoad,
        firstEver, onCpu, retry / perRequestMs, load / perRequestMs, queue / perRequestMs, service / perRequestMs);
  }

  /** The {@code limit} functions with the most requests slower than {@code thresholdMs}, one line each. */
  String byFunction(double thresholdMs, int limit, IntFunction<String> describe) {
    long threshold = (long) (thresholdMs * 1e6);
    Map<Integer, long[]> byFunction = new HashMap<>(); // requests, slow, slow that loaded, slow on a CPU, load, queue, service
    for (Row r : rows) {
      long[] c = byFunction.computeIfAbsent(r.function(), k -> new long[7]);
      c[0]++;
      if (r.responseNanos() > threshold) {
        c[1]++;
        c[2] += r.loadNanos() > 0 ? 1 : 0;
        c[3] += r.ranOn() == DeviceKind.CPU ? 1 : 0;
        c[4] += r.loadNanos();
        c[5] += r.queueNanos();
        c[6] += r.serviceNanos();
      }
    }
    StringBuilder out = new StringBuilder();
    byFunction.entrySet().stream().filter(e -> e.getValue()[1] > 0)
        .sorted(Comparator.comparingLong((Map.Entry<Integer, long[]> e) -> -e.getValue()[1]))
        .limit(limit)
        .forEach(e -> {
          long[] c = e.getValue();
          out.append(String.format(Locale.ROOT, "  f%d %s: %d requests, %d slow (load %d, cpu %d), mean ms load %.0f "
              + "queue %.0f service %.0f%n", e.getKey(), describe.apply(e.getKey()), c[0], c[1], c[2], c[3],
              c[4] / 1e6 / c[1], c[5] / 1e6 / c[1], c[6] / 1e6 / c[1]));
        });
    return out.toString();
  }
}
