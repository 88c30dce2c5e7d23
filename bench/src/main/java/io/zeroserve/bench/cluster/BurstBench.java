package io.zeroserve.bench.cluster;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.zeroserve.bench.cluster.Loopback.Request;
import io.zeroserve.bench.cluster.Samples.Stats;
import io.zeroserve.examples.ExampleModels;
import java.util.ArrayList;
import java.util.List;

/**
 * How soon a node that forwards a burst to another node's replica starts one of its own. Two node
 * processes, A and B; heavy-mlp (8 ms a call here) has one replica, on B. Then {@code clients}
 * clients on A, each with one request in flight, call it for {@code burstMs}: A has no replica, so it
 * forwards. B's queue grows at once, but A learns of it only through B's directory entries (published
 * every 100 ms, read into A's snapshot every 50 ms), unless A counts what it has forwarded itself. The
 * bench polls A's replicas every 5 ms and reports when the first appeared (LOADING or READY), the
 * burst's latencies, and the replicas each node has at the end. Run it against two node jars
 * ({@code -Dzeroserve.jar=...}) to compare.
 *
 * <p>System properties: {@code runs} (default 3; each on a fresh pair of nodes), {@code clients}
 * (default 48), {@code burstMs} (default 3000).
 */
public final class BurstBench {

  private static final int RUNS = Integer.getInteger("runs", 3);
  private static final int CLIENTS = Integer.getInteger("clients", 48);
  private static final long BURST_MS = Long.getLong("burstMs", 3000);
  private static final String FUNCTION = "heavy-mlp";
  private static final long DIRECTORY_SETTLE_MS = 2_000;
  private static final long POLL_MS = 5;

  private BurstBench() {}

  public static void main(String[] args) {
    System.out.println("BurstBench on " + ClusterRun.machine() + "; clients=" + CLIENTS + ", burstMs=" + BURST_MS
        + ", runs=" + RUNS);
    System.out.println();
    System.out.println("| run | requests | failed | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | first replica on A after (ms) "
        + "| replicas A / B at the end | load |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (int run = 1; run <= RUNS; run++) {
      runOnce(run);
    }
  }

  private static void runOnce(int run) {
    try (ClusterRun cluster = new ClusterRun("Burst")) {
      NodeProcess a = cluster.start("a");
      NodeProcess b = cluster.start("b", a);
      cluster.deploy(b, FUNCTION, ExampleModels.heavyMlp());
      cluster.guard(() -> cluster.client(b).ok(new Request(HttpMethod.PUT, "/v1/functions/" + FUNCTION,
          "application/json", Buffer.buffer("{\"maxReplicas\": 4, \"maxQueue\": 10000, \"idleTimeout\": \"60s\"}"))));
      cluster.awaitFunction(a, FUNCTION);
      cluster.load(b, FUNCTION);
      NodeProcess.sleep(DIRECTORY_SETTLE_MS);
      if (cluster.liveReplicas(a, FUNCTION) != 0 || cluster.liveReplicas(b, FUNCTION) != 1) {
        throw new IllegalStateException("before the burst: expected no replica on A and one on B");
      }

      Request invoke = Request.json("/v1/functions/" + FUNCTION + "/invoke", "{\"input\":[" + JoinBench.heavyRow() + "]}");
      long start = System.nanoTime();
      long until = start + BURST_MS * 1_000_000;
      List<Future<Samples>> streams = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        streams.add(cluster.newClient(a).sequential(invoke, until, 20_000));
      }
      Loopback.Client poller = cluster.newClient(a);
      long firstOnA = -1;
      while (System.nanoTime() < until && firstOnA < 0) {
        Loopback.Reply reply = poller.call(Request.get("/v1/functions/" + FUNCTION));
        boolean live = reply.ok() && reply.json().getJsonArray("replicas").stream()
            .map(io.vertx.core.json.JsonObject.class::cast)
            .anyMatch(r -> r.getString("state").equals("READY") || r.getString("state").equals("LOADING"));
        if (live) {
          firstOnA = System.nanoTime() - start;
        } else {
          NodeProcess.sleep(POLL_MS);
        }
      }
      List<Samples> samples = new ArrayList<>();
      for (Future<Samples> s : streams) {
        samples.add(Loopback.await(s, BURST_MS / 1000 + Loopback.REQUEST_TIMEOUT_MS / 1000));
      }
      int count = samples.stream().mapToInt(Samples::count).sum();
      long[] latencies = new long[count];
      int failed = 0;
      int k = 0;
      for (Samples s : samples) {
        for (int i = 0; i < s.count(); i++) {
          latencies[k++] = s.latency(i);
          failed += s.status(i) == 200 ? 0 : 1;
        }
      }
      Stats stats = Stats.of(latencies, failed);
      System.out.println("| " + run + " | " + stats.count() + " | " + stats.failed() + " | " + Samples.ms(stats.p50())
          + " | " + Samples.ms(stats.p90()) + " | " + Samples.ms(stats.p99()) + " | " + Samples.ms(stats.max()) + " | "
          + (firstOnA < 0 ? "none" : Samples.ms(firstOnA)) + " | " + cluster.liveReplicas(a, FUNCTION) + " / "
          + cluster.liveReplicas(b, FUNCTION) + " | " + ClusterRun.loadAverage() + " |");
    }
  }
}
