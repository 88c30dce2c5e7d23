package io.zeroserve.functions;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;

/**
 * A function's operator-set configuration. Immutable; {@link #fromJson} validates every field and
 * fills the ones not given with their defaults (a PUT replaces the whole config).
 *
 * @param activeVersion the version that serves requests; null means "the newest"
 * @param device where replicas may run
 * @param timeout per-request deadline, from arrival to answer
 * @param minReplicas replicas kept warm even when idle (0 = scale to zero)
 * @param maxReplicas upper bound on replicas of the active version
 * @param idleTimeout how long a replica may sit without requests before it is unloaded
 * @param targetConcurrency outstanding requests per replica above which another replica is added
 * @param maxBatchSize largest batch a replica runs at once; 1 turns batching off
 * @param maxQueueDelay how long a replica may hold a request to fill a batch
 * @param maxQueue queued requests per function beyond which new ones are refused (429)
 */
public record FunctionConfig(Integer activeVersion, DevicePreference device, Duration timeout,
                             int minReplicas, int maxReplicas, Duration idleTimeout, int targetConcurrency,
                             int maxBatchSize, Duration maxQueueDelay, int maxQueue) {

  public static final DevicePreference DEFAULT_DEVICE = DevicePreference.ANY;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MIN_REPLICAS = 0;
  public static final int DEFAULT_MAX_REPLICAS = 4;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  public static final int DEFAULT_TARGET_CONCURRENCY = 4;
  public static final int DEFAULT_MAX_BATCH_SIZE = 1;
  public static final Duration DEFAULT_MAX_QUEUE_DELAY = Duration.ofMillis(2);
  public static final int DEFAULT_MAX_QUEUE = 1024;

  public static final FunctionConfig DEFAULTS = new FunctionConfig(null, DEFAULT_DEVICE, DEFAULT_TIMEOUT,
      DEFAULT_MIN_REPLICAS, DEFAULT_MAX_REPLICAS, DEFAULT_IDLE_TIMEOUT, DEFAULT_TARGET_CONCURRENCY,
      DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE_DELAY, DEFAULT_MAX_QUEUE);

  private static final Set<String> FIELDS = Set.of("activeVersion", "device", "timeout", "minReplicas",
      "maxReplicas", "idleTimeout", "targetConcurrency", "maxBatchSize", "maxQueueDelay", "maxQueue");

  public FunctionConfig {
    check("activeVersion", activeVersion == null || activeVersion >= 1, "be >= 1", activeVersion);
    check("timeout", !timeout.isNegative() && !timeout.isZero(), "be > 0", Durations.format(timeout));
    check("minReplicas", minReplicas >= 0 && minReplicas <= 64, "be in 0..64", minReplicas);
    check("maxReplicas", maxReplicas >= 1 && maxReplicas <= 64, "be in 1..64", maxReplicas);
    check("maxReplicas", maxReplicas >= minReplicas, "be >= minReplicas (" + minReplicas + ")", maxReplicas);
    check("idleTimeout", !idleTimeout.isNegative() && !idleTimeout.isZero(), "be > 0", Durations.format(idleTimeout));
    check("targetConcurrency", targetConcurrency >= 1 && targetConcurrency <= 10_000, "be in 1..10000", targetConcurrency);
    check("maxBatchSize", maxBatchSize >= 1 && maxBatchSize <= 4096, "be in 1..4096", maxBatchSize);
    check("maxQueueDelay", !maxQueueDelay.isNegative() && maxQueueDelay.compareTo(Duration.ofSeconds(10)) <= 0,
        "be in 0..10s", Durations.format(maxQueueDelay));
    check("maxQueue", maxQueue >= 1 && maxQueue <= 1_000_000, "be in 1..1000000", maxQueue);
  }

  private static void check(String key, boolean ok, String rule, Object value) {
    if (!ok) {
      throw FunctionException.badRequest(key + " must " + rule + ", was: " + value);
    }
  }

  /**
   * Reads a config, validating each field; missing fields take their defaults.
   *
   * @throws FunctionException BAD_REQUEST naming the field, the rule and the value
   */
  public static FunctionConfig fromJson(JsonObject json) {
    if (json == null) {
      return DEFAULTS;
    }
    for (String key : json.fieldNames()) {
      if (!FIELDS.contains(key)) {
        throw FunctionException.badRequest("unknown config field '" + key + "'; known fields: " + FIELDS.stream().sorted().toList());
      }
    }
    return new FunctionConfig(
        optionalInt(json, "activeVersion", null),
        json.getValue("device") == null ? DEFAULT_DEVICE : DevicePreference.parse(string(json, "device")),
        duration(json, "timeout", DEFAULT_TIMEOUT),
        optionalInt(json, "minReplicas", DEFAULT_MIN_REPLICAS),
        optionalInt(json, "maxReplicas", DEFAULT_MAX_REPLICAS),
        duration(json, "idleTimeout", DEFAULT_IDLE_TIMEOUT),
        optionalInt(json, "targetConcurrency", DEFAULT_TARGET_CONCURRENCY),
        optionalInt(json, "maxBatchSize", DEFAULT_MAX_BATCH_SIZE),
        duration(json, "maxQueueDelay", DEFAULT_MAX_QUEUE_DELAY),
        optionalInt(json, "maxQueue", DEFAULT_MAX_QUEUE));
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (activeVersion != null) {
      json.put("activeVersion", activeVersion);
    }
    return json.put("device", device.text())
        .put("timeout", Durations.format(timeout))
        .put("minReplicas", minReplicas)
        .put("maxReplicas", maxReplicas)
        .put("idleTimeout", Durations.format(idleTimeout))
        .put("targetConcurrency", targetConcurrency)
        .put("maxBatchSize", maxBatchSize)
        .put("maxQueueDelay", Durations.format(maxQueueDelay))
        .put("maxQueue", maxQueue);
  }

  public FunctionConfig withActiveVersion(Integer version) {
    return new FunctionConfig(version, device, timeout, minReplicas, maxReplicas, idleTimeout,
        targetConcurrency, maxBatchSize, maxQueueDelay, maxQueue);
  }

  private static Integer optionalInt(JsonObject json, String key, Integer fallback) {
    Object v = json.getValue(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && n.doubleValue() >= Integer.MIN_VALUE && n.doubleValue() <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw FunctionException.badRequest(key + " must be an integer, was: " + v);
  }

  private static String string(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (v instanceof String s) {
      return s;
    }
    throw FunctionException.badRequest(key + " must be a string, was: " + v);
  }

  private static Duration duration(JsonObject json, String key, Duration fallback) {
    return json.getValue(key) == null ? fallback : Durations.parse(key, string(json, key));
  }
}
