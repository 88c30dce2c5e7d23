package io.zeroserve.scheduler.estimate;

/**
 * An exponentially weighted moving average of a measured time, and how many samples it has seen.
 * Immutable; the fold is a pure function, so a cluster map can apply it in an entry processor and a
 * simulator can apply it to simulated samples.
 *
 * <p>The first samples weigh more ({@code max(alpha, 1/n)}): with one sample the mean is that
 * sample, not {@code alpha} times it, so a prior is replaced quickly by what was measured.
 *
 * @param mean the average: nanoseconds for times, a plain ratio for the scale keys ({@link EstimateKey#loadScale})
 * @param samples how many samples went into it (saturates at {@link Long#MAX_VALUE})
 */
public record Ewma(double mean, long samples) {

  /** Weight of a new sample once the average has warmed up. */
  public static final double DEFAULT_ALPHA = 0.2;

  public static final Ewma EMPTY = new Ewma(0, 0);

  public Ewma {
    if (!(mean >= 0) || Double.isInfinite(mean)) {
      throw new IllegalArgumentException("mean must be finite and >= 0, was " + mean);
    }
    if (samples < 0) {
      throw new IllegalArgumentException("samples must be >= 0, was " + samples);
    }
  }

  /** This average with one more sample folded in. Negative or non-finite samples are ignored. */
  public Ewma add(double sample, double alpha) {
    return addAll(sample, 1, alpha);
  }

  /**
   * This average with {@code count} samples of mean {@code batchMean} folded in: the same result as
   * adding {@code batchMean} {@code count} times, so nodes can publish a second's worth of samples as
   * one update.
   */
  public Ewma addAll(double batchMean, long count, double alpha) {
    if (count <= 0 || !(batchMean >= 0) || Double.isInfinite(batchMean)) {
      return this;
    }
    if (!(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1], was " + alpha);
    }
    double m = mean;
    long n = samples;
    // Warm-up: plain averaging while 1/n > alpha, sample by sample (at most 1/alpha steps).
    while (count > 0 && n < Long.MAX_VALUE && 1.0 / (n + 1) > alpha) {
      n++;
      m += (batchMean - m) / n;
      count--;
    }
    if (count > 0) {
      double keep = Math.pow(1 - alpha, count);
      m = batchMean + (m - batchMean) * keep;
      n = n > Long.MAX_VALUE - count ? Long.MAX_VALUE : n + count;
    }
    return new Ewma(m, n);
  }

  public boolean isEmpty() {
    return samples == 0;
  }
}
