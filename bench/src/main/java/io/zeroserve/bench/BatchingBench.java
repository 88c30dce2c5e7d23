package io.zeroserve.bench;

import io.vertx.core.json.JsonObject;
import io.zeroserve.bench.BenchClient.LoadResult;
import io.zeroserve.bench.BenchClient.Request;
import io.zeroserve.examples.ExampleModels;
import java.util.ArrayList;
import java.util.List;

/**
 * Dynamic batching on heavy-mlp ([batch, 256] -> [batch, 16]), one row per request, through
 * {@code POST /v1/functions/{name}/invoke}:
 *
 * <ul>
 *   <li>32 closed-loop clients for {@code seconds} (default 15) after a warm-up, batching off
 *       ({@code maxBatchSize 1}) and on ({@code maxBatchSize 32, maxQueueDelay 5ms}), each with
 *       {@code maxReplicas 1}; then both again with {@code maxReplicas 2} for context;
 *   <li>one client for {@code lowSeconds} (default 5), batching off and on, to show what the queue
 *       delay costs a lone request.
 * </ul>
 *
 * <p>Each configuration is its own function with the same model, loaded before its run and unloaded
 * after it, so only one is in memory at a time. The mean batch size and the node's queue and compute
 * means come from its /metrics. Every latency includes the client's cost (see {@link BenchClient}).
 */
public final class BatchingBench {

  private static final int CLIENTS = Integer.getInteger("clients", 32);
  private static final long SECONDS = Long.getLong("seconds", 15);
  private static final long LOW_SECONDS = Long.getLong("lowSeconds", 5);
  private static final long WARMUP_SECONDS = Long.getLong("warmupSeconds", 3);
  private static final int MAX_REQUESTS = 2_000_000;
  private static final String QUEUE_DELAY = "5ms";
  private static final long QUEUE_DELAY_NANOS = 5_000_000;

  private BatchingBench() {}

  /** One function's settings, as sent to {@code PUT /v1/functions/{name}}. */
  private record Setup(String function, String label, int maxBatchSize, int maxReplicas) {
    JsonObject config() {
      JsonObject c = new JsonObject().put("maxBatchSize", maxBatchSize).put("maxReplicas", maxReplicas);
      return maxBatchSize > 1 ? c.put("maxQueueDelay", QUEUE_DELAY) : c;
    }
  }

  private record Outcome(Setup setup, int clients, LoadResult result, double meanBatch, double queueMs,
                         double computeMs, long replicas) {}

  public static void main(String[] args) {
    System.out.println("BatchingBench on " + Machine.describe() + ", " + CLIENTS + " clients for " + SECONDS
        + " s each after " + WARMUP_SECONDS + " s warm-up");
    Setup off = new Setup("heavy-off", "batching off (maxBatchSize 1), maxReplicas 1", 1, 1);
    Setup on = new Setup("heavy-on", "batching on (maxBatchSize 32, maxQueueDelay 5ms), maxReplicas 1", 32, 1);
    Setup off2 = new Setup("heavy-off-r2", "batching off, maxReplicas 2", 1, 2);
    Setup on2 = new Setup("heavy-on-r2", "batching on (32, 5ms), maxReplicas 2", 32, 2);
    List<Outcome> loaded = new ArrayList<>();
    List<Outcome> lone = new ArrayList<>();
    byte[] model = ExampleModels.heavyMlp();
    float[] row = Payloads.heavyRow();
    try (BenchNode node = BenchNode.start(); BenchClient client = new BenchClient(node.port(), CLIENTS)) {
      for (Setup s : List.of(off, on, off2, on2)) {
        client.deploy(s.function(), model, s.config());
      }
      for (Setup s : List.of(off, on, off2, on2)) {
        loaded.add(run(node, client, s, CLIENTS, SECONDS, row));
      }
      for (Setup s : List.of(off, on)) {
        lone.add(run(node, client, s, 1, LOW_SECONDS, row));
      }
    }
    System.out.println();
    System.out.println("| configuration | clients | requests | throughput req/s | p50 ms | p99 ms | mean batch | node queue mean ms | node compute mean ms | replicas at end |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Outcome o : loaded) {
      System.out.println(row(o));
    }
    for (Outcome o : lone) {
      System.out.println(row(o));
    }
    double speedup = loaded.get(1).result().perSecond() / loaded.get(0).result().perSecond();
    long rise = lone.get(1).result().latency().p50() - lone.get(0).result().latency().p50();
    System.out.printf("%nthroughput on/off at %d clients, maxReplicas 1: %.2fx (target >= 2x: %s)%n", CLIENTS, speedup,
        speedup >= 2 ? "met" : "missed");
    System.out.printf("p50 rise at 1 client: %s ms (target <= maxQueueDelay %s: %s)%n", Latency.ms(rise), QUEUE_DELAY,
        rise <= QUEUE_DELAY_NANOS ? "met" : "missed");
    System.out.println("load average at the end: " + Machine.loadAverage());
  }

  private static Outcome run(BenchNode node, BenchClient client, Setup s, int clients, long seconds, float[] row) {
    client.call(Request.json("/v2/repository/models/" + s.function() + "/load", "{}"));
    Request invoke = Payloads.plain(s.function(), "input", row);
    // Warm-up runs the same load unrecorded; the metrics window starts after it.
    LoadResult warm = client.closedLoop(invoke, clients, 0, WARMUP_SECONDS * 1_000_000_000L, MAX_REQUESTS);
    Checks.check(warm.errors() == 0, s.function() + " failed in warm-up: " + warm.firstError());
    ServerMetrics before = ServerMetrics.scrape(client);
    LoadResult r = client.closedLoop(invoke, clients, 0, seconds * 1_000_000_000L, MAX_REQUESTS);
    ServerMetrics after = ServerMetrics.scrape(client);
    Checks.check(r.errors() == 0, s.function() + " failed: " + r.errors() + " errors, first: " + r.firstError());
    long replicas = node.liveReplicas(s.function());
    client.unload(s.function());
    Outcome o = new Outcome(s, clients, r, after.meanSince(before, "zeroserve_batch_size", s.function()),
        after.meanSince(before, "zeroserve_request_queue_seconds", s.function()),
        after.meanSince(before, "zeroserve_request_compute_seconds", s.function()), replicas);
    System.out.println(row(o) + " (load average " + Machine.loadAverage() + ")");
    return o;
  }

  private static String row(Outcome o) {
    Latency l = o.result().latency();
    return "| " + o.setup().label() + " | " + o.clients() + " | " + o.result().count() + " | "
        + String.format("%.1f", o.result().perSecond()) + " | " + Latency.ms(l.p50()) + " | " + Latency.ms(l.p99())
        + " | " + (Double.isNaN(o.meanBatch()) ? "n/a" : String.format("%.1f", o.meanBatch())) + " | "
        + ServerMetrics.ms(o.queueMs()) + " | " + ServerMetrics.ms(o.computeMs()) + " | " + o.replicas() + " |";
  }
}
