package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ScalingPolicy} over tables of snapshots: each case is one {@link ScalingContext} and the
 * decision it must give. Time is simulated nanoseconds; nothing here reads a clock or sleeps.
 *
 * <p>Unless a case says otherwise: minReplicas 0, maxReplicas 4, targetConcurrency 4, idleTimeout 10 s.
 */
class ScalingPolicyTest {

  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  /** An arbitrary, negative "now": {@link System#nanoTime()} may be anywhere on the long line. */
  private static final long NOW = -123_456_789_000L;
  private static final long IDLE = 10 * S;

  private final ScalingPolicy policy = new ScalingPolicy();

  /** One row of a table: a snapshot and the decision it must give. */
  record Case(String name, ScalingContext ctx, int target, ScalerState next) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A snapshot with the default bounds. */
  private static Ctx at(long now) {
    return new Ctx(now);
  }

  /** Builds a {@link ScalingContext} row by row, defaults from the class comment. */
  private static final class Ctx {
    final long now;
    int replicas;
    int outstanding;
    long lastRequest;
    int min = 0;
    int max = 4;
    int target = 4;
    long idle = IDLE;
    ScalerState state = ScalerState.INITIAL;

    Ctx(long now) {
      this.now = now;
      this.lastRequest = now;
    }

    Ctx replicas(int n) {
      replicas = n;
      return this;
    }

    Ctx outstanding(int n) {
      outstanding = n;
      return this;
    }

    Ctx lastRequest(long nanos) {
      lastRequest = nanos;
      return this;
    }

    Ctx min(int n) {
      min = n;
      return this;
    }

    Ctx max(int n) {
      max = n;
      return this;
    }

    Ctx targetConcurrency(int n) {
      target = n;
      return this;
    }

    Ctx state(ScalerState s) {
      state = s;
      return this;
    }

    ScalingContext build() {
      return new ScalingContext(now, replicas, outstanding, lastRequest, min, max, target, idle, state);
    }
  }

  private static Case row(String name, Ctx ctx, int target, ScalerState next) {
    return new Case(name, ctx.build(), target, next);
  }

  private static ScalerState surplus(long since, int peakNeeded) {
    return new ScalerState(since, peakNeeded);
  }

  // ---- scale up -------------------------------------------------------------------------------

