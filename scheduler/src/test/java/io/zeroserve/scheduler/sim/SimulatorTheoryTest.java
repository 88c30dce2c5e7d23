package io.zeroserve.scheduler.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.NetworkModel;
import io.zeroserve.scheduler.sim.BaselineRouter.Rule;
import io.zeroserve.scheduler.sim.SimCluster.Function;
import io.zeroserve.scheduler.sim.SimCluster.Replica;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The simulator against queueing theory, through the same engine, servers and routers the policy
 * comparison uses: N single-lane servers (replicas of one function, already loaded, no scaling, no
 * network cost), Poisson arrivals at rate {@code load * N}, exponential service of mean 1 (one second).
 *
 * <ul>
 *   <li>M/M/1 at load 0.5: mean time in system 1 / (1 - 0.5) = 2.</li>
 *   <li>Random routing over N servers at 0.9: N independent M/M/1 queues, mean 1 / (1 - 0.9) = 10.</li>
 *   <li>Power of two choices (the supermarket model) at 0.9: the mean-field mean time in system is
 *       {@code sum_{i>=1} lambda^(2^i - 2)} = 2.6126 (Mitzenmacher 2001); N = 1,000 is within a
 *       fraction of a percent of it.</li>
 * </ul>
 * Queues at 0.5 and 0.9 with random routing start in their stationary state (geometric lengths), since
 * an M/M/1 queue at 0.9 takes hundreds of service times to warm up from empty; the supermarket model
 * relaxes within a few service times and starts empty, with 50 s of warm-up.
 */
class SimulatorTheoryTest {

  private static final long S = 1_000_000_000L;

  @Test
  void when_mm1AtLoadHalf_then_meanTimeInSystemIsTwo() {
    double mean = supermarket(1, 0.5, Rule.RANDOM, true, 0, 400_000 * S, 1);
    assertEquals(2.0, mean, 2.0 * 0.03, "M/M/1 at 0.5");
  }

  @Test
  void when_randomRoutingAtLoad09_then_meanTimeInSystemIsTen() {
    double mean = supermarket(1000, 0.9, Rule.RANDOM, true, 0, 1000 * S, 2);
    assertEquals(10.0, mean, 10.0 * 0.05, "random routing at 0.9");
  }

  @Test
  void when_powerOfTwoChoicesAtLoad09_then_meanTimeInSystemIs261() {
    double mean = supermarket(1000, 0.9, Rule.POWER_OF_TWO, false, 50 * S, 550 * S, 3);
    assertEquals(2.61, mean, 2.61 * 0.05, "power of two choices at 0.9");
  }

  /** Mean time in system, in service times, of requests arriving in {@code [warmup, end)}. */
  static double supermarket(int servers, double load, Rule rule, boolean stationaryStart, long warmup, long end,
                            long seed) {
    Simulation sim = new Simulation();
    SplittableRandom rnd = new SplittableRandom(seed);
    SimCluster c = new SimCluster(sim, rnd, warmup, end);
    c.network = new NetworkModel(0, 0);
    c.router = new BaselineRouter(rule, 1, false);
    FunctionProfile profile = new FunctionProfile("f", 1, 0, 1, DeviceRequirement.CPU, servers, 1, S);
    Function f = c.addFunction(profile, Double.NaN, S, -1, Double.NaN, 1, 0);
    List<Replica> replicas = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      SimCluster.Node n = c.addNode();
      replicas.add(c.startReplica(f, c.addDevice(n, "cpu", DeviceKind.CPU, 1L << 40, 1, 1), List.of()));
    }
    sim.runUntil(1000); // the loads (1 ns each) finish
    if (stationaryStart) {
      for (Replica r : replicas) {
        for (int k = Dist.geometric(rnd, load); k > 0; k--) {
          c.enqueue(r, new SimCluster.Request(f, r.device.node, sim.now(), false));
        }
      }
    }
    double meanGap = S / (load * servers);
    SimCluster.Node receiver = c.nodes.get(0);
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      long now = sim.now();
      c.arrive(new SimCluster.Request(f, receiver, now, c.metrics.inWindow(now)));
      long at = now + Dist.exp(rnd, meanGap);
      if (at < end) {
        sim.at(at, next[0]);
      }
    };
    sim.at(sim.now() + Dist.exp(rnd, meanGap), next[0]);
    sim.runUntil(Long.MAX_VALUE);
    double mean = c.metrics.summary(rule.name()).meanMs() * 1e6 / S;
    System.out.printf(java.util.Locale.ROOT, "theory check: %d servers, load %.2f, %s: mean time in system %.4f "
        + "(%d requests, %d events)%n", servers, load, rule, mean, c.metrics.summary(rule.name()).requests(),
        sim.eventsProcessed());
    return mean;
  }
}
