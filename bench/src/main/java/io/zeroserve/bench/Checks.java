package io.zeroserve.bench;

/** A benchmark that measured something other than it meant to stops, saying what went wrong. */
final class Checks {

  private Checks() {}

  static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