  static Stream<Case> scaleUp() {
    return Stream.of(
        row("when_outstandingExceedsTargetTimesReplicas_then_scalesUp",
            at(NOW).replicas(1).outstanding(5), 2, ScalerState.INITIAL),
        row("when_outstandingEqualsTargetTimesReplicas_then_keepsReplicas",
            at(NOW).replicas(2).outstanding(8), 2, ScalerState.INITIAL),
        row("when_firstRequestWaitsAtZeroReplicas_then_scalesToOne",
            at(NOW).replicas(0).outstanding(1), 1, ScalerState.INITIAL),
        row("when_burstArrivesAtZeroReplicas_then_scalesToAllItNeedsAtOnce",
            at(NOW).replicas(0).outstanding(9), 3, ScalerState.INITIAL),
        row("when_demandExceedsMaxReplicas_then_capsAtMaxReplicas",
            at(NOW).replicas(2).outstanding(1_000), 4, ScalerState.INITIAL),
        row("when_targetConcurrencyIsOne_then_addsAReplicaPerOutstandingRequest",
            at(NOW).replicas(1).outstanding(3).targetConcurrency(1), 3, ScalerState.INITIAL),
        row("when_loadRisesDuringSurplus_then_scalesUpAndForgetsSurplus",
            at(NOW).replicas(2).outstanding(12).state(surplus(NOW - 9 * S, 1)), 3, ScalerState.INITIAL),
        row("when_loadMatchesReplicasDuringSurplus_then_surplusEnds",
            at(NOW).replicas(2).outstanding(8).state(surplus(NOW - 9 * S, 1)), 2, ScalerState.INITIAL),
        row("when_outstandingNearIntMax_then_capsWithoutOverflow",
            at(NOW).replicas(1).outstanding(Integer.MAX_VALUE).targetConcurrency(1), 4, ScalerState.INITIAL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scaleUp")
  void scalesUpAtOnceToWhatTheOutstandingRequestsNeed(Case c) {
    assertDecision(c);
  }

  // ---- minReplicas and maxReplicas as bounds ---------------------------------------------------

  static Stream<Case> bounds() {
    return Stream.of(
        row("when_minReplicasAboveReplicas_then_scalesUpWithoutAnyRequest",
            at(NOW).replicas(0).min(1).lastRequest(NOW - 3600 * S), 1, ScalerState.INITIAL),
        row("when_minReplicasAboveReplicasUnderLoad_then_takesTheLargerOfMinAndNeeded",
            at(NOW).replicas(0).min(2).outstanding(1), 2, ScalerState.INITIAL),
        row("when_idleWithMinReplicas_then_keepsMinReplicas",
            at(NOW).replicas(3).min(1).lastRequest(NOW - IDLE), 1, ScalerState.INITIAL),
        row("when_idleAtMinReplicas_then_staysAtMinReplicas",
            at(NOW).replicas(1).min(1).lastRequest(NOW - 3600 * S), 1, ScalerState.INITIAL),
        // maxReplicas is a limit the operator set, not a load signal: replicas above it are removed
        // now, not after an idle timeout, even while every replica is busy.
        row("when_replicasAboveMaxReplicas_then_scalesDownToMaxAtOnce",
            at(NOW).replicas(4).max(2).outstanding(1_000), 2, ScalerState.INITIAL),
        row("when_replicasAboveMaxReplicasAndLoadNeedsLess_then_scalesToMaxAndStartsSurplus",
            at(NOW).replicas(4).max(2).outstanding(1), 2, surplus(NOW, 1)),
        row("when_minEqualsMax_then_holdsThatCountWhateverTheLoad",
            at(NOW).replicas(2).min(2).max(2).outstanding(100), 2, ScalerState.INITIAL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bounds")
  void keepsReplicasWithinMinAndMax(Case c) {
    assertDecision(c);
  }

  // ---- idle: scale to zero (or to minReplicas) ------------------------------------------------

  static Stream<Case> idle() {
    return Stream.of(
        row("when_noRequestForIdleTimeout_then_scalesToMin",
            at(NOW).replicas(1).lastRequest(NOW - IDLE), 0, ScalerState.INITIAL),
        row("when_noRequestForLongerThanIdleTimeout_then_scalesToZeroFromManyReplicas",
            at(NOW).replicas(4).lastRequest(NOW - 3 * IDLE), 0, ScalerState.INITIAL),
        row("when_noRequestForIdleTimeoutDuringSurplus_then_scalesToMinAndForgetsSurplus",
            at(NOW).replicas(2).lastRequest(NOW - IDLE).state(surplus(NOW - 2 * S, 1)), 0, ScalerState.INITIAL),
        row("when_lastRequestJustUnderIdleTimeout_then_keepsReplicaAndStartsSurplus",
            at(NOW).replicas(1).lastRequest(NOW - IDLE + 1), 1, surplus(NOW, 0)),
        row("when_requestStillOutstandingAfterIdleTimeout_then_keepsReplica",
            at(NOW).replicas(1).outstanding(1).lastRequest(NOW - 3 * IDLE), 1, ScalerState.INITIAL),
        row("when_zeroReplicasAndNoTraffic_then_staysAtZero",
            at(NOW).replicas(0), 0, ScalerState.INITIAL),
        row("when_zeroReplicasLongIdle_then_staysAtZero",
            at(NOW).replicas(0).lastRequest(NOW - 3600 * S), 0, ScalerState.INITIAL),
        row("when_clockCrossesLongMaxValue_then_stillMeasuresIdleTime",
            at(Long.MIN_VALUE + 5 * S).replicas(1).lastRequest(Long.MAX_VALUE - 5 * S), 0, ScalerState.INITIAL),
        row("when_clockCrossesLongMaxValueWithinIdleTimeout_then_keepsReplica",
            at(Long.MIN_VALUE + 2 * S).replicas(1).outstanding(1).lastRequest(Long.MAX_VALUE - 2 * S), 1,
            ScalerState.INITIAL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("idle")
  void scalesToMinOnlyAfterAFullIdleTimeoutWithoutRequests(Case c) {
    assertDecision(c);
  }

  // ---- surplus: scale down, but only after a whole idle timeout of it -------------------------

  static Stream<Case> surplus() {
    return Stream.of(
        row("when_surplusBegins_then_keepsReplicasAndRecordsWhen",
            at(NOW).replicas(3).outstanding(4), 3, surplus(NOW, 1)),
        row("when_surplusShorterThanIdleTimeout_then_keepsReplicas",
            at(NOW).replicas(3).outstanding(4).state(surplus(NOW - 5 * S, 1)), 3, surplus(NOW - 5 * S, 1)),
        row("when_surplusOneNanosecondShortOfIdleTimeout_then_keepsReplicas",
            at(NOW).replicas(3).outstanding(4).state(surplus(NOW - IDLE + 1, 1)), 3, surplus(NOW - IDLE + 1, 1)),
        row("when_surplusLastedIdleTimeout_then_scalesDownToNeeded",
            at(NOW).replicas(3).outstanding(4).state(surplus(NOW - IDLE, 1)), 1, ScalerState.INITIAL),
        row("when_surplusLastedIdleTimeoutWithNothingOutstanding_then_keepsOneForRecentTraffic",
            at(NOW).replicas(3).lastRequest(NOW - S).state(surplus(NOW - IDLE, 0)), 1, ScalerState.INITIAL),
        row("when_surplusLastedIdleTimeoutAboveMinReplicas_then_scalesDownToMin",
            at(NOW).replicas(4).min(2).lastRequest(NOW - S).state(surplus(NOW - IDLE, 2)), 2, ScalerState.INITIAL),
        // The load swung between needing 1 and 2 replicas during the window; the window ends on a dip.
        // Scaling to the dip would cost a cold start at the next swing, which is what waiting a whole
        // idle timeout is for: scale down to the most the window needed.
        row("when_surplusLastedIdleTimeoutButLoadPeakedHigher_then_scalesDownToPeak",
            at(NOW).replicas(3).outstanding(1).state(surplus(NOW - IDLE, 2)), 2, ScalerState.INITIAL),
        row("when_loadRisesWithinSurplus_then_keepsReplicasAndRemembersPeak",
            at(NOW).replicas(3).outstanding(8).state(surplus(NOW - 5 * S, 1)), 3, surplus(NOW - 5 * S, 2)),
        row("when_loadFallsWithinSurplus_then_keepsEarlierPeak",
            at(NOW).replicas(3).outstanding(1).state(surplus(NOW - 5 * S, 2)), 3, surplus(NOW - 5 * S, 2)),
        row("when_surplusStartedBeforeClockCrossedLongMax_then_measuresItsLength",
            at(Long.MIN_VALUE + 5 * S).replicas(3).outstanding(4).state(surplus(Long.MAX_VALUE - 5 * S, 1)), 1,
            ScalerState.INITIAL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("surplus")
  void scalesDownOnlyAfterSurplusLastedAnIdleTimeout(Case c) {
    assertDecision(c);
  }

  /** A bursty load: replayed tick by tick through the policy, the state handed back each time. */
  @Test
  void when_burstsRecurWithinIdleTimeout_then_neverScalesBelowTheBurstLevel() {
    ScalerState state = ScalerState.INITIAL;
    int replicas = 0;
    long t = NOW;
    long lastRequest = t;
    int lowest = Integer.MAX_VALUE;
    for (int tick = 0; tick < 600; tick++, t += 100 * MS) { // 60 s of 100 ms ticks
      boolean burst = tick % 30 < 3; // 300 ms of 12 outstanding every 3 s
      int outstanding = burst ? 12 : 0;
      if (burst) {
        lastRequest = t;
      }
      ScaleDecision d = policy.decide(new ScalingContext(t, replicas, outstanding, lastRequest, 0, 4, 4, IDLE, state));
      state = d.next();
      replicas = d.target();
      if (tick >= 3) {
        lowest = Math.min(lowest, replicas);
      }
    }
    assertEquals(3, lowest, "replicas between bursts after the first burst");
  }

  /**
   * After a burst to 3 replicas, the load swings every tick between needing 2 replicas and needing 1
   * for a minute: the policy must settle on 2 once, not scale to a dip and pay a cold start back.
   */
  @Test
  void when_loadSwingsBelowReplicas_then_scalesDownOnceToItsPeakWithoutFlapping() {
    ScalerState state = ScalerState.INITIAL;
    int replicas = 3;
    int scaleUps = 0;
    int scaleDowns = 0;
    for (int tick = 0; tick < 600; tick++) {
      long t = NOW + tick * 100 * MS;
      int outstanding = tick % 2 == 0 ? 1 : 8; // the window opens, and so ends, on a dip
      ScaleDecision d = policy.decide(new ScalingContext(t, replicas, outstanding, t, 0, 4, 4, IDLE, state));
      state = d.next();
      scaleUps += d.target() > replicas ? 1 : 0;
      scaleDowns += d.target() < replicas ? 1 : 0;
      replicas = d.target();
    }
    assertEquals(2, replicas, "replicas at the end");
    assertEquals(1, scaleDowns, "scale-downs");
    assertEquals(0, scaleUps, "scale-ups, each a cold start");
  }

  @Test
  void when_loadStops_then_scalesToZeroOneIdleTimeoutAfterTheLastRequest() {
    ScalerState state = ScalerState.INITIAL;
    int replicas = 2;
    long lastRequest = NOW;
    long zeroAt = 0;
    for (long t = NOW; t <= NOW + 2 * IDLE; t += 100 * MS) {
      ScaleDecision d = policy.decide(new ScalingContext(t, replicas, 0, lastRequest, 0, 4, 4, IDLE, state));
      state = d.next();
      if (d.target() == 0 && replicas > 0) {
        zeroAt = t;
      }
      replicas = d.target();
    }
    assertEquals(0, replicas);
    assertEquals(NOW + IDLE, zeroAt, "scaled to zero exactly one idle timeout after the last request");
  }

  @Test
  void when_contextIsInvalid_then_rejectsItNamingTheRule() {
    assertThrows(IllegalArgumentException.class,
        () -> new ScalingContext(NOW, -1, 0, NOW, 0, 4, 4, IDLE, ScalerState.INITIAL));
    assertThrows(IllegalArgumentException.class,
        () -> new ScalingContext(NOW, 0, 0, NOW, 3, 2, 4, IDLE, ScalerState.INITIAL));
    assertThrows(IllegalArgumentException.class,
        () -> new ScalingContext(NOW, 0, 0, NOW, 0, 4, 0, IDLE, ScalerState.INITIAL));
    assertThrows(IllegalArgumentException.class,
        () -> new ScalingContext(NOW, 0, 0, NOW, 0, 4, 4, 0, ScalerState.INITIAL));
    assertThrows(IllegalArgumentException.class, () -> new ScalingContext(NOW, 0, 0, NOW, 0, 4, 4, IDLE, null));
  }

  private void assertDecision(Case c) {
    ScaleDecision d = policy.decide(c.ctx());
    assertEquals(c.target(), d.target(), () -> c.name() + ": target for " + c.ctx());
    assertEquals(c.next(), d.next(), () -> c.name() + ": next state for " + c.ctx());
  }

  @org.junit.jupiter.api.Test
  void when_replicaLoading_then_holdsScaleUpUntilItIsReady() {
    long now = 1_000_000_000L;
    ScalingContext coldStart = new ScalingContext(now, 1, 1, 200, now, 0, 4, 4, 60_000_000_000L, ScalerState.INITIAL);
    org.junit.jupiter.api.Assertions.assertEquals(1, new ScalingPolicy().decide(coldStart).target());
    ScalingContext loaded = new ScalingContext(now, 1, 0, 200, now, 0, 4, 4, 60_000_000_000L, ScalerState.INITIAL);
    org.junit.jupiter.api.Assertions.assertEquals(4, new ScalingPolicy().decide(loaded).target());
  }

  @Test
  void decideScaleIn_neverAddsReplicasButKeepsMinReplicas() {
    ScalingPolicy policy = new ScalingPolicy();
    // 40 outstanding on 2 replicas would ask for 10: placement adds them, not this.
    ScalingContext busy = new ScalingContext(0, 2, 40, 0, 0, 16, 4, 60_000_000_000L, ScalerState.INITIAL);
    assertEquals(10, policy.decide(busy).target());
    assertEquals(2, policy.decideScaleIn(busy).target());
    // Below minReplicas it brings the version up.
    ScalingContext belowMin = new ScalingContext(0, 0, 0, 0, 2, 16, 4, 60_000_000_000L, ScalerState.INITIAL);
    assertEquals(2, policy.decideScaleIn(belowMin).target());
    // Idle past the timeout: down to minReplicas, as decide says.
    ScalingContext idle = new ScalingContext(120_000_000_000L, 3, 0, 0, 1, 16, 4, 60_000_000_000L, ScalerState.INITIAL);
    assertEquals(policy.decide(idle), policy.decideScaleIn(idle));
  }
}
