package io.zeroserve.host.stats;

import io.vertx.core.json.JsonObject;

/**
 * How often something happened and how long it took in all: Triton's {@code $duration_stat}.
 * Immutable.
 *
 * @param count occurrences
 * @param ns their total duration in nanoseconds
 */
public record DurationStat(long count, long ns) {

  public static final DurationStat ZERO = new DurationStat(0, 0);

  public DurationStat {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, was: " + count);
    }
    if (ns < 0) {
      throw new IllegalArgumentException("ns must be >= 0, was: " + ns);
    }
  }

  public DurationStat plus(DurationStat other) {
    return new DurationStat(count + other.count, ns + other.ns);
  }

  public JsonObject toJson() {
    return new JsonObject().put("count", count).put("ns", ns);
  }

  /** Reads {@link #toJson}'s form; absent fields are 0. */
  public static DurationStat fromJson(JsonObject json) {
    if (json == null) {
      return ZERO;
    }
    return new DurationStat(json.getLong("count", 0L), json.getLong("ns", 0L));
  }
}
