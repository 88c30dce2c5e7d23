package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.LeastExpectedResponseTime;
import io.zeroserve.scheduler.NetworkModel;
import io.zeroserve.scheduler.NodeView;
import io.zeroserve.scheduler.Placement;
import io.zeroserve.scheduler.PlacementRequest;
import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Ewma;
import io.zeroserve.scheduler.estimate.LearnedEstimates;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time of one {@link LeastExpectedResponseTime#place} decision on a large cluster: 1,000 nodes with 8
 * GPUs and a CPU each, 20,000 replicas of 5,000 functions (4 each, on different nodes, a third of them
 * idle), GPU memory about 90% reserved, learned estimates for every function on the GPUs and for every
 * other one on the CPUs (the rest carried over from the GPUs), 10,000 functions in all. Requests alternate over functions that have replicas (routing, with cold
 * starts costed against them) and functions that have none (a cold start, often needing eviction).
 * {@code placeWithOverlay} adds what a node does per request: lay the version's fresh replicas over the
 * snapshot. {@code placeHotVersion} places requests for one version with {@link #HOT_REPLICAS} replicas:
 * a decision is O(replicas of its version). Sample mode, so the percentiles come from individual calls.
 *
 * <pre>
 * ./mvnw -q -pl scheduler test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.openjdk.jmh.Main -Dexec.args='PlacementBench -f 1 -wi 3 -i 5'
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class PlacementBench {

  static final int NODES = 1000;
  static final int GPUS = 8;
  static final int FUNCTIONS = 10_000;
  static final int WITH_REPLICAS = 5_000;
  static final int REPLICAS_EACH = 4;
  /**
   * Replicas of one hot version, as the busiest function of the simulated 1,000-node workload has when
   * its replicas are not capped (it needs ~870 lanes): every decision for it weighs each of them.
   */
  static final int HOT_REPLICAS = 800;
  static final long GIB = 1L << 30;

  private final LeastExpectedResponseTime policy = new LeastExpectedResponseTime();
  private ClusterSnapshot snapshot;
  private PlacementRequest[] requests;
  private ClusterSnapshot hotSnapshot;
  private PlacementRequest[] hotRequests;
  private List<List<ReplicaView>> replicasOf;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(42);
    FunctionProfile[] functions = new FunctionProfile[FUNCTIONS];
    Map<String, Ewma> learned = new HashMap<>();
    for (int i = 0; i < FUNCTIONS; i++) {
      long model = (long) Math.min(20 * GIB, Math.max(50L << 20, Dist.logNormal(rnd, GIB, 1.0)));
      DeviceRequirement req = model > 2 * GIB ? DeviceRequirement.GPU : DeviceRequirement.ANY;
      functions[i] = new FunctionProfile("f" + i, 1, model, (long) (1.5 * model) + (64L << 20), req, 64, 1,
          600_000_000_000L);
      // Every other function was never measured on a CPU: its CPU times are carried over from the GPU.
      for (String c : i % 2 == 0 ? new String[] {"cpu", "gpu:sim"} : new String[] {"gpu:sim"}) {
        learned.put(EstimateKey.service("f" + i, 1, c, 1).text(),
            new Ewma(Dist.logNormal(rnd, 50e6, 0.8) * (c.equals("cpu") ? 6 : 1), 100));
        learned.put(EstimateKey.load("f" + i, c).text(), new Ewma(0.5e9 + model, 10));
      }
    }
    long gpuCapacity = 80 * GIB;
    long[][] reserved = new long[NODES][GPUS];
    int[][] outstanding = new int[NODES][GPUS];
    List<ReplicaView> replicas = new ArrayList<>();
    replicasOf = new ArrayList<>();
    int r = 0;
    for (int f = 0; f < WITH_REPLICAS; f++) {
      List<ReplicaView> mine = new ArrayList<>();
      int start = rnd.nextInt(NODES);
      for (int k = 0; k < REPLICAS_EACH; k++) {
        int node = (start + k * 251) % NODES;
        int gpu = rnd.nextInt(GPUS);
        int out = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(6);
        ReplicaView v = new ReplicaView("r" + r++, "n" + node, "gpu" + gpu, functions[f].function(), 1,
            ReplicaView.Phase.READY, out, 1, functions[f].memoryBytes(), 0, 0, rnd.nextDouble() * 5);
        reserved[node][gpu] += v.memoryBytes();
        outstanding[node][gpu] += out;
        mine.add(v);
      }
      replicas.addAll(mine);
      replicasOf.add(mine);
    }
    List<NodeView> nodes = new ArrayList<>();
    for (int n = 0; n < NODES; n++) {
      List<DeviceView> devices = new ArrayList<>();
      devices.add(new DeviceView("n" + n, "cpu", DeviceKind.CPU, "cpu", 64 * GIB, 48 * GIB, 8, rnd.nextInt(8), false));
      for (int g = 0; g < GPUS; g++) {
        // Other reservations (functions outside this sample) fill GPUs to about 90%.
        long other = Math.max(0, (long) (gpuCapacity * 0.9) - reserved[n][g]);
        devices.add(new DeviceView("n" + n, "gpu" + g, DeviceKind.GPU, "gpu:sim", gpuCapacity,
            Math.min(gpuCapacity, reserved[n][g] + other), 2, outstanding[n][g], false));
      }
      nodes.add(new NodeView("n" + n, false, devices));
    }
    snapshot = new ClusterSnapshot(0, nodes, replicas,
        new LearnedEstimates(learned, Priors.DEFAULT, Map.of("cpu", DeviceKind.CPU, "gpu:sim", DeviceKind.GPU)),
        NetworkModel.DEFAULT);
    requests = new PlacementRequest[4096];
    for (int i = 0; i < requests.length; i++) {
      int f = i % 2 == 0 ? rnd.nextInt(WITH_REPLICAS) : WITH_REPLICAS + rnd.nextInt(FUNCTIONS - WITH_REPLICAS);
      requests[i] = new PlacementRequest(functions[f], "n" + rnd.nextInt(NODES), 16 * 1024);
    }
    setUpHotVersion(nodes, replicas, learned);
  }

  /**
   * The hot version's replicas, in a snapshot of their own (the others' draws and devices as above, so
   * that place and placeWithOverlay measure what they measured before it was added); their memory is
   * taken as part of the GPUs' other reservations.
   */
  private void setUpHotVersion(List<NodeView> nodes, List<ReplicaView> others, Map<String, Ewma> learned) {
    SplittableRandom rnd = new SplittableRandom(7);
    FunctionProfile hot = new FunctionProfile("hot", 1, GIB, 2 * GIB, DeviceRequirement.ANY, 2048, 1, 600_000_000_000L);
    learned.put(EstimateKey.service("hot", 1, "gpu:sim", 1).text(), new Ewma(20e6, 100));
    learned.put(EstimateKey.load("hot", "gpu:sim").text(), new Ewma(1.5e9, 10));
    List<ReplicaView> replicas = new ArrayList<>(others);
    for (int k = 0; k < HOT_REPLICAS; k++) {
      replicas.add(new ReplicaView("hot" + k, "n" + (k % NODES), "gpu" + (k % GPUS), "hot", 1, ReplicaView.Phase.READY,
          rnd.nextInt(6), 1, hot.memoryBytes(), 0, 0, 20 + rnd.nextDouble() * 20));
    }
    hotSnapshot = new ClusterSnapshot(0, nodes, replicas,
        new LearnedEstimates(learned, Priors.DEFAULT, Map.of("cpu", DeviceKind.CPU, "gpu:sim", DeviceKind.GPU)),
        NetworkModel.DEFAULT);
    hotRequests = new PlacementRequest[4096];
    for (int i = 0; i < hotRequests.length; i++) {
      hotRequests[i] = new PlacementRequest(hot, "n" + rnd.nextInt(NODES), 16 * 1024);
    }
  }

  @Benchmark
  public Placement place() {
    PlacementRequest q = requests[next++ & (requests.length - 1)];
    return policy.place(q, snapshot);
  }

  /** A request for the hot version: a decision weighs each of its replicas. */
  @Benchmark
  public Placement placeHotVersion() {
    return policy.place(hotRequests[next++ & (hotRequests.length - 1)], hotSnapshot);
  }

  @Benchmark
  public Placement placeWithOverlay() {
    int i = next++ & (requests.length - 1);
    PlacementRequest q = requests[i];
    int f = Integer.parseInt(q.function().function().substring(1));
    List<ReplicaView> fresh = f < WITH_REPLICAS ? replicasOf.get(f) : List.of();
    return policy.place(q, snapshot.withReplicasOf(q.function().function(), 1, fresh));
  }
}
