package io.zeroserve.cluster;

/** Argument checks whose messages name the key, the rule and the value. */
final class Checks {

  private Checks() {
  }

  static void check(String key, boolean ok, String rule, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(key + " must " + rule + ", was: " + value);
    }
  }

  static String notBlank(String key, String value) {
    if (value == null) {
      throw new IllegalArgumentException(key + " cannot be null");
    }
    check(key, !value.isBlank(), "not be blank", "'" + value + "'");
    return value;
  }
}
