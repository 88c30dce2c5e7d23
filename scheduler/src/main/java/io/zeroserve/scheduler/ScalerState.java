package io.zeroserve.scheduler;

/**
 * The scaling policy's memory between decisions, handed back by the caller each time.
 *
 * @param surplusSinceNanos since when more replicas have been up than the load needs, or
 *     {@link #NO_SURPLUS}; capacity is only removed after a full idle timeout of surplus
 * @param peakNeeded the most replicas the load needed (within min and max) since the surplus
 *     began; the scale-down at the end of the surplus goes no lower, so a load that swings below
 *     the replica count does not lose capacity it needs again a tick later
 */
public record ScalerState(long surplusSinceNanos, int peakNeeded) {
  public static final long NO_SURPLUS = Long.MIN_VALUE;
  public static final ScalerState INITIAL = new ScalerState(NO_SURPLUS, 0);

  public boolean hasSurplus() {
    return surplusSinceNanos != NO_SURPLUS;
  }
}
