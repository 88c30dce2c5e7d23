package io.zeroserve.scheduler;

/**
 * What the scaling policy sees of one function version on one node at one instant. Immutable.
 *
 * @param nowNanos the control loop's clock, {@link System#nanoTime()} in production, simulated time in tests
 * @param replicas replicas that are READY or LOADING
 * @param outstanding requests queued or running over all replicas, plus requests waiting for a load
 * @param lastRequestNanos when the last request arrived, on the same clock; for a version that has
 *     had none, when it was first seen
 * @param minReplicas replicas to keep even when idle
 * @param maxReplicas upper bound
 * @param targetConcurrency outstanding requests per replica above which another is added
 * @param idleTimeoutNanos how long capacity may sit unused before it is removed
 * @param state what the policy returned last time for this version
 */
public record ScalingContext(long nowNanos, int replicas, int outstanding, long lastRequestNanos, int minReplicas,
                             int maxReplicas, int targetConcurrency, long idleTimeoutNanos, ScalerState state) {

  public ScalingContext {
    if (replicas < 0 || outstanding < 0) {
      throw new IllegalArgumentException("replicas and outstanding must be >= 0, were: " + replicas + ", " + outstanding);
    }
    if (maxReplicas < minReplicas || targetConcurrency < 1 || idleTimeoutNanos <= 0) {
      throw new IllegalArgumentException("need minReplicas <= maxReplicas, targetConcurrency >= 1, idleTimeout > 0");
    }
    if (state == null) {
      throw new IllegalArgumentException("state cannot be null; use ScalerState.INITIAL");
    }
  }
}
