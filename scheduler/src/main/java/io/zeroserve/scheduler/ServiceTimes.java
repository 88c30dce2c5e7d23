package io.zeroserve.scheduler;

import java.util.Arrays;

/**
 * One decision's service times of its function, looked up once per device class and batch size, not
 * once per replica: a learned estimate is a map lookup under a key built as text, and a version with
 * hundreds of replicas asked for the same few a thousand times a decision (simulated 1,000 nodes). Other
 * functions and other calls go to the estimates as they are. Not thread-safe: one per decision.
 */
final class ServiceTimes implements Estimates {

  /** Batch sizes up to this are remembered; larger ones are rare and asked for as they come. */
  private static final int REMEMBERED_BATCHES = 64;

  private final Estimates estimates;
  private final FunctionProfile function;
  /** Per device class and kind, per batch size: 0 if not asked yet. A decision sees a class or two, mostly. */
  private String[] classes = new String[2];
  private DeviceKind[] kinds = new DeviceKind[2];
  private long[][] nanos = new long[2][];
  private int known;

  ServiceTimes(Estimates estimates, FunctionProfile function) {
    this.estimates = estimates;
    this.function = function;
  }

  @Override
  public long serviceNanos(FunctionProfile f, String deviceClass, DeviceKind kind, int batch) {
    if (f != function || batch < 1 || batch > REMEMBERED_BATCHES) {
      return estimates.serviceNanos(f, deviceClass, kind, batch);
    }
    long[] byBatch = byBatch(deviceClass, kind);
    if (byBatch[batch] == 0) {
      // An estimate of 0 is asked for again each time: rare, and still right.
      byBatch[batch] = estimates.serviceNanos(f, deviceClass, kind, batch);
    }
    return byBatch[batch];
  }

  private long[] byBatch(String deviceClass, DeviceKind kind) {
    for (int i = 0; i < known; i++) {
      if (kinds[i] == kind && (classes[i] == deviceClass || classes[i].equals(deviceClass))) {
        return nanos[i];
      }
    }
    if (known == classes.length) {
      classes = Arrays.copyOf(classes, known * 2);
      kinds = Arrays.copyOf(kinds, known * 2);
      nanos = Arrays.copyOf(nanos, known * 2);
    }
    classes[known] = deviceClass;
    kinds[known] = kind;
    nanos[known] = new long[REMEMBERED_BATCHES + 1];
    return nanos[known++];
  }

  @Override
  public long loadNanos(FunctionProfile f, String deviceClass, DeviceKind kind) {
    return estimates.loadNanos(f, deviceClass, kind);
  }

  @Override
  public long reloadNanos(String function, String deviceClass, DeviceKind kind, long memoryBytes) {
    return estimates.reloadNanos(function, deviceClass, kind, memoryBytes);
  }
}
