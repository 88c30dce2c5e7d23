package io.zeroserve.host.placement;

import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.SampleBatch;
import io.zeroserve.functions.replica.ReplicaId;
import io.zeroserve.functions.replica.ReplicaMetrics;
import io.zeroserve.host.devices.NodeDevice;
import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Learns service and load times from what replicas measure, and shares them: samples are summed here
 * per estimate key and published to the cluster once a second ({@link #flush}), where each key's
 * average folds them in. Each measurement also calibrates the priors of its device class (measured
 * over prior, {@link EstimateKey#loadScale}), so that a model never run on a class is expected at this
 * cluster's speed, not the development box's the priors were fitted on. A sink of its own, joined to
 * the others with {@link ReplicaMetrics#both}. Thread-safe.
 */
public final class EstimateRecorder implements ReplicaMetrics {

  private final Function<String, NodeDevice> devices;
  private final ToLongFunction<ReplicaId> modelBytes;
  private final Priors priors;
  private final Map<String, double[]> sums = new HashMap<>(); // key -> {sum of samples, count}
  // scale key -> function -> {sum of ratios, count}: a class's scale learns from functions, not batches
  private final Map<String, Map<String, double[]>> scaleSums = new HashMap<>();

  /**
   * @param devices a device id of this node to the device
   * @param modelBytes a replica's model size; negative if no longer known (no calibration sample then)
   */
  public EstimateRecorder(Function<String, NodeDevice> devices, ToLongFunction<ReplicaId> modelBytes, Priors priors) {
    this.devices = devices;
    this.modelBytes = modelBytes;
    this.priors = priors;
  }

  @Override
  public void loaded(ReplicaId id, long loadNanos) {}

  @Override
  public void loadedOn(ReplicaId id, String deviceId, long loadNanos) {
    NodeDevice d = devices.apply(deviceId);
    add(EstimateKey.load(id.function(), d.deviceClass()).text(), loadNanos);
    long model = modelBytes.applyAsLong(id);
    if (model >= 0) {
      addScale(EstimateKey.loadScale(d.deviceClass()).text(), id.function(), priors.loadRatio(loadNanos, model, d.kind()));
    }
  }

  @Override
  public void loadFailed(ReplicaId id) {}

  @Override
  public void queued(ReplicaId id, long queueNanos) {}

  @Override
  public void batch(ReplicaId id, int requests, long rows, long computeNanos) {}

  @Override
  public void batchOn(ReplicaId id, String deviceId, int requests, long rows, long computeNanos) {
    NodeDevice d = devices.apply(deviceId);
    add(EstimateKey.service(id.function(), id.version(), d.deviceClass(), requests).text(), computeNanos);
    long model = modelBytes.applyAsLong(id);
    if (model >= 0) {
      addScale(EstimateKey.serviceScale(d.deviceClass()).text(), id.function(),
          priors.serviceRatio(computeNanos, model, d.kind(), requests));
    }
  }

  private synchronized void add(String key, double sample) {
    double[] s = sums.computeIfAbsent(key, k -> new double[2]);
    s[0] += sample;
    s[1]++;
  }

  private synchronized void addScale(String key, String function, double ratio) {
    double[] s = scaleSums.computeIfAbsent(key, k -> new HashMap<>()).computeIfAbsent(function, f -> new double[2]);
    s[0] += ratio;
    s[1]++;
  }

  /** Publishes what was measured since the last flush. Does not block. */
  public void flush(ClusterState cluster) {
    Map<String, SampleBatch> batches = drain();
    if (!batches.isEmpty()) {
      cluster.addSamples(batches);
    }
  }

  /**
   * What was measured since the last drain, per key. A scale gets one sample per function that ran on
   * the class (its mean ratio), so one busy function does not set every other function's prior.
   */
  synchronized Map<String, SampleBatch> drain() {
    Map<String, SampleBatch> batches = new HashMap<>();
    sums.forEach((key, s) -> batches.put(key, new SampleBatch(s[0] / s[1], (long) s[1])));
    sums.clear();
    scaleSums.forEach((key, byFunction) -> {
      double sumOfMeans = 0;
      for (double[] s : byFunction.values()) {
        sumOfMeans += s[0] / s[1];
      }
      batches.put(key, new SampleBatch(sumOfMeans / byFunction.size(), byFunction.size()));
    });
    scaleSums.clear();
    return batches;
  }
}
