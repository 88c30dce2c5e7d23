package io.zeroserve.scheduler;

/**
 * What the scaling policy sees of one function version on one node at one instant. Immutable.
 *
 * @param nowNanos the control loop's clock, {@link System#nanoTime()} in production, simulated time in tests
 * @param replicas replicas that are READY or LOADING
 * @param loading how many of those are still LOADING
 * @param outstanding requests queued or running over all replicas, plus requests waiting for a load
 * @param lastRequestNanos when the last request arrived, on the same clock; for a version that has
 *     had none, when it was first seen
 * @param minReplicas replicas to keep even when idle
 * @param maxReplicas upper bound
 * @param targetConcurrency outstanding requests per replica above which another is added
 * @param idleTimeoutNanos how long capacity may sit unused before it is removed
 * @param state what the policy returned last time for this version
 */
public record ScalingContext(long nowNanos, int replicas, int loading, int outstanding, long lastRequestNanos,
                             int minReplicas, int maxReplicas, int targetConcurrency, long idleTimeoutNanos,
                             ScalerState state) {

  public ScalingContext {
    if (replicas < 0 || outstanding < 0 || loading < 0 || loading > replicas) {
      throw new IllegalArgumentException("need 0 <= loading <= replicas and outstanding >= 0, were: loading "
          + loading + ", replicas " + replicas + ", outstanding " + outstanding);
    }
    if (maxReplicas < minReplicas || targetConcurrency < 1 || idleTimeoutNanos <= 0) {
      throw new IllegalArgumentException("need minReplicas <= maxReplicas, targetConcurrency >= 1, idleTimeout > 0");
    }
    if (state == null) {
      throw new IllegalArgumentException("state cannot be null; use ScalerState.INITIAL");
    }
  }

  /** A context with no replica loading. */
  public ScalingContext(long nowNanos, int replicas, int outstanding, long lastRequestNanos, int minReplicas,
                        int maxReplicas, int targetConcurrency, long idleTimeoutNanos, ScalerState state) {
    this(nowNanos, replicas, 0, outstanding, lastRequestNanos, minReplicas, maxReplicas, targetConcurrency,
        idleTimeoutNanos, state);
  }
}
