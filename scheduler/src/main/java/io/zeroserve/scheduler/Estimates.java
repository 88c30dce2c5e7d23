package io.zeroserve.scheduler;

/**
 * Expected times, learned where measured, from priors where not: never "unknown", so a new
 * function on a new device class still gets a decision.
 */
public interface Estimates {

  /** Time to run one batch of {@code batch} rows of the function on a device of this class. */
  long serviceNanos(FunctionProfile function, String deviceClass, DeviceKind kind, int batch);

  /** Time from deciding a cold start to a READY replica on a device of this class. */
  long loadNanos(FunctionProfile function, String deviceClass, DeviceKind kind);

  /**
   * Load time of another function, known only by name and its replica's memory: what evicting one
   * of its replicas costs when it is needed again.
   */
  long reloadNanos(String function, String deviceClass, DeviceKind kind, long memoryBytes);
}
