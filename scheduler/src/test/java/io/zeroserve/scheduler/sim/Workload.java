package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.sim.BaselineRouter.Rule;
import io.zeroserve.scheduler.sim.SimCluster.Function;
import io.zeroserve.scheduler.sim.SimCluster.Node;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A cluster and a workload shaped like production serverless traces, and one run of one policy on it.
 *
 * <p>Cluster: {@code nodes} nodes, each with a CPU (memory {@code cpuMemory}, 8 lanes, a replica runs
 * 2 requests at once) and 0 to 8 GPUs, uniformly (memory {@code gpuMemory}, 2 lanes: two streams; a
 * replica runs 1 request at once).
 *
 * <p>Functions ({@code skewed}): model sizes log-normal (median {@code modelMedian}, sigma 1), a
 * replica reserving 1.5 x the model + 64 MiB; models over 2 GiB need a GPU, 15% of the rest are
 * CPU-only, the others run on either. GPU service time per function log-normal (median
 * {@code serviceMedian}, sigma 0.8), on a CPU 2-20 x slower (log-normal around 6 x); each request's
 * time is the function's mean times log-normal noise (sigma 0.5). Load: GPU 0.5 s + 1 s per GiB, CPU
 * 0.2 s + 0.67 s per GiB, times log-normal noise (sigma 0.3). Popularity Zipf (exponent {@code zipf})
 * over the functions in random order; arrivals of each function on/off modulated Poisson (on periods
 * of 60 s mean, off periods exponential too, the fraction of time on is {@code rate x 1 s} clamped to
 * [0.1, 1]: rare functions come in bursts, popular ones steadily, as in the Azure Functions traces).
 * The total rate is set so that the expected work fills {@code utilization} of all lanes.
 *
 * <p>Uniform ({@code !skewed}): every function the same (1 GiB model on either device, 50 ms on a GPU,
 * 300 ms on a CPU), the same rate, plain Poisson arrivals.
 */
