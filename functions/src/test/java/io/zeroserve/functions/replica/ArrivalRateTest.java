package io.zeroserve.functions.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The in-use rate a replica measures: one over its smoothed gap between arrivals. */
class ArrivalRateTest {

  private static final double MS = 1e6;
  private static final double S = 1e9;

  @Test
  void aLongPauseCountsAsTenMeanGaps_soTheNextBurstIsMeasuredAtItsOwnPace() {
    double mean = 2 * S; // a burst at one request every 2 s, then 10 minutes of quiet
    double afterPause = FunctionVerticle.nextMeanGap(mean, 600 * S);
    assertEquals(0.8 * 2 * S + 0.2 * 20 * S, afterPause, 1);
    double uncapped = 0.8 * 2 * S + 0.2 * 600 * S;
    assertTrue(afterPause < uncapped / 5, "the pause would have made the rate look 0.008/s");
  }

  @Test
  void burstsOfParallelRequests_doNotPinTheRateAtTheirMicrosecondGaps() {
    // Eight requests 5 us apart, once a second: 8 a second on average. Gaps under a second are never
    // capped, so the second-long gap between bursts keeps the mean in seconds' range.
    double mean = 0.005 * MS;
    for (int burst = 0; burst < 200; burst++) {
      mean = FunctionVerticle.nextMeanGap(mean, S); // to the next burst
      for (int i = 0; i < 7; i++) {
        mean = FunctionVerticle.nextMeanGap(mean, 0.005 * MS);
      }
    }
    double rateAfterBurst = S / mean; // the highest it reports
    assertTrue(rateAfterBurst < 100, "just after a burst: " + rateAfterBurst + " requests/s");
  }

  @Test
  void theFirstGapIsTheMean() {
    assertEquals(3 * S, FunctionVerticle.nextMeanGap(0, 3 * S));
  }
}
