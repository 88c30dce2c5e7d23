package io.zeroserve.bench.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Every request of one client's run: when it was sent (the {@link System#nanoTime()} clock), how
 * long its answer took, and its status (0: no HTTP answer). Written by one thread at a time (the
 * client's event loop), read once the run is over.
 */
final class Samples {

  /** Failures kept verbatim for the report; the rest are only counted. */
  private static final int KEPT_ERRORS = 5;

  private final long[] starts;
  private final long[] latencies;
  private final int[] statuses;
  private final List<String> errors = new ArrayList<>();
  private int count;

  Samples(int capacity) {
    starts = new long[capacity];
    latencies = new long[capacity];
    statuses = new int[capacity];
  }

  void add(long startNanos, long latencyNanos, int status, String error) {
    starts[count] = startNanos;
    latencies[count] = latencyNanos;
    statuses[count] = status;
    count++;
    if (status != 200 && errors.size() < KEPT_ERRORS) {
      errors.add(status + " " + error);
    }
  }

  int count() {
    return count;
  }

  long start(int i) {
    return starts[i];
  }

  long latency(int i) {
    return latencies[i];
  }

  int status(int i) {
    return statuses[i];
  }

  List<String> firstErrors() {
    return errors;
  }

  /** Percentiles of the successful requests sent in [fromNanos, toNanos), and the failures there. */
  Stats window(long fromNanos, long toNanos) {
    return select(i -> starts[i] - fromNanos >= 0 && starts[i] - toNanos < 0);
  }

  /** Percentiles of the successful requests whose index passes {@code which}, and the failures among them. */
  Stats select(IntPredicate which) {
    long[] ok = new long[count];
    int n = 0;
    int failed = 0;
    for (int i = 0; i < count; i++) {
      if (which.test(i)) {
        if (statuses[i] == 200) {
          ok[n++] = latencies[i];
        } else {
          failed++;
        }
      }
    }
    return Stats.of(Arrays.copyOf(ok, n), failed);
  }

  Stats all() {
    return window(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2);
  }

  /**
   * Percentiles by nearest rank (p50 of 15 samples is the 8th smallest), in nanoseconds.
   *
   * @param count successful requests
   * @param failed failed requests, not in the percentiles
   */
  record Stats(int count, int failed, long p50, long p90, long p99, long max, long mean) {

    static Stats of(long[] values, int failed) {
      if (values.length == 0) {
        return new Stats(0, failed, 0, 0, 0, 0, 0);
      }
      long[] sorted = values.clone();
      Arrays.sort(sorted);
      long sum = 0;
      for (long v : sorted) {
        sum += v;
      }
      return new Stats(sorted.length, failed, rank(sorted, 50), rank(sorted, 90), rank(sorted, 99),
          sorted[sorted.length - 1], sum / sorted.length);
    }

    private static long rank(long[] sorted, int percent) {
      int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
  }

  /** The median of some values; 0 for none. */
  static long median(long[] values) {
    return Stats.of(values, 0).p50();
  }

  static String ms(long nanos) {
    return String.format("%.3f", nanos / 1e6);
  }
}
