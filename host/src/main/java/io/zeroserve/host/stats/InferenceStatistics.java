package io.zeroserve.host.stats;

import io.zeroserve.functions.replica.ReplicaId;
import io.zeroserve.functions.replica.ReplicaMetrics;
import io.zeroserve.host.invoke.CallMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;

/**
 * This node's share of the statistics extension: counters per function version since the node
 * started, fed by the call router (success, fail: counted on the node that received the request)
 * and by the replicas (queue, compute, batches: counted on the node that ran it). Summing every
 * node's {@link #snapshot} therefore counts each request once. Thread-safe; recording is a few
 * {@link LongAdder} increments.
 */
public final class InferenceStatistics implements ReplicaMetrics, CallMetrics {

  private final Map<ModelStats.Key, Counters> byVersion = new ConcurrentHashMap<>();
  private final LongClock wallClock;

  /** Milliseconds since the epoch, for {@code last_inference}. */
  @FunctionalInterface
  public interface LongClock {
    long millis();
  }

  public InferenceStatistics() {
    this(System::currentTimeMillis);
  }

  public InferenceStatistics(LongClock wallClock) {
    this.wallClock = wallClock;
  }

  private static final class Duration {
    final LongAdder count = new LongAdder();
    final LongAdder ns = new LongAdder();

    void add(long n, long nanos) {
      count.add(n);
      ns.add(nanos);
    }

    DurationStat stat() {
      return new DurationStat(count.sum(), ns.sum());
    }
  }

  private static final class Batch {
    final Duration input = new Duration();
    final Duration infer = new Duration();
    final Duration output = new Duration();
  }

  private static final class Counters {
    final AtomicLong lastInference = new AtomicLong();
    final LongAdder inferences = new LongAdder();
    final LongAdder executions = new LongAdder();
    final Duration success = new Duration();
    final Duration fail = new Duration();
    final Duration queue = new Duration();
    final Duration input = new Duration();
    final Duration infer = new Duration();
    final Duration output = new Duration();
    final Map<Long, Batch> batches = new ConcurrentHashMap<>();
  }

  private Counters counters(String function, int version) {
    return byVersion.computeIfAbsent(new ModelStats.Key(function, version), k -> new Counters());
  }

  @Override
  public void finished(String function, int version, Throwable failure, long nanos) {
    if (version < 1) {
      return; // no version resolved (unknown function or version): nothing to count it against
    }
    Counters c = counters(function, version);
    (failure == null ? c.success : c.fail).add(1, Math.max(0, nanos));
    c.lastInference.accumulateAndGet(wallClock.millis(), Math::max);
  }

  @Override
  public void queued(ReplicaId id, long queueNanos) {
    counters(id.function(), id.version()).queue.add(1, Math.max(0, queueNanos));
  }

  @Override
  public void executed(ReplicaId id, int requests, long rows, int answered, long answeredRows,
                       long inputNanos, long inferNanos, long outputNanos) {
    if (answered == 0) {
      return; // Triton counts successful executions only
    }
    Counters c = counters(id.function(), id.version());
    c.executions.increment();
    c.inferences.add(answeredRows);
    // As in Triton, each request of a batch is charged the batch's whole compute time.
    c.input.add(answered, answered * inputNanos);
    c.infer.add(answered, answered * inferNanos);
    c.output.add(answered, answered * outputNanos);
    Batch b = c.batches.computeIfAbsent(rows, r -> new Batch());
    b.input.add(1, inputNanos);
    b.infer.add(1, inferNanos);
    b.output.add(1, outputNanos);
  }

  @Override
  public void loaded(ReplicaId id, long loadNanos) {}

  @Override
  public void loadFailed(ReplicaId id) {}

  @Override
  public void batch(ReplicaId id, int requests, long rows, long computeNanos) {}

  @Override
  public void placed(String kind) {}

  @Override
  public void forwarded(boolean retriedHere) {}

  /** Forgets versions that no longer exist, so that deleted functions do not accumulate. */
  public void retain(BiPredicate<String, Integer> exists) {
    byVersion.keySet().removeIf(k -> !exists.test(k.name(), k.version()));
  }

  /** This node's statistics now, by function and version. Not atomic across counters. */
  public List<ModelStats> snapshot() {
    List<ModelStats> out = new ArrayList<>(byVersion.size());
    byVersion.forEach((k, c) -> {
      List<BatchStat> batches = new ArrayList<>(c.batches.size());
      c.batches.forEach((size, b) -> batches.add(new BatchStat(size, b.input.stat(), b.infer.stat(), b.output.stat())));
      out.add(new ModelStats(k.name(), k.version(), c.lastInference.get(), c.inferences.sum(), c.executions.sum(),
          c.success.stat(), c.fail.stat(), c.queue.stat(), c.input.stat(), c.infer.stat(), c.output.stat(), batches));
    });
    out.sort(Comparator.comparing(ModelStats::name).thenComparingInt(ModelStats::version));
    return out;
  }
}
