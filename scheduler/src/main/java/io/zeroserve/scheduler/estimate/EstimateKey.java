package io.zeroserve.scheduler.estimate;

import java.util.Objects;

/**
 * What one shared estimate measures, and its key in the cluster's map: service time per (function,
 * version, device class, batch bucket), load time per (function, device class).
 *
 * @param version the function version; 0 for load times, which are shared by versions
 * @param batch the batch bucket, a power of two (1, 2, 4, ...); 0 for load times
 */
public record EstimateKey(Kind kind, String function, int version, String deviceClass, int batch) {

  public enum Kind { SERVICE, LOAD }

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

  /** The largest power of two not above {@code batch} (at least 1). */
  public static int bucket(int batch) {
    return Integer.highestOneBit(Math.max(1, batch));
  }

  /** The key in the shared map: {@code service|fn|3|cpu|8}, {@code load|fn|0|gpu:…|0}. */
  public String text() {
    return (kind == Kind.SERVICE ? "service" : "load") + SEPARATOR + function + SEPARATOR + version + SEPARATOR
        + batch + SEPARATOR + deviceClass;
  }

  /** Reads {@link #text()} back; the device class is last because it may contain anything. */
  public static EstimateKey parse(String text) {
    String[] parts = text.split("\\|", 5);
    if (parts.length != 5 || !(parts[0].equals("service") || parts[0].equals("load"))) {
      throw new IllegalArgumentException("not an estimate key: " + text);
    }
    return new EstimateKey(parts[0].equals("service") ? Kind.SERVICE : Kind.LOAD, parts[1],
        Integer.parseInt(parts[2]), parts[4], Integer.parseInt(parts[3]));
  }
}
