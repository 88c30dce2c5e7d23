package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RequestForecastTest {

  private static final double MINUTE = 60;

  @Test
  void aReplicaInTheMiddleOfABurst_isAlmostSureToBeAskedAgain() {
    assertEquals(1.0, RequestForecast.chanceWithin(5, 0.1, MINUTE), 1e-6);
    assertEquals(5.0, RequestForecast.expectedRate(5, 0), 1e-9, "its rate in use, while in use");
  }

  @Test
  void afterABurstEnds_theChanceFallsWithTheQuietSoFar() {
    // Five requests a second, then silence: after 10 minutes, a quiet spell that long again is expected.
    assertEquals(1 - Math.exp(-0.1), RequestForecast.chanceWithin(5, 600, MINUTE), 1e-9);
    assertEquals(1 - Math.exp(-MINUTE / 3600), RequestForecast.chanceWithin(5, 3600, MINUTE), 1e-9);
    assertEquals(1.0 / 600, RequestForecast.expectedRate(5, 600), 1e-9);
  }

  @Test
  void aGapThatIsUsualForTheReplica_isNotTakenAsTheEndOfItsBurst() {
    // One request every 100 s, idle for 20 s: as likely as ever to be asked within the minute (a quiet
    // spell after its burst lasts no less than its usual gap). The same 20 s after a burst of 5/s says
    // that burst is over, and a spell only 20 s long so far may well end within the minute.
    assertEquals(1 - Math.exp(-0.6), RequestForecast.chanceWithin(0.01, 20, MINUTE), 1e-9);
    assertEquals(1 - Math.exp(-3), RequestForecast.chanceWithin(5, 20, MINUTE), 1e-9);
    assertEquals(0.01, RequestForecast.expectedRate(0.01, 20), 1e-9, "its own rate, in or after the burst");
  }

  @Test
  void theLongerIdle_theLessLikely_whateverTheRate() {
    for (double rate : new double[] {0, 0.001, 0.1, 1, 50}) {
      double previous = 1;
      for (double idle = 30; idle <= 86_400; idle *= 2) {
        double chance = RequestForecast.chanceWithin(rate, idle, MINUTE);
        assertTrue(chance >= 0 && chance <= previous + 1e-12, rate + "/s idle " + idle + " s: " + chance);
        previous = chance;
      }
    }
  }

  @Test
  void aReplicaWithOneRequestSoFar_hasNoRate_andIsForecastFromItsIdleTimeAlone() {
    assertEquals(1 - Math.exp(-MINUTE / 120), RequestForecast.chanceWithin(0, 120, MINUTE), 1e-9);
    assertEquals(1 - Math.exp(-MINUTE), RequestForecast.chanceWithin(0, 0, MINUTE), 1e-9,
        "idle under a second counts as a second");
  }

  @Test
  void aBusyReplicasArrivals_areForecastFromItsLastArrival() {
    long now = 1_000_000_000_000L;
    ReplicaView steady = new ReplicaView("r", "a", "cpu", "f", 1, ReplicaView.Phase.READY, 3, 1, 1, 0, now, 2);
    assertEquals(2.0, steady.expectedRequestsPerSecond(now), 1e-9, "a request just came: its rate");
    // Still running what a burst of near-simultaneous requests left 30 s ago: that burst is over.
    ReplicaView afterBurst = new ReplicaView("r", "a", "cpu", "f", 1, ReplicaView.Phase.READY, 3, 1, 1, 0,
        now - 30_000_000_000L, 1e6);
    assertEquals(30, afterBurst.idleSeconds(now), 1e-9);
    assertEquals(1.0 / 30, afterBurst.expectedRequestsPerSecond(now), 1e-9);
  }

  @Test
  void aReplicaWithoutAMeasuredRate_addsNoArrivals() {
    assertEquals(0, RequestForecast.expectedRate(0, 0));
    assertEquals(0, RequestForecast.expectedRate(0, 30));
  }
}
