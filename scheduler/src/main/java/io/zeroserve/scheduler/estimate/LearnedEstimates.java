package io.zeroserve.scheduler.estimate;

import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.Estimates;
import io.zeroserve.scheduler.FunctionProfile;
import java.util.Map;
import java.util.Objects;

/**
 * Estimates from the cluster's shared averages ({@link EstimateKey#text()} to {@link Ewma}), falling
 * back to {@link Priors}. A batch size never measured is scaled from the nearest measured bucket
 * along the prior's batch curve, so one measurement at batch 1 already informs batch 32.
 * Immutable if the map is.
 */
public final class LearnedEstimates implements Estimates {

  private static final int MAX_BUCKET = 4096;
  private final Map<String, Ewma> learned;
  private final Priors priors;

  public LearnedEstimates(Map<String, Ewma> learned, Priors priors) {
    this.learned = Objects.requireNonNull(learned, "learned cannot be null");
    this.priors = Objects.requireNonNull(priors, "priors cannot be null");
  }

  public static LearnedEstimates priorsOnly() {
    return new LearnedEstimates(Map.of(), Priors.DEFAULT);
  }

  @Override
  public long serviceNanos(FunctionProfile f, String deviceClass, DeviceKind kind, int batch) {
    int wanted = EstimateKey.bucket(batch);
    // Nearest measured bucket: below first (smaller batches are measured first), then above.
    for (int b = wanted; b >= 1; b >>= 1) {
      Ewma e = learned.get(EstimateKey.service(f.function(), f.version(), deviceClass, b).text());
      if (e != null && !e.isEmpty()) {
        return scale(e.mean(), b, batch, kind);
      }
    }
    for (int b = wanted << 1; b <= MAX_BUCKET; b <<= 1) {
      Ewma e = learned.get(EstimateKey.service(f.function(), f.version(), deviceClass, b).text());
      if (e != null && !e.isEmpty()) {
        return scale(e.mean(), b, batch, kind);
      }
    }
    return scale(priors.serviceNanos(f.modelBytes(), kind), 1, batch, kind);
  }

  private long scale(double nanosAtBucket, int bucket, int batch, DeviceKind kind) {
    return (long) (nanosAtBucket * priors.batchFactor(batch, kind) / priors.batchFactor(bucket, kind));
  }

  @Override
  public long loadNanos(FunctionProfile f, String deviceClass, DeviceKind kind) {
    Ewma e = learned.get(EstimateKey.load(f.function(), deviceClass).text());
    return e != null && !e.isEmpty() ? (long) e.mean() : priors.loadNanos(f.modelBytes(), kind);
  }

  @Override
  public long reloadNanos(String function, String deviceClass, DeviceKind kind, long memoryBytes) {
    Ewma e = learned.get(EstimateKey.load(function, deviceClass).text());
    if (e != null && !e.isEmpty()) {
      return (long) e.mean();
    }
    return priors.loadNanos(modelBytesOf(memoryBytes, kind), kind);
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
