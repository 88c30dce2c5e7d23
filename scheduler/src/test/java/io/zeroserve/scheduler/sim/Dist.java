package io.zeroserve.scheduler.sim;

import java.util.SplittableRandom;

/** Random variates for the simulator, all from one seeded generator. */
final class Dist {

  private Dist() {}

  /** Exponential with the given mean, in nanoseconds, at least 1. */
  static long exp(SplittableRandom rnd, double meanNanos) {
    return Math.max(1, (long) (-meanNanos * Math.log(1 - rnd.nextDouble())));
  }

  static double normal(SplittableRandom rnd) {
    // Box-Muller; one of the pair is enough here.
    double u = 1 - rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and shape sigma. */
  static double logNormal(SplittableRandom rnd, double median, double sigma) {
    return median * Math.exp(sigma * normal(rnd));
  }

  /** Log-normal noise with mean 1 and shape sigma: multiplies a mean without moving it. */
  static double unitLogNormal(SplittableRandom rnd, double sigma) {
    return Math.exp(sigma * normal(rnd) - sigma * sigma / 2);
  }

  /** Geometric on {0, 1, ...}: P(n) = (1 - p) p^n, the M/M/1 queue length at load p. */
  static int geometric(SplittableRandom rnd, double p) {
    int n = 0;
    while (rnd.nextDouble() < p) {
      n++;
    }
    return n;
  }
}
