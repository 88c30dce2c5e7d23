package io.zeroserve.scheduler.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.scheduler.sim.Workload.Policy;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The policy comparison at a scale that runs in verify (10 nodes, 1,000 functions, 3 simulated
 * minutes). Both of the targets are asserted: "p99 <= 0.5 x the best baseline's on
 * skewed+pressure", on the median of three seeds (0.49 / 0.25 / 0.30 on these short runs; 0.21-0.51
 * on six seeds in steady state, bench/RESULTS-scheduler.md), with the worst at most 0.55 (seed 1 sits
 * at 0.49-0.51 as unrelated changes move it; the second round's policy had 0.57) and the mean below
 * 0.8x every baseline's; and "no worse than join-shortest-queue on a uniform workload". Runs are
 * deterministic, so these are regression checks, not luck; and every policy serves every request of
 * the same arrival sequence.
 */
class SimulationComparisonTest {

  private static final long S = Workload.S;
  /** Seed 1 is the hardest of the six steady-state seeds in bench/RESULTS-scheduler.md. */
  private static final long[] SKEWED_SEEDS = {1, 2, 3};

  @Test
  void when_sameSeed_then_sameFigures() {
    Workload w = Workload.uniform(4, 20, 0.3, 10 * S, 20 * S, 7);
    assertEquals(w.run(Policy.LERT), w.run(Policy.LERT));
    assertEquals(w.run(Policy.POWER_OF_TWO), w.run(Policy.POWER_OF_TWO));
  }

  @Test
  void when_skewedWithMemoryPressure_then_lertP99IsAtMostHalfTheBestBaselinesOnTheMedianSeed() {
    double[] p99Ratios = new double[SKEWED_SEEDS.length];
    for (int i = 0; i < SKEWED_SEEDS.length; i++) {
      Workload w = Workload.skewed(10, 1000, 0.3, 60 * S, 120 * S, SKEWED_SEEDS[i]);
      Map<Policy, Metrics.Summary> results = new EnumMap<>(Policy.class);
      for (Policy p : Policy.values()) {
        results.put(p, w.run(p));
        System.out.println("seed " + SKEWED_SEEDS[i] + " " + results.get(p).row());
      }
      Metrics.Summary lert = results.get(Policy.LERT);
      assertTrue(lert.requests() > 10_000, "too few requests measured: " + lert.requests());
      double bestP99 = Double.MAX_VALUE;
      for (Policy p : Policy.values()) {
        Metrics.Summary s = results.get(p);
        assertEquals(lert.requests(), s.requests(), "every policy serves the same requests");
        assertTrue(s.evictions() > 0, s.policy() + " should evict under memory pressure");
        if (p != Policy.LERT) {
          bestP99 = Math.min(bestP99, s.p99Ms());
          assertTrue(lert.meanMs() < 0.8 * s.meanMs(), "seed " + SKEWED_SEEDS[i] + ": LERT mean " + lert.meanMs()
              + " ms vs " + p + " " + s.meanMs() + " ms");
        }
      }
      p99Ratios[i] = lert.p99Ms() / bestP99;
      System.out.println("seed " + SKEWED_SEEDS[i] + ": LERT p99 / best baseline's " + p99Ratios[i]);
    }
    double[] sorted = p99Ratios.clone();
    java.util.Arrays.sort(sorted);
    assertTrue(sorted[sorted.length / 2] <= 0.5, "median LERT p99 / best baseline's: " + Arrays.toString(p99Ratios));
    assertTrue(sorted[sorted.length - 1] <= 0.55, "worst LERT p99 / best baseline's: " + Arrays.toString(p99Ratios));
  }

  @Test
  void when_uniform_then_lertIsNoWorseThanJoinShortestQueue() {
    assertLertNoWorseThanJsqOnUniform();
  }

  private static void assertLertNoWorseThanJsqOnUniform() {
    Workload w = Workload.uniform(10, 50, 0.3, 60 * S, 120 * S, 1);
    Metrics.Summary lert = w.run(Policy.LERT);
    Metrics.Summary jsq = w.run(Policy.JSQ);
    System.out.println(lert.row());
    System.out.println(jsq.row());
    assertEquals(jsq.requests(), lert.requests());
    assertTrue(lert.meanMs() <= jsq.meanMs(), "LERT mean " + lert.meanMs() + " ms vs JSQ " + jsq.meanMs() + " ms");
    assertTrue(lert.p99Ms() <= jsq.p99Ms(), "LERT p99 " + lert.p99Ms() + " ms vs JSQ " + jsq.p99Ms() + " ms");
  }

  /**
   * As a node routes: other nodes' replicas as their node last published them (every 100 ms), for both
   * policies; LERT also counts its node's own forwards, as the host does.
   */
  @Test
  void when_uniformAndEveryNodeSeesTheDirectoryAsPublished_then_lertIsStillNoWorseThanJoinShortestQueue() {
    System.setProperty("directory.ms", "100");
    System.setProperty("forwards", "true");
    try {
      assertLertNoWorseThanJsqOnUniform();
    } finally {
      System.clearProperty("directory.ms");
      System.clearProperty("forwards");
    }
  }
}
