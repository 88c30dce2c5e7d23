package io.zeroserve.scheduler;

/**
 * The scaling policy's memory between decisions, handed back by the caller each time.
 *
 * @param surplusSinceNanos since when more replicas have been up than the load needs, or
 *     {@link #NO_SURPLUS}; capacity is only removed after a full idle timeout of surplus
 */
public record ScalerState(long surplusSinceNanos) {
  public static final long NO_SURPLUS = Long.MIN_VALUE;
  public static final ScalerState INITIAL = new ScalerState(NO_SURPLUS);

  public boolean hasSurplus() {
    return surplusSinceNanos != NO_SURPLUS;
  }
}
