package io.zeroserve.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition that another thread or member makes true. */
public final class Await {

  /** The bound of every wait in these tests: failure detection and replication take well under it. */
  public static final Duration MAX = Duration.ofSeconds(10);

  private Await() {
  }

  public static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + MAX.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("waited " + MAX.toSeconds() + " s for: " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting for: " + what);
      }
    }
  }
}
