package io.zeroserve.bench.cluster;

import io.zeroserve.bench.cluster.Loopback.Reply;
import io.zeroserve.bench.cluster.Loopback.Request;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.host.NodeOptions;
import io.zeroserve.host.ZeroserveNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * How long a new node takes to join a running cluster and serve. Two node processes, A and B, hold
 * three functions (iris-mlp, multi-io and heavy-mlp, deployed through A; about 34 MB of artifacts,
 * almost all of it heavy-mlp). No node holds a replica, so the new node must serve each call itself,
 * from artifacts it does not have yet and must copy from a peer. Each run starts a node N with an
 * empty data directory that joins A and B, and measures from the start of N to:
 *
 * <ul>
 *   <li>ready: the first 200 from {@code GET /v2/health/ready} on N (polled every 5 ms);
 *   <li>first iris-mlp: the first 200 from {@code POST /v1/functions/iris-mlp/invoke} on N, sent as
 *       soon as N is ready and again every 5 ms until one succeeds;
 *   <li>first heavy-mlp: the same for heavy-mlp, sent after the iris-mlp answer.
 * </ul>
 *
 * <p>"Start" is the process start ({@code -Dmode=process}, the default: JVM start-up included) or the
 * {@code ZeroserveNode.launch} call in this JVM ({@code -Dmode=inprocess}: the JVM is warm after the
 * first run, and the node shares this JVM with the bench's client). In process mode each run first
 * starts a node alone (a cluster of its own, nothing to join or copy) as a baseline for what joining
 * adds. After each run the bench checks that N holds one replica of each function it invoked and A
 * and B none, then stops N (SIGTERM, or {@code close()} in process). A first run is not counted
 * ({@code warmups}).
 *
 * <p>System properties: {@code mode} (process | inprocess), {@code runs} (default 5), {@code warmups}
 * (default 1).
 */
public final class JoinBench {

  private static final String MODE = System.getProperty("mode", "process");
  private static final int RUNS = Integer.getInteger("runs", 5);
  private static final int WARMUPS = Integer.getInteger("warmups", 1);
  private static final long POLL_MS = 5;
  private static final long SERVE_TIMEOUT_MS = 120_000;
  private static final String IRIS = "iris-mlp";
  private static final String HEAVY = "heavy-mlp";
  /**
   * How long the bench waits for an in-process node's {@code close()}. Builds before d56e554 never
   * completed that future (see RESULTS-cluster.md), though the node had left within a second or two.
   */
  private static final long IN_PROCESS_CLOSE_WAIT_S = 10;

  private JoinBench() {}

  /** One run, in milliseconds from the start. */
  private record Run(double aloneReadyMs, double readyMs, long servingLogMs, double firstIrisMs, int irisRetries,
                     double firstHeavyMs, String load) {}

  public static void main(String[] args) {
    if (!MODE.equals("process") && !MODE.equals("inprocess")) {
      throw new IllegalArgumentException("mode must be process or inprocess, was: " + MODE);
    }
    System.out.println("JoinBench on " + ClusterRun.machine() + "; mode=" + MODE + ", runs=" + RUNS + ", warmups="
        + WARMUPS);
    try (ClusterRun cluster = new ClusterRun("Join")) {
      NodeProcess a = cluster.start("a");
      NodeProcess b = cluster.start("b", a);
      cluster.deploy(a, IRIS, ExampleModels.irisMlp());
      cluster.deploy(a, "multi-io", ExampleModels.multiIo());
      cluster.deploy(a, HEAVY, ExampleModels.heavyMlp());
      for (String f : List.of(IRIS, "multi-io", HEAVY)) {
        cluster.awaitFunction(b, f);
      }
      Request iris = Request.json("/v1/functions/" + IRIS + "/invoke", ClusterRun.IRIS_BODY);
      Request heavy = Request.json("/v1/functions/" + HEAVY + "/invoke", "{\"input\":[" + heavyRow() + "]}");

      List<Run> runs = new ArrayList<>();
      System.out.println();
      System.out.println("| run | alone: ready (ms) | joining: ready (ms) | joining: \"serving\" in its log (ms) "
          + "| first iris-mlp invoke (ms) | failed tries before it | first heavy-mlp invoke (ms) | load |");
      System.out.println("|---|---|---|---|---|---|---|---|");
      for (int i = 0; i < WARMUPS + RUNS; i++) {
        String name = "n" + i;
        double alone = MODE.equals("process") ? alone(cluster, "alone" + i) : 0;
        Run run = MODE.equals("process")
            ? joinProcess(cluster, name, a, b, iris, heavy, alone)
            : joinInProcess(cluster, name, a, b, iris, heavy);
        boolean counted = i >= WARMUPS;
        if (counted) {
          runs.add(run);
        }
        System.out.printf("| %s | %s | %.0f | %s | %.0f | %d | %.0f | %s |%n", counted ? String.valueOf(i - WARMUPS + 1)
            : "warm-up", MODE.equals("process") ? String.format("%.0f", run.aloneReadyMs()) : "-", run.readyMs(),
            run.servingLogMs() < 0 ? "-" : String.valueOf(run.servingLogMs()), run.firstIrisMs(), run.irisRetries(),
            run.firstHeavyMs(), run.load());
      }
      System.out.println();
      System.out.printf("medians of %d runs: %sjoining: ready %.0f ms, first iris-mlp invoke %.0f ms,"
          + " first heavy-mlp invoke %.0f ms%n", runs.size(), MODE.equals("process")
              ? String.format("alone ready %.0f ms; ", median(runs.stream().mapToDouble(Run::aloneReadyMs).toArray()))
              : "",
          median(runs.stream().mapToDouble(Run::readyMs).toArray()),
          median(runs.stream().mapToDouble(Run::firstIrisMs).toArray()),
          median(runs.stream().mapToDouble(Run::firstHeavyMs).toArray()));
    }
  }

  /** Baseline: a node that starts alone, with nobody to join and nothing to copy; ms to ready. */
  private static double alone(ClusterRun cluster, String name) {
    ClusterRun.Ready ready = cluster.startRetrying(() -> cluster.launchAlone(name));
    ready.node().stop();
    return ms(ready.readyNanos() - ready.node().launchedNanos());
  }

  private static Run joinProcess(ClusterRun cluster, String name, NodeProcess a, NodeProcess b, Request iris,
                                 Request heavy, double alone) {
    ClusterRun.Ready started = cluster.startRetrying(() -> cluster.launch(name, a, b));
    NodeProcess n = started.node();
    long start = n.launchedNanos();
    long ready = started.readyNanos();
    Loopback.Client client = cluster.client(n);
    int[] retries = new int[1];
    long firstIris = cluster.guard(() -> firstSuccess(client, iris, retries));
    long firstHeavy = cluster.guard(() -> firstSuccess(client, heavy, new int[1]));
    checkReplicas(cluster, n, a, b);
    n.stop();
    return new Run(alone, ms(ready - start), n.servingAfterMs(), ms(firstIris - start), retries[0],
        ms(firstHeavy - start), ClusterRun.loadAverage());
  }

  private static Run joinInProcess(ClusterRun cluster, String name, NodeProcess a, NodeProcess b, Request iris,
                                   Request heavy) {
    Path dataDir = cluster.dir().resolve(name + "-data");
    NodeOptions options = NodeOptions.parse(new String[] {"--http-port", "0", "--data-dir", dataDir.toString(),
        "--cluster-name", cluster.clusterName(), "--cluster-port", String.valueOf(NodeProcess.freePort()),
        "--join", Loopback.HOST + ":" + a.clusterPort() + "," + Loopback.HOST + ":" + b.clusterPort()}, Map.of());
    long start = System.nanoTime();
    ZeroserveNode node = Loopback.await(ZeroserveNode.launch(options), SERVE_TIMEOUT_MS / 1000);
    long ready = System.nanoTime(); // launch() completes once the node reports ready
    try (Loopback loopback = new Loopback(); Loopback.Client client = loopback.client(node.httpPort())) {
      int[] retries = new int[1];
      long firstIris = firstSuccess(client, iris, retries);
      long firstHeavy = firstSuccess(client, heavy, new int[1]);
      long onN = node.services().replicas().replicas().stream()
          .filter(r -> r.id().function().equals(IRIS) || r.id().function().equals(HEAVY)).count();
      if (onN != 2 || cluster.liveReplicas(a, IRIS) + cluster.liveReplicas(b, IRIS) + cluster.liveReplicas(a, HEAVY)
          + cluster.liveReplicas(b, HEAVY) != 0) {
        throw new IllegalStateException("expected the new node alone to hold one replica of each invoked function");
      }
      return new Run(0, ms(ready - start), -1, ms(firstIris - start), retries[0], ms(firstHeavy - start),
          ClusterRun.loadAverage());
    } finally {
      try {
        Loopback.await(node.close(), IN_PROCESS_CLOSE_WAIT_S);
      } catch (RuntimeException e) {
        System.err.println("closing the in-process node " + name + ": " + e.getMessage());
      }
    }
  }

  /** Sends the request every {@link #POLL_MS} until it answers 200; returns when that answer arrived. */
  private static long firstSuccess(Loopback.Client client, Request request, int[] failures) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SERVE_TIMEOUT_MS);
    String last = "nothing";
    while (System.nanoTime() - deadline < 0) {
      Reply reply = client.call(request);
      if (reply.status() == 200) {
        return System.nanoTime();
      }
      failures[0]++;
      last = reply.status() + " " + reply.body();
      NodeProcess.sleep(POLL_MS);
    }
    throw new IllegalStateException(request.uri() + " never answered 200 within " + SERVE_TIMEOUT_MS + " ms; last: " + last);
  }

  private static void checkReplicas(ClusterRun cluster, NodeProcess n, NodeProcess a, NodeProcess b) {
    long onN = cluster.liveReplicas(n, IRIS) + cluster.liveReplicas(n, HEAVY);
    long elsewhere = cluster.liveReplicas(a, IRIS) + cluster.liveReplicas(b, IRIS) + cluster.liveReplicas(a, HEAVY)
        + cluster.liveReplicas(b, HEAVY);
    if (onN != 2 || elsewhere != 0) {
      throw new IllegalStateException("expected the new node alone to hold one replica of each invoked function, found "
          + onN + " there and " + elsewhere + " on A and B");
    }
  }

  /** heavy-mlp's input row: 256 values in [-1, 1) from a fixed seed. */
  /** heavy-mlp's input row, from a fixed seed: a JSON array of its 256 values. */
  static String heavyRow() {
    Random random = new Random(7);
    StringJoiner row = new StringJoiner(",", "[", "]");
    for (int i = 0; i < ExampleModels.HEAVY_MLP_INPUTS; i++) {
      row.add(Float.toString(Math.round((random.nextFloat() * 2 - 1) * 1000) / 1000f));
    }
    return row.toString();
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length == 0 ? 0 : sorted[(sorted.length - 1) / 2];
  }
}
