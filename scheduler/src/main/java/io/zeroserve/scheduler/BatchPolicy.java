package io.zeroserve.scheduler;

/**
 * Decides when a replica runs the requests at the head of its queue as one batch: pure, with the
 * clock passed in, so it is tested with tables instead of wall-clock sleeps.
 *
 * <p>Requests are taken in arrival order while their rows fit in {@code maxBatchSize}; the first is
 * always taken, even when it alone is larger. The batch runs now when it is full, when the oldest
 * request has waited {@code maxQueueDelay}, or when batching is off; otherwise the replica waits
 * until the oldest request's delay runs out.
 */
public final class BatchPolicy {

  /** What to do now. */
  public sealed interface BatchDecision permits DispatchNow, WaitUntil, Idle {}

  /** Run the first {@code requests} queued requests, {@code rows} rows in all, as one batch. */
  public record DispatchNow(int requests, long rows) implements BatchDecision {}

  /** Nothing to run yet; look again at {@code nanos} or when a request arrives. */
  public record WaitUntil(long nanos) implements BatchDecision {}

  /** The queue is empty. */
  public record Idle() implements BatchDecision {}

  private static final Idle IDLE = new Idle();

  /**
   * @param rows rows (dimension 0) of each queued request, oldest first; only the first {@code count} are read
   * @param count queued requests
   * @param oldestArrivalNanos when the oldest queued request was queued
   * @param nowNanos the caller's clock
   * @param maxBatchSize rows per batch; 1 turns batching off
   * @param maxQueueDelayNanos how long the oldest request may wait for a batch to fill
   */
  public BatchDecision decide(long[] rows, int count, long oldestArrivalNanos, long nowNanos, int maxBatchSize,
                              long maxQueueDelayNanos) {
    return decide(rows, count, oldestArrivalNanos, nowNanos, maxBatchSize, maxQueueDelayNanos,
        Double.POSITIVE_INFINITY);
  }

  /**
   * As above, knowing the load: a batch that is not full waits for more requests only when at
   * least one more is expected within {@code maxQueueDelay}. At low load nobody else is coming, and
   * holding a lone request would add the whole delay to its latency for nothing.
   *
   * @param expectedArrivalsInDelay requests expected to arrive within one maxQueueDelay, from the
   *     recent arrival rate; infinity when unknown (then it always waits, as above)
   */
  public BatchDecision decide(long[] rows, int count, long oldestArrivalNanos, long nowNanos, int maxBatchSize,
                              long maxQueueDelayNanos, double expectedArrivalsInDelay) {
    if (count == 0) {
      return IDLE;
    }
    int taken = 1;
    long total = rows[0];
    while (taken < count && total + rows[taken] <= maxBatchSize) {
      total += rows[taken];
      taken++;
    }
    boolean full = total >= maxBatchSize || taken < count;
    long deadline = oldestArrivalNanos + maxQueueDelayNanos;
    if (maxBatchSize <= 1 || full || nowNanos - deadline >= 0 || expectedArrivalsInDelay < 1.0) {
      return new DispatchNow(taken, total);
    }
    return new WaitUntil(deadline);
  }
}
