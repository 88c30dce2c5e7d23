package io.zeroserve.scheduler.estimate;

import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.Estimates;
import io.zeroserve.scheduler.FunctionProfile;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Estimates from the cluster's shared averages ({@link EstimateKey#text()} to {@link Ewma}), falling
 * back to {@link Priors}. A batch size never measured is scaled from the nearest measured bucket
 * along the prior's batch curve, so one measurement at batch 1 already informs batch 32.
 *
 * <p>What was never measured is still informed by what was, in this order (loads skip the second):
 * <ol>
 *   <li>the function on this device class (its nearest batch bucket);</li>
 *   <li>its service time on another device class, carried over at the ratio the two classes' calibrated
 *       priors have (a model 3x slower than typical on the GPU is expected 3x slower than typical on
 *       the CPU);</li>
 *   <li>the prior for its size, times the class's scale: how measured times on that class compared
 *       with the priors, over every function ({@link EstimateKey#loadScale}). The priors are fitted to a
 *       2-core development box; a cluster's hardware calibrates them after its first loads.</li>
 * </ol>
 * Without that, a first placement compared an uncalibrated GPU prior with an uncalibrated CPU prior,
 * and in the simulator sent models to CPUs that serve them 8x slower.
 * Immutable if the map is.
 */
public final class LearnedEstimates implements Estimates {

  private static final int MAX_BUCKET = 4096;
  private final Map<String, Ewma> learned;
  private final Priors priors;
  private final Map<String, DeviceKind> deviceClasses;

  public LearnedEstimates(Map<String, Ewma> learned, Priors priors) {
    this(learned, priors, Map.of());
  }

  /**
   * @param deviceClasses the device classes of the cluster and their kinds: where a function's
   *     measurements on another class are looked for
   */
  public LearnedEstimates(Map<String, Ewma> learned, Priors priors, Map<String, DeviceKind> deviceClasses) {
    this.learned = Objects.requireNonNull(learned, "learned cannot be null");
    this.priors = Objects.requireNonNull(priors, "priors cannot be null");
    this.deviceClasses = new TreeMap<>(Objects.requireNonNull(deviceClasses, "deviceClasses cannot be null"));
  }

  public static LearnedEstimates priorsOnly() {
    return new LearnedEstimates(Map.of(), Priors.DEFAULT);
  }

  @Override
  public long serviceNanos(FunctionProfile f, String deviceClass, DeviceKind kind, int batch) {
    long measured = measuredService(f, deviceClass, kind, batch);
    if (measured >= 0) {
      return measured;
    }
    double calibrated = calibratedService(f, deviceClass, kind, batch);
    double carried = 0;
    int classes = 0;
    for (Map.Entry<String, DeviceKind> other : deviceClasses.entrySet()) {
      if (other.getKey().equals(deviceClass)) {
        continue;
      }
      long there = measuredService(f, other.getKey(), other.getValue(), batch);
      if (there >= 0) {
        carried += there * calibrated / calibratedService(f, other.getKey(), other.getValue(), batch);
        classes++;
      }
    }
    return (long) (classes > 0 ? carried / classes : calibrated);
  }

  /** The function's own measurement on this class, scaled to {@code batch}; -1 if none. */
  private long measuredService(FunctionProfile f, String deviceClass, DeviceKind kind, int batch) {
    int wanted = EstimateKey.bucket(batch);
    // Nearest measured bucket: below first (smaller batches are measured first), then above.
    for (int b = wanted; b >= 1; b >>= 1) {
      Ewma e = learned.get(EstimateKey.service(f.function(), f.version(), deviceClass, b).text());
      if (e != null && !e.isEmpty()) {
        return scale(e.mean(), b, batch, kind);
      }
    }
    // No batch is larger than the function's maxBatchSize: nothing above its bucket to look for.
    int largest = EstimateKey.bucket(Math.min(MAX_BUCKET, f.maxBatchSize()));
    for (int b = wanted << 1; b <= largest; b <<= 1) {
      Ewma e = learned.get(EstimateKey.service(f.function(), f.version(), deviceClass, b).text());
      if (e != null && !e.isEmpty()) {
        return scale(e.mean(), b, batch, kind);
      }
    }
    return -1;
  }

  private double calibratedService(FunctionProfile f, String deviceClass, DeviceKind kind, int batch) {
    return Math.max(1, priors.serviceNanos(f.modelBytes(), kind) * priors.batchFactor(batch, kind)
        * scaleOf(EstimateKey.serviceScale(deviceClass)));
  }

  private long scale(double nanosAtBucket, int bucket, int batch, DeviceKind kind) {
    return (long) (nanosAtBucket * priors.batchFactor(batch, kind) / priors.batchFactor(bucket, kind));
  }

  @Override
  public long loadNanos(FunctionProfile f, String deviceClass, DeviceKind kind) {
    Ewma e = learned.get(EstimateKey.load(f.function(), deviceClass).text());
    return e != null && !e.isEmpty() ? (long) e.mean() : calibratedLoad(f.modelBytes(), deviceClass, kind);
  }

  @Override
  public long reloadNanos(String function, String deviceClass, DeviceKind kind, long memoryBytes) {
    Ewma e = learned.get(EstimateKey.load(function, deviceClass).text());
    if (e != null && !e.isEmpty()) {
      return (long) e.mean();
    }
    return calibratedLoad(modelBytesOf(memoryBytes, kind), deviceClass, kind);
  }

  private long calibratedLoad(long modelBytes, String deviceClass, DeviceKind kind) {
    return (long) (priors.loadNanos(modelBytes, kind) * scaleOf(EstimateKey.loadScale(deviceClass)));
  }

  /** How a class's measurements compare with the priors; 1 (the prior as is) before any. */
  private double scaleOf(EstimateKey key) {
    Ewma e = learned.get(key.text());
    return e != null && !e.isEmpty() && e.mean() > 0 ? e.mean() : 1.0;
  }

  private long modelBytesOf(long memoryBytes, DeviceKind kind) {
    Priors.Device d = priors.of(kind);
    return (long) (Math.max(0, memoryBytes - d.memoryBaseBytes()) / d.memoryPerModelByte());
  }

  /** The shared averages this reads: for display. */
  public Map<String, Ewma> learned() {
    return learned;
  }
}
