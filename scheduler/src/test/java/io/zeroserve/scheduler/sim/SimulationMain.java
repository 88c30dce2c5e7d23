package io.zeroserve.scheduler.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the policy comparison and prints a markdown table per workload. Options are system properties:
 * {@code -Dnodes=100 -Dfunctions=10000 -Duniform.functions=500 -Dutilization=0.3 -Dwarmup=600
 * -Dmeasure=1800} (seconds of simulated time) {@code -Dseed=1 -Dworkloads=skewed,uniform
 * -Dbaselines=ROUND_ROBIN,RANDOM,JSQ,POWER_OF_TWO}; {@code -Dtail=true -Dtail.functions=25} adds where the
 * slow requests' time went ({@link TailReport}), {@code -Dtrace.fn=f12} prints LERT's decisions that
 * start a replica of that function with every option weighed.
 *
 * <pre>
 * ./mvnw -q -pl scheduler test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.zeroserve.scheduler.sim.SimulationMain -Dnodes=100
 * </pre>
 */
public final class SimulationMain {

  private SimulationMain() {}

  public static void main(String[] args) {
    int nodes = Integer.getInteger("nodes", 100);
    int functions = Integer.getInteger("functions", 100 * nodes);
    int uniformFunctions = Integer.getInteger("uniform.functions", 5 * nodes);
    double utilization = Double.parseDouble(System.getProperty("utilization", "0.3"));
    long warmup = Long.getLong("warmup", 600) * Workload.S;
    long measure = Long.getLong("measure", 1800) * Workload.S;
    long seed = Long.getLong("seed", 1);
    List<String> which = List.of(System.getProperty("workloads", "skewed,uniform").split(","));
    List<String> baselines = List.of(System.getProperty("baselines", "ROUND_ROBIN,RANDOM,JSQ,POWER_OF_TWO").split(","));
    List<Workload> workloads = new ArrayList<>();
    if (which.contains("skewed")) {
      workloads.add(Workload.skewed(nodes, functions, utilization, warmup, measure, seed));
    }
    if (which.contains("uniform")) {
      workloads.add(Workload.uniform(nodes, uniformFunctions, utilization, warmup, measure, seed));
    }
    for (Workload w : workloads) {
      System.out.printf(Locale.ROOT, "%n### %s: %d nodes, %d functions, utilization %.2f, warm-up %d s, measured %d s, "
          + "seed %d%n%n", w.name(), w.nodes(), w.functions(), w.utilization(), w.warmupNanos() / Workload.S,
          w.measureNanos() / Workload.S, w.seed());
      List<Workload.Result> results = new ArrayList<>();
      for (Workload.Policy p : Workload.Policy.values()) {
        if (p != Workload.Policy.LERT && !baselines.contains(p.name())) {
          continue;
        }
        long t0 = System.nanoTime();
        Workload.Result r = w.simulate(p);
        results.add(r);
        System.err.printf(Locale.ROOT, "  %s: %.1f s wall, %d events%s%n", r.summary().policy(),
            (System.nanoTime() - t0) / 1e9, r.events(), p == Workload.Policy.LERT
                ? ", " + r.lertBuilds() + " snapshot builds, " + r.lertStaleRetries() + " stale retries" : "");
      }
      System.out.println(results.get(0).shape().describe());
      System.out.println();
      System.out.println(Metrics.Summary.header());
      for (Workload.Result r : results) {
        System.out.println(r.summary().row());
      }
      Metrics.Summary lert = results.get(0).summary();
      Metrics.Summary bestP99 = results.subList(1, results.size()).stream().map(Workload.Result::summary)
          .min((a, b) -> Double.compare(a.p99Ms(), b.p99Ms())).orElseThrow();
      System.out.printf(Locale.ROOT, "%nLERT p99 / best baseline p99 (%s): %.3f; LERT mean / best baseline mean: %.3f%n",
          bestP99.policy(), lert.p99Ms() / bestP99.p99Ms(), lert.meanMs() / results.subList(1, results.size())
              .stream().mapToDouble(r -> r.summary().meanMs()).min().orElseThrow());
      double floor = results.get(0).metrics().p99FloorMs();
      System.out.printf(Locale.ROOT, "p99 floor (each request's service time on the fastest device it may use, no "
          + "wait): %.2f ms = %.3f x the best baseline's p99%n", floor, floor / bestP99.p99Ms());
      if (Boolean.getBoolean("tail")) { // what the requests slower than half the best baseline's p99 waited for
        System.out.println("\nLERT's replica starts in the window, by why: " + results.get(0).startReasons());
        for (Workload.Result r : results) {
          TailReport tail = r.metrics().tail;
          System.out.println(r.summary().policy() + " " + tail.summary(bestP99.p99Ms() / 2));
          System.out.print(tail.byFunction(bestP99.p99Ms() / 2, Integer.getInteger("tail.functions", 0), r::describe));
        }
      }
    }
  }
}