record Workload(String name, boolean skewed, int nodes, int functions, double zipf, double utilization,
                long gpuMemory, long cpuMemory, long modelMedian, long serviceMedianNanos, int maxReplicas,
                long idleTimeoutNanos, long warmupNanos, long measureNanos, long seed) {

  static final long S = 1_000_000_000L;
  static final long MS = 1_000_000L;
  static final long GIB = 1L << 30;
  static final long MIB = 1L << 20;
  static final long KEEP_ALIVE = 10 * 60 * S;

  /**
   * maxReplicas of every skewed function ({@code -DmaxReplicas}): the busiest function's rate grows with
   * the cluster (it needs ~870 lanes at 1,000 nodes), so 64 leaves every policy overloaded there.
   */
  static final int MAX_REPLICAS = Integer.getInteger("maxReplicas", 64);

  enum Policy { LERT, ROUND_ROBIN, RANDOM, JSQ, POWER_OF_TWO }

  /** Skewed popularity, bursty, heterogeneous, with far more model memory than device memory. */
  static Workload skewed(int nodes, int functions, double utilization, long warmup, long measure, long seed) {
    return new Workload("skewed+pressure", true, nodes, functions, 1.0, utilization, 16 * GIB, 32 * GIB, GIB,
        50 * MS, MAX_REPLICAS, KEEP_ALIVE, warmup, measure, seed);
  }

  static Workload uniform(int nodes, int functions, double utilization, long warmup, long measure, long seed) {
    return new Workload("uniform", false, nodes, functions, 0, utilization, 16 * GIB, 32 * GIB, GIB, 50 * MS, 64,
        KEEP_ALIVE, warmup, measure, seed);
  }

  /** What {@link #build} made, for the report. */
  record Shape(int gpus, double totalModelMemoryGib, double deviceMemoryGib, double requestsPerSecond,
               double topFunctionLanes) {
    String describe() {
      return String.format(Locale.ROOT, "%d GPUs; replica memory of all functions %.0f GiB vs device memory %.0f GiB "
          + "(%.1f x); %.0f requests/s; busiest function needs %.1f lanes on average", gpus, totalModelMemoryGib,
          deviceMemoryGib, totalModelMemoryGib / deviceMemoryGib, requestsPerSecond, topFunctionLanes);
    }
  }

  /** Runs {@code policy} on this workload; the same seed gives every policy the same cluster and arrivals. */
  Metrics.Summary run(Policy policy) {
    return simulate(policy).summary;
  }

  /** @param startReasons LERT's replica starts by why ({@link LertRouter#startReasons}); empty for others */
  record Result(Metrics.Summary summary, Metrics metrics, Shape shape, long events, long lertBuilds,
                long lertStaleRetries, Map<String, Integer> startReasons, List<Function> functions) {

    /** A function of the workload, for the tail report: requirement, model size, mean service times. */
    String describe(int function) {
      Function f = functions.get(function);
      return String.format(Locale.ROOT, "[%s %.1f GiB, gpu %.0f ms, cpu %.0f ms]", f.profile.requirement(),
          f.profile.modelBytes() / (double) GIB, f.serviceMean[1] / MS, f.serviceMean[0] / MS);
    }
  }

  Result simulate(Policy policy) {
    Simulation sim = new Simulation();
    long end = warmupNanos + measureNanos;
    // One stream for the cluster and the workload, another for the run: every policy sees the same
    // functions and the same arrivals, whatever random choices it makes.
    SplittableRandom shapeRnd = new SplittableRandom(seed);
    SplittableRandom arrivalRnd = shapeRnd.split();
    SimCluster c = new SimCluster(sim, new SplittableRandom(seed ^ 0x5DEECE66DL), warmupNanos, end);
    Shape shape = build(c, shapeRnd, arrivalRnd, end);
    LertRouter lert = null;
    switch (policy) {
      case LERT -> {
        // -Ddirectory.ms=100: other nodes' replicas as last published; -Dforwards=true: and forwards counted.
        lert = new LertRouter(Long.getLong("refreshMs", 20) * MS, directory(), Boolean.getBoolean("forwards"));
        c.router = lert;
        c.scaleIn = new PolicyScaleIn(2 * S, TARGET_CONCURRENCY);
      }
      case ROUND_ROBIN -> baseline(c, Rule.ROUND_ROBIN);
      case RANDOM -> baseline(c, Rule.RANDOM);
      case JSQ -> baseline(c, Rule.JSQ);
      case POWER_OF_TWO -> baseline(c, Rule.POWER_OF_TWO);
    }
    c.scaleIn.start(c);
    sim.runUntil(end);
    c.finish();
    // Requests still running at the end finish, so that slow ones count; nothing new arrives.
    sim.runUntil(end + 120 * S);
    String label = policy == Policy.LERT ? "LERT + ScalingPolicy" : c.router.name() + " + keep-alive 10 min";
    return new Result(c.metrics.summary(label), c.metrics, shape, sim.eventsProcessed(), lert == null ? 0 : lert.builds,
        lert == null ? 0 : lert.staleRetries, lert == null ? Map.of() : lert.startReasons, c.functions);
  }

  /**
   * Outstanding requests per replica: the baselines' Knative-like scale-out target, and the target
   * LERT's ScalingPolicy scales in to; the project's default (FunctionConfig.DEFAULT_TARGET_CONCURRENCY).
   */
  static final int TARGET_CONCURRENCY = Integer.getInteger("targetConcurrency", 4);

  /**
   * The replica directory every policy routes by: {@code -Ddirectory.ms=100} as the host publishes it
   * (other nodes' replicas as last published), 0 (the default) exact. {@code -Dforwards=true} lets LERT
   * count its node's forwards, as the host does.
   */
  private static SimDirectory directory() {
    return new SimDirectory(Long.getLong("directory.ms", 0) * MS);
  }

  private void baseline(SimCluster c, Rule rule) {
    c.router = new BaselineRouter(rule, TARGET_CONCURRENCY, true, directory());
    c.scaleIn = new KeepAlive(KEEP_ALIVE);
  }

  private Shape build(SimCluster c, SplittableRandom rnd, SplittableRandom arrivals, long end) {
    int gpus = 0;
    double deviceMemory = 0;
    for (int i = 0; i < nodes; i++) {
      Node n = c.addNode();
      c.addDevice(n, "cpu", DeviceKind.CPU, cpuMemory, 8, 2);
      deviceMemory += cpuMemory;
      int g = rnd.nextInt(9);
      for (int k = 0; k < g; k++) {
        c.addDevice(n, "gpu" + k, DeviceKind.GPU, gpuMemory, 2, 1);
        deviceMemory += gpuMemory;
      }
      gpus += g;
    }
    int lanes = nodes * 8 + gpus * 2;
    double[] weight = new double[functions];
    int[] rank = new int[functions];
    for (int i = 0; i < functions; i++) {
      rank[i] = i;
    }
    for (int i = functions - 1; i > 0; i--) { // a random order: popularity independent of size
      int j = rnd.nextInt(i + 1);
      int t = rank[i];
      rank[i] = rank[j];
      rank[j] = t;
    }
    double work = 0;
    double totalWeight = 0;
    double modelMemory = 0;
    for (int i = 0; i < functions; i++) {
      weight[i] = skewed ? Math.pow(rank[i] + 1, -zipf) : 1;
      totalWeight += weight[i];
    }
    double[] meanWork = new double[functions];
    for (int i = 0; i < functions; i++) {
      long model;
      DeviceRequirement req;
      double gpuMean;
      double cpuMean;
      if (skewed) {
        model = (long) Math.min(0.6 * gpuMemory, Math.max(20 * MIB, Dist.logNormal(rnd, modelMedian, 1.0)));
        req = model > 2 * GIB ? DeviceRequirement.GPU
            : rnd.nextDouble() < 0.15 ? DeviceRequirement.CPU : DeviceRequirement.ANY;
        gpuMean = Dist.logNormal(rnd, serviceMedianNanos, 0.8);
        cpuMean = gpuMean * Math.min(20, Math.max(2, Dist.logNormal(rnd, 6, 0.5)));
      } else {
        model = modelMedian;
        req = DeviceRequirement.ANY;
        gpuMean = serviceMedianNanos;
        cpuMean = 6.0 * serviceMedianNanos;
      }
      long memory = (long) (1.5 * model) + 64 * MIB;
      modelMemory += memory;
      double gpuLoad = 0.5 * S + model / (double) GIB * S;
      double cpuLoad = 0.2 * S + model / (double) GIB * 0.67 * S;
      FunctionProfile profile = new FunctionProfile("f" + i, 1, model, memory, req, maxReplicas, 1, idleTimeoutNanos);
      c.addFunction(profile, req == DeviceRequirement.CPU ? Double.NaN : gpuMean,
          req == DeviceRequirement.GPU ? Double.NaN : cpuMean, 0.5,
          req == DeviceRequirement.CPU ? Double.NaN : gpuLoad, req == DeviceRequirement.GPU ? Double.NaN : cpuLoad,
          16 * 1024);
      // Work per request where it would normally run, in lane-nanoseconds: a CPU lane counts as one lane.
      meanWork[i] = req == DeviceRequirement.CPU ? cpuMean : gpuMean;
      work += weight[i] / totalWeight * meanWork[i];
    }
    double rate = utilization * lanes / (work / S); // requests per second
    double topLanes = 0;
    for (int i = 0; i < functions; i++) {
      double r = rate * weight[i] / totalWeight;
      topLanes = Math.max(topLanes, r * meanWork[i] / S);
      startArrivals(c, c.functions.get(i), r, arrivals.split(), end);
    }
    return new Shape(gpus, modelMemory / GIB, deviceMemory / GIB, rate, topLanes);
  }

  /** On/off modulated Poisson arrivals of one function at a long-run {@code rate} per second. */
  private void startArrivals(SimCluster c, Function f, double rate, SplittableRandom rnd, long end) {
    double duty = skewed ? Math.min(1, Math.max(0.1, rate)) : 1;
    double onMean = 60.0 * S;
    double offMean = onMean * (1 - duty) / duty;
    double gapOn = S / (rate / duty);
    Arrivals a = new Arrivals();
    a.on = duty >= 1 || rnd.nextDouble() < duty;
    a.switchAt = duty >= 1 ? Long.MAX_VALUE : Dist.exp(rnd, a.on ? onMean : offMean);
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      long now = c.sim.now();
      Node receiver = c.nodes.get(rnd.nextInt(c.nodes.size()));
      c.arrive(new SimCluster.Request(f, receiver, now, c.metrics.inWindow(now)));
      long at = a.next(now, rnd, gapOn, onMean, offMean);
      if (at < end) {
        c.sim.at(at, next[0]);
      }
    };
    long first = a.next(0, rnd, gapOn, onMean, offMean);
    if (first < end) {
      c.sim.at(first, next[0]);
    }
  }

  private static final class Arrivals {
    boolean on;
    long switchAt;

    long next(long t, SplittableRandom rnd, double gapOn, double onMean, double offMean) {
      while (true) {
        if (on) {
          long at = t + Dist.exp(rnd, gapOn);
          if (at < switchAt) {
            return at;
          }
          t = switchAt;
          on = false;
          switchAt = t + Dist.exp(rnd, offMean);
        } else {
          t = switchAt;
          on = true;
          switchAt = t + Dist.exp(rnd, onMean);
        }
      }
    }
  }
}
