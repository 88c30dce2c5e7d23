package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zeroserve.scheduler.BatchPolicy.BatchDecision;
import io.zeroserve.scheduler.BatchPolicy.DispatchNow;
import io.zeroserve.scheduler.BatchPolicy.Idle;
import io.zeroserve.scheduler.BatchPolicy.WaitUntil;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link BatchPolicy} over tables of queue snapshots: the rows of each queued request (oldest
 * first), when the oldest arrived, the clock, and the batching settings, against the decision they
 * must give. Time is simulated nanoseconds.
 */
class BatchPolicyTest {

  private static final long MS = 1_000_000L;
  /** An arbitrary, negative clock: {@link System#nanoTime()} may be anywhere on the long line. */
  private static final long T0 = -987_654_321_000L;
  private static final long DELAY = 20 * MS;

  private final BatchPolicy policy = new BatchPolicy();

  /** A queue snapshot and the decision it must give. */
  record Case(String name, long[] rows, int count, long oldestArrivalNanos, long nowNanos, int maxBatchSize,
              long maxQueueDelayNanos, BatchDecision expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A case whose queue holds exactly {@code rows}. */
  private static Case row(String name, long[] rows, long waitedNanos, int maxBatchSize, long delayNanos,
                          BatchDecision expected) {
    return new Case(name, rows, rows.length, T0, T0 + waitedNanos, maxBatchSize, delayNanos, expected);
  }

  private static long[] rows(long... rows) {
    return rows;
  }

  private static DispatchNow dispatch(int requests, long rows) {
    return new DispatchNow(requests, rows);
  }

  static Stream<Case> cases() {
    return Stream.of(
        row("when_queueEmpty_then_idle",
            rows(), 0, 16, DELAY, new Idle()),
        row("when_queueEmptyLongAfterLastArrival_then_idle",
            rows(), 10 * DELAY, 16, DELAY, new Idle()),

        // Full batches go at once.
        row("when_queueFull_then_dispatchesNow",
            rows(4, 4, 4, 4), 0, 16, DELAY, dispatch(4, 16)),
        row("when_oneRequestFillsBatchExactly_then_dispatchesNow",
            rows(16), 0, 16, DELAY, dispatch(1, 16)),
        row("when_queueHoldsMoreThanFits_then_dispatchesThoseThatFitNow",
            rows(8, 8, 1, 1), 0, 16, DELAY, dispatch(2, 16)),
        // Waiting cannot make a batch better when the next request in line does not fit in it.
        row("when_nextRequestDoesNotFit_then_dispatchesWithoutWaiting",
            rows(10, 10), 0, 16, DELAY, dispatch(1, 10)),
        row("when_smallerRequestWaitsBehindOneThatDoesNotFit_then_keepsArrivalOrder",
            rows(10, 10, 1), 0, 16, DELAY, dispatch(1, 10)),

        // Partial batches wait for the oldest request's delay, and no longer.
        row("when_oldestWaitedLessThanMaxDelay_then_waitsUntilItsDelayEnds",
            rows(1, 2, 3), DELAY - 1, 16, DELAY, new WaitUntil(T0 + DELAY)),
        row("when_oneSmallRequestJustArrived_then_waitsUntilItsDelayEnds",
            rows(1), 0, 16, DELAY, new WaitUntil(T0 + DELAY)),
        row("when_oldestWaitedMaxDelay_then_dispatchesPartialBatch",
            rows(1, 2, 3, 5), DELAY, 16, DELAY, dispatch(4, 11)),
        row("when_oldestWaitedLongerThanMaxDelay_then_dispatchesPartialBatch",
            rows(1, 2), 5 * DELAY, 16, DELAY, dispatch(2, 3)),
        row("when_maxQueueDelayZero_then_dispatchesWhatIsQueuedAtOnce",
            rows(1, 2), 0, 16, 0, dispatch(2, 3)),

        // Batching off.
        row("when_batchingOff_then_dispatchesOne",
            rows(1, 1, 1), 0, 1, DELAY, dispatch(1, 1)),
        row("when_batchingOffAndOneRequestQueued_then_dispatchesItWithoutWaiting",
            rows(1), 0, 1, DELAY, dispatch(1, 1)),
        row("when_batchingOffAndFirstRequestHasManyRows_then_dispatchesItAlone",
            rows(5, 1), 0, 1, DELAY, dispatch(1, 5)),

        // Requests larger than a batch are never split or refused: they run alone.
        row("when_firstRequestLargerThanMaxBatchSize_then_dispatchesAlone",
            rows(20, 1, 1), 0, 16, DELAY, dispatch(1, 20)),
        row("when_onlyRequestLargerThanMaxBatchSize_then_dispatchesAtOnce",
            rows(20), 0, 16, DELAY, dispatch(1, 20)),
        row("when_largeRequestQueuedBehindSmallOnes_then_smallOnesGoFirstWithoutWaiting",
            rows(1, 2, 20), 0, 16, DELAY, dispatch(2, 3)),

        // The clock is read only as differences, so it may wrap.
        new Case("when_delayEndsPastLongMaxValue_then_waitsUntilTheWrappedInstant",
            rows(1), 1, Long.MAX_VALUE - MS, Long.MAX_VALUE - MS, 16, DELAY,
            new WaitUntil(Long.MAX_VALUE - MS + DELAY)),
        new Case("when_clockCrossedLongMaxValueWhileWaiting_then_dispatches",
            rows(1), 1, Long.MAX_VALUE - MS, Long.MAX_VALUE - MS + DELAY, 16, DELAY, dispatch(1, 1)),

        // Only the first count entries are queued requests; the rest of the array is scratch space.
        new Case("when_rowsArrayLongerThanCount_then_readsOnlyCount",
            rows(1, 2, 99, 99), 2, T0, T0, 16, DELAY, new WaitUntil(T0 + DELAY)),
        new Case("when_countIsZeroWithScratchRows_then_idle",
            rows(5, 5), 0, T0, T0, 16, DELAY, new Idle()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decidesFromTheQueueSnapshot(Case c) {
    BatchDecision d = policy.decide(c.rows(), c.count(), c.oldestArrivalNanos(), c.nowNanos(), c.maxBatchSize(),
        c.maxQueueDelayNanos());
    assertEquals(c.expected(), d, () -> c.name() + ": rows " + Arrays.toString(c.rows()) + " count " + c.count()
        + " waited " + (c.nowNanos() - c.oldestArrivalNanos()) + " ns, maxBatchSize " + c.maxBatchSize());
  }

  @org.junit.jupiter.api.Test
  void when_fewerThanOneArrivalExpectedWithinDelay_then_dispatchesAtOnce_elseWaits() {
    BatchPolicy policy = new BatchPolicy();
    long[] one = {1};
    org.junit.jupiter.api.Assertions.assertEquals(new BatchPolicy.DispatchNow(1, 1),
        policy.decide(one, 1, 0, 100, 32, 5_000_000, 0.3));
    org.junit.jupiter.api.Assertions.assertEquals(new BatchPolicy.WaitUntil(5_000_000),
        policy.decide(one, 1, 0, 100, 32, 5_000_000, 4.0));
  }
}
