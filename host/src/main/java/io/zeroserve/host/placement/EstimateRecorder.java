package io.zeroserve.host.placement;

import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.SampleBatch;
import io.zeroserve.functions.replica.ReplicaId;
import io.zeroserve.functions.replica.ReplicaMetrics;
import io.zeroserve.scheduler.estimate.EstimateKey;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Learns service and load times from what replicas measure, and shares them: samples are summed here
 * per estimate key and published to the cluster once a second ({@link #flush}), where each key's
 * average folds them in. A sink of its own, joined to the others with {@link ReplicaMetrics#both}. Thread-safe.
 */
public final class EstimateRecorder implements ReplicaMetrics {

  private final Function<String, String> deviceClassOf;
  private final Map<String, double[]> sums = new HashMap<>(); // key -> {sum of nanos, count}

  /** @param deviceClassOf a device id of this node to its class */
  public EstimateRecorder(Function<String, String> deviceClassOf) {
    this.deviceClassOf = deviceClassOf;
  }

  @Override
  public void loaded(ReplicaId id, long loadNanos) {}

  @Override
  public void loadedOn(ReplicaId id, String deviceId, long loadNanos) {
    add(EstimateKey.load(id.function(), deviceClassOf.apply(deviceId)).text(), loadNanos);
  }

  @Override
  public void loadFailed(ReplicaId id) {}

  @Override
  public void queued(ReplicaId id, long queueNanos) {}

  @Override
  public void batch(ReplicaId id, int requests, long rows, long computeNanos) {}

  @Override
  public void batchOn(ReplicaId id, String deviceId, int requests, long rows, long computeNanos) {
    add(EstimateKey.service(id.function(), id.version(), deviceClassOf.apply(deviceId), requests).text(), computeNanos);
  }

  private synchronized void add(String key, double nanos) {
    double[] s = sums.computeIfAbsent(key, k -> new double[2]);
    s[0] += nanos;
    s[1]++;
  }

  /** Publishes what was measured since the last flush. Does not block. */
  public void flush(ClusterState cluster) {
    Map<String, SampleBatch> batches = new HashMap<>();
    synchronized (this) {
      sums.forEach((key, s) -> batches.put(key, new SampleBatch(s[0] / s[1], (long) s[1])));
      sums.clear();
    }
    if (!batches.isEmpty()) {
      cluster.addSamples(batches);
    }
  }
}
