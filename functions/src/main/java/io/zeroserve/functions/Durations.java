package io.zeroserve.functions;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in config: {@code 250ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 0}. */
public final class Durations {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(us|ms|s|m|h)?");

  private Durations() {}

  /**
   * Parses a duration string.
   *
   * @param key the config key, for the error message
   * @throws FunctionException BAD_REQUEST naming key, rule and value
   */
  public static Duration parse(String key, String text) {
    Matcher m = text == null ? null : DURATION.matcher(text.trim());
    if (m == null || !m.matches() || (m.group(2) == null && !m.group(1).equals("0"))) {
      throw FunctionException.badRequest(key + " must be a duration such as 250ms, 30s, 10m or 1h, was: " + text);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    Duration d = switch (unit) {
      case "us" -> Duration.ofNanos(n * 1000);
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
    try {
      d.toNanos(); // format() and every timer work in nanoseconds
    } catch (ArithmeticException e) {
      throw FunctionException.badRequest(key + " must be at most " + format(MAX) + ", was: " + text);
    }
    return d;
  }

  /** The longest duration a nanosecond count holds, in whole hours: about 292 years. */
  private static final Duration MAX = Duration.ofHours(Long.MAX_VALUE / 3_600_000_000_000L);

  /** The shortest exact text for a duration, the inverse of {@link #parse}. */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    if (nanos % 3_600_000_000_000L == 0) {
      return nanos / 3_600_000_000_000L + "h";
    }
    if (nanos % 60_000_000_000L == 0) {
      return nanos / 60_000_000_000L + "m";
    }
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + "ms";
    }
    return nanos / 1000 + "us";
  }
}
