package io.zeroserve.scheduler.estimate;

import io.zeroserve.scheduler.DeviceKind;

/**
 * What to expect of a model never measured, from its size alone. Deliberately rough: a prior only has
 * to rank options sensibly until the first measurement replaces it (see {@link Ewma}'s warm-up).
 * Defaults fitted to the example models on a 2-core x86 CPU (a 35 MB MLP: ~8 ms per row, ~150 ms to load).
 *
 * @param loadBaseNanos fixed cost of a load: session creation, for a GPU also its context
 * @param loadNanosPerByte reading and optimising the model
 * @param serviceBaseNanos fixed cost of one inference call
 * @param serviceNanosPerByte per row: a model's weights are read once per row
 * @param batchRowCost cost of each extra row in a batch, relative to a batch of one
 */
public record Priors(Device cpu, Device gpu) {

  public record Device(long loadBaseNanos, double loadNanosPerByte, long serviceBaseNanos,
                       double serviceNanosPerByte, double batchRowCost, long memoryBaseBytes,
                       double memoryPerModelByte) {}

  public static final Priors DEFAULT = new Priors(
      new Device(20_000_000, 4.0, 30_000, 0.25, 0.25, 16L << 20, 2.0),
      new Device(300_000_000, 8.0, 150_000, 0.01, 0.03, 64L << 20, 1.5));

  public Device of(DeviceKind kind) {
    return kind == DeviceKind.GPU ? gpu : cpu;
  }

  public long loadNanos(long modelBytes, DeviceKind kind) {
    Device d = of(kind);
    return d.loadBaseNanos + (long) (modelBytes * d.loadNanosPerByte);
  }

  /** One row. */
  public long serviceNanos(long modelBytes, DeviceKind kind) {
    Device d = of(kind);
    return d.serviceBaseNanos + (long) (modelBytes * d.serviceNanosPerByte);
  }

  /** How much longer a batch of {@code batch} rows takes than one row. */
  public double batchFactor(int batch, DeviceKind kind) {
    return 1 + of(kind).batchRowCost * (Math.max(1, batch) - 1);
  }

  /**
   * A measured load over what this prior expects of a model this size: a sample of the device class's
   * {@link EstimateKey#loadScale load scale}.
   */
  public double loadRatio(long measuredNanos, long modelBytes, DeviceKind kind) {
    return measuredNanos / (double) Math.max(1, loadNanos(modelBytes, kind));
  }

  /** A measured batch of {@code batch} rows over what this prior expects: a service scale sample. */
  public double serviceRatio(long measuredNanos, long modelBytes, DeviceKind kind, int batch) {
    return measuredNanos / Math.max(1, serviceNanos(modelBytes, kind) * batchFactor(batch, kind));
  }

  /** What a replica of a model this size reserves on a device. */
  public long memoryBytes(long modelBytes, DeviceKind kind) {
    Device d = of(kind);
    return d.memoryBaseBytes + (long) (modelBytes * d.memoryPerModelByte);
  }
}
