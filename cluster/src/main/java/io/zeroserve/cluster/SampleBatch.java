package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;

/**
 * Samples of one measured time that a node folds into a shared estimate at once
 * ({@link ClusterState#addSamples}). Immutable.
 *
 * @param meanNanos the mean of the samples, finite and >= 0: nanoseconds, or a ratio for the scale keys
 *     ({@link io.zeroserve.scheduler.estimate.EstimateKey#loadScale})
 * @param count how many samples, >= 1
 */
public record SampleBatch(double meanNanos, long count) {

  public SampleBatch {
    check("meanNanos", meanNanos >= 0 && !Double.isInfinite(meanNanos), "be finite and >= 0", meanNanos);
    check("count", count >= 1, "be >= 1", count);
  }
}
