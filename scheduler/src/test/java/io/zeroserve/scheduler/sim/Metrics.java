package io.zeroserve.scheduler.sim;

import java.util.Arrays;
import java.util.Locale;

/**
 * What one run measured, over the requests that arrived in {@code [measureFrom, measureTo)} and the
 * memory held during that window. Not thread-safe.
 */
final class Metrics {

  final long measureFrom;
  final long measureTo;
  private long[] times = new long[1 << 16];
  private int count;
  long coldStarts;
  long evictions;
  long expirations;
  long drains;
  long noCapacity;
  /** Measured requests that waited for a replica to load. */
  long coldRequests;
  private double memoryByteNanos;

  Metrics(long measureFrom, long measureTo) {
    this.measureFrom = measureFrom;
    this.measureTo = measureTo;
  }

  boolean inWindow(long t) {
    return t >= measureFrom && t < measureTo;
  }

  private long[] floors = new long[1 << 16];
  private int floorCount;

  /** A lower bound of one request's response time: its service time on the fastest device it may use. */
  void recordFloor(long nanos) {
    if (floorCount == floors.length) {
      floors = Arrays.copyOf(floors, floorCount * 2);
    }
    floors[floorCount++] = nanos;
  }

  /** The p99 of {@link #recordFloor}: no policy's p99 can be below it. */
  double p99FloorMs() {
    long[] sorted = Arrays.copyOf(floors, floorCount);
    Arrays.sort(sorted);
    return quantile(sorted, 0.99);
  }

  void record(long responseNanos) {
    if (count == times.length) {
      times = Arrays.copyOf(times, count * 2);
    }
    times[count++] = responseNanos;
  }

  /** Per-request detail of the slow ones, when asked for ({@code -Dtail=true}); null otherwise. */
  final TailReport tail = Boolean.getBoolean("tail") ? new TailReport() : null;

  void coldStart(long now) {
    if (inWindow(now)) {
      coldStarts++;
    }
  }

  void unloaded(SimCluster.Unload why, long now) {
    if (!inWindow(now)) {
      return;
    }
    switch (why) {
      case EVICTED -> evictions++;
      case EXPIRED -> expirations++;
      case DRAINED -> drains++;
    }
  }

  /** {@code bytes} were reserved from {@code since} to {@code until}. */
  void memory(long bytes, long since, long until) {
    long from = Math.max(since, measureFrom);
    long to = Math.min(until, measureTo);
    if (to > from) {
      memoryByteNanos += (double) bytes * (to - from);
    }
  }

  /** The figures of a finished run. */
  Summary summary(String policy) {
    long[] sorted = Arrays.copyOf(times, count);
    Arrays.sort(sorted);
    double sum = 0;
    for (long t : sorted) {
      sum += t;
    }
    return new Summary(policy, count, count == 0 ? Double.NaN : sum / count / 1e6, quantile(sorted, 0.50),
        quantile(sorted, 0.99), coldStarts, coldRequests, evictions, expirations + drains, noCapacity,
        memoryByteNanos / 1e9 / (1L << 30));
  }

  private static double quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i] / 1e6;
  }

  /**
   * @param meanMs mean response time, ms; p50Ms, p99Ms likewise
   * @param coldStarts replica loads started in the window
   * @param coldRequests measured requests that waited for a load
   * @param evictions replicas unloaded to make room for another
   * @param scaleIns replicas unloaded because they were not needed (keep-alive expiry or scale-in)
   * @param retries placements that found no capacity and were retried after {@link SimCluster#RETRY_NANOS}
   * @param memoryGibSeconds GiB-seconds reserved by replicas (loading, ready or draining) in the window
   */
  record Summary(String policy, long requests, double meanMs, double p50Ms, double p99Ms, long coldStarts,
                 long coldRequests, long evictions, long scaleIns, long retries, double memoryGibSeconds) {

    static String header() {
      return "| policy | requests | mean ms | p50 ms | p99 ms | cold starts | requests that waited for a load "
          + "| evictions | scale-ins | no-capacity retries | memory GiB-s |\n"
          + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
    }

    String row() {
      return String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %d | %d | %d | %d | %d | %.0f |", policy,
          requests, meanMs, p50Ms, p99Ms, coldStarts, coldRequests, evictions, scaleIns, retries, memoryGibSeconds);
    }
  }
}
