package io.zeroserve.bench;

import java.util.Arrays;

/**
 * Percentiles of a set of latency samples, in nanoseconds, by nearest rank (p50 of 15 samples is
 * the 8th smallest). Immutable.
 *
 * @param count samples
 * @param p50 median
 */
record Latency(int count, long p50, long p90, long p99, long max, long mean) {

  static Latency of(long[] samples, int count) {
    if (count == 0) {
      return new Latency(0, 0, 0, 0, 0, 0);
    }
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    long sum = 0;
    for (long s : sorted) {
      sum += s;
    }
    return new Latency(count, rank(sorted, 50), rank(sorted, 90), rank(sorted, 99), sorted[count - 1], sum / count);
  }

  static Latency of(long[] samples) {
    return of(samples, samples.length);
  }

  private static long rank(long[] sorted, int percent) {
    int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static String ms(long nanos) {
    return String.format("%.2f", nanos / 1e6);
  }

  static String us(long nanos) {
    return String.format("%.0f", nanos / 1e3);
  }
}
