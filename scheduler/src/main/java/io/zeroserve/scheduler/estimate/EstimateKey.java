package io.zeroserve.scheduler.estimate;

import java.util.Objects;

/**
 * What one shared estimate measures, and its key in the cluster's map: service time per (function,
 * version, device class, batch bucket), load time per (function, device class), and per device class
 * how measured loads and service times compare with {@link Priors} (the scale that calibrates the
 * priors to this cluster's hardware, for functions not measured there yet).
 *
 * @param function the function; empty for scale keys
 * @param version the function version; 0 for load times, which are shared by versions, and scales
 * @param batch the batch bucket, a power of two (1, 2, 4, ...); 0 for load times and scales
 */
public record EstimateKey(Kind kind, String function, int version, String deviceClass, int batch) {

  public enum Kind {
    SERVICE("service"), LOAD("load"), SERVICE_SCALE("servicescale"), LOAD_SCALE("loadscale");

    private final String text;

    Kind(String text) {
      this.text = text;
    }
  }

  private static final char SEPARATOR = '|';

  public EstimateKey {
    Objects.requireNonNull(kind, "kind cannot be null");
    Objects.requireNonNull(function, "function cannot be null");
    Objects.requireNonNull(deviceClass, "deviceClass cannot be null");
    if (function.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("function names cannot contain '|': " + function);
    }
  }

  public static EstimateKey service(String function, int version, String deviceClass, int batch) {
    return new EstimateKey(Kind.SERVICE, function, version, deviceClass, bucket(batch));
  }

  public static EstimateKey load(String function, String deviceClass) {
    return new EstimateKey(Kind.LOAD, function, 0, deviceClass, 0);
  }

  /** Measured over prior service time, on a device class: a mean of ratios, dimensionless. */
  public static EstimateKey serviceScale(String deviceClass) {
    return new EstimateKey(Kind.SERVICE_SCALE, "", 0, deviceClass, 0);
  }

  /** Measured over prior load time, on a device class. */
  public static EstimateKey loadScale(String deviceClass) {
    return new EstimateKey(Kind.LOAD_SCALE, "", 0, deviceClass, 0);
  }

  /** The largest power of two not above {@code batch} (at least 1). */
  public static int bucket(int batch) {
    return Integer.highestOneBit(Math.max(1, batch));
  }

  /**
   * The key in the shared map: {@code service|fn|3|8|cpu}, {@code load|fn|0|0|gpu:…},
   * {@code loadscale||0|0|cpu}.
   */
  public String text() {
    return kind.text + SEPARATOR + function + SEPARATOR + version + SEPARATOR
        + batch + SEPARATOR + deviceClass;
  }

  /** Reads {@link #text()} back; the device class is last because it may contain anything. */
  public static EstimateKey parse(String text) {
    String[] parts = text.split("\\|", 5);
    if (parts.length == 5) {
      for (Kind k : Kind.values()) {
        if (k.text.equals(parts[0])) {
          return new EstimateKey(k, parts[1], Integer.parseInt(parts[2]), parts[4], Integer.parseInt(parts[3]));
        }
      }
    }
    throw new IllegalArgumentException("not an estimate key: " + text);
  }
}
