package io.zeroserve.bench;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.zeroserve.bench.BenchClient.LoadResult;
import io.zeroserve.bench.BenchClient.Request;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.onnx.ModelSession;
import io.zeroserve.functions.onnx.SessionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What serving iris-mlp over HTTP adds to running it in-process, one request in flight: the
 * latency of {@code POST /v1/functions/iris-mlp/invoke}, of V2 JSON and of V2 binary
 * ({@code /v2/models/iris-mlp/infer}), each minus the latency of {@code ModelSession.run} on the
 * same input in this JVM. {@code GET /v2/health/live} is measured alongside as the floor: the
 * client, the loopback socket and the router, with no inference.
 *
 * <p>Every HTTP figure includes the client's own cost (a Vert.x HttpClient on one event loop in
 * this JVM, keep-alive, reading the whole body). Modes run in interleaved rounds after a warm-up,
 * so background load on the machine falls on all of them alike. The node's own mean queue and
 * compute times come from its /metrics.
 *
 * <p>System properties: {@code requests} per mode (default 20000), {@code rounds} (default 4).
 */
public final class OverheadBench {

  private static final int REQUESTS = Integer.getInteger("requests", 20_000);
  private static final int ROUNDS = Integer.getInteger("rounds", 4);
  private static final int WARMUP = Integer.getInteger("warmup", 10_000);
  private static final long ROUND_LIMIT_NANOS = 120_000_000_000L;
  private static final String FUNCTION = "iris-mlp";
  private static final long TARGET_P50_NANOS = 150_000;
  private static final long TARGET_P99_NANOS = 1_000_000;

  private OverheadBench() {}

  public static void main(String[] args) throws IOException {
    System.out.println("OverheadBench on " + Machine.describe() + ", " + REQUESTS + " requests per mode in "
        + ROUNDS + " rounds");
    Path model = Files.createTempFile("iris-mlp-", ".onnx");
    Files.write(model, ExampleModels.irisMlp());
    Map<String, Request> modes = new LinkedHashMap<>();
    modes.put("plain invoke (JSON)", Payloads.plain(FUNCTION, "input", Payloads.IRIS_ROW));
    modes.put("V2 JSON", Payloads.v2Json(FUNCTION, "input", Payloads.IRIS_ROW));
    modes.put("V2 binary", Payloads.v2Binary(FUNCTION, "input", Payloads.IRIS_ROW));
    modes.put("GET /v2/health/live (floor, no inference)",
        new Request(HttpMethod.GET, "/v2/health/live", null, null, null, null));
    int perRound = Math.max(1, REQUESTS / ROUNDS);
    Map<String, long[]> samples = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    samples.put("in-process", new long[perRound * ROUNDS]);
    modes.keySet().forEach(k -> samples.put(k, new long[perRound * ROUNDS]));
    samples.keySet().forEach(k -> counts.put(k, 0));
    String serverSide;
    try (ModelSession session = ModelSession.open(model, SessionSettings.CPU);
         BenchNode node = BenchNode.start();
         BenchClient client = new BenchClient(node.port(), 1)) {
      Map<String, Tensor> inputs = Payloads.tensors("input", Payloads.IRIS_ROW);
      client.deploy(FUNCTION, ExampleModels.irisMlp(), new JsonObject().put("minReplicas", 1));
      for (Map.Entry<String, Request> mode : modes.entrySet()) {
        LoadResult warm = client.closedLoop(mode.getValue(), 1, 0, ROUND_LIMIT_NANOS, WARMUP);
        Checks.check(warm.errors() == 0, mode.getKey() + " failed in warm-up: " + warm.firstError());
      }
      inProcess(session, inputs, new long[WARMUP], WARMUP);
      ServerMetrics before = null;
      for (int round = 0; round < ROUNDS; round++) {
        long[] inProc = new long[perRound];
        inProcess(session, inputs, inProc, perRound);
        append(samples, counts, "in-process", inProc, perRound);
        if (round == 0) {
          before = ServerMetrics.scrape(client);
        }
        for (Map.Entry<String, Request> mode : modes.entrySet()) {
          LoadResult r = client.closedLoop(mode.getValue(), 1, 0, ROUND_LIMIT_NANOS, perRound);
          Checks.check(r.errors() == 0, mode.getKey() + " failed: " + r.firstError());
          append(samples, counts, mode.getKey(), r.latencies(), r.count());
        }
      }
      ServerMetrics after = ServerMetrics.scrape(client);
      serverSide = "node's own means over the measured HTTP inference requests (from /metrics): end to end "
          + ServerMetrics.us(after.meanSince(before, "zeroserve_request_duration_seconds", FUNCTION)) + " us, queue "
          + ServerMetrics.us(after.meanSince(before, "zeroserve_request_queue_seconds", FUNCTION)) + " us, compute "
          + ServerMetrics.us(after.meanSince(before, "zeroserve_request_compute_seconds", FUNCTION)) + " us, "
          + String.format("%.0f", after.countSince(before, "zeroserve_request_duration_seconds", FUNCTION))
          + " requests";
    } finally {
      Files.deleteIfExists(model);
    }
    Latency base = Latency.of(samples.get("in-process"), counts.get("in-process"));
    System.out.println();
    System.out.println("| path | n | p50 us | p99 us | p99.9 us* | overhead p50 us | overhead p99 us | target (p50 <= 150 us, p99 <= 1000 us) |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (Map.Entry<String, long[]> e : samples.entrySet()) {
      int n = counts.get(e.getKey());
      Latency l = Latency.of(e.getValue(), n);
      boolean isBase = e.getKey().equals("in-process");
      boolean isFloor = e.getKey().startsWith("GET");
      String verdict = isBase || isFloor ? "-"
          : (l.p50() - base.p50() <= TARGET_P50_NANOS ? "p50 met" : "p50 missed") + ", "
          + (l.p99() - base.p99() <= TARGET_P99_NANOS ? "p99 met" : "p99 missed");
      System.out.println("| " + e.getKey() + " | " + n + " | " + Latency.us(l.p50()) + " | " + Latency.us(l.p99())
          + " | " + Latency.us(p999(e.getValue(), n)) + " | "
          + (isBase ? "-" : Latency.us(l.p50() - base.p50())) + " | " + (isBase ? "-" : Latency.us(l.p99() - base.p99()))
          + " | " + verdict + " |");
    }
    System.out.println("* p99.9 is over " + (perRound * ROUNDS) + " samples per path: a few dozen requests decide it.");
    System.out.println(serverSide);
    System.out.println("load average at the end: " + Machine.loadAverage());
  }

  /** Times {@code count} runs of the same input on one session, back to back. */
  private static void inProcess(ModelSession session, Map<String, Tensor> inputs, long[] into, int count) {
    for (int i = 0; i < count; i++) {
      long t0 = System.nanoTime();
      session.run(inputs, List.of());
      into[i] = System.nanoTime() - t0;
    }
  }

  private static void append(Map<String, long[]> samples, Map<String, Integer> counts, String key, long[] values,
                             int n) {
    int at = counts.get(key);
    int take = Math.min(n, samples.get(key).length - at);
    System.arraycopy(values, 0, samples.get(key), at, take);
    counts.put(key, at + take);
  }

  private static long p999(long[] values, int n) {
    long[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    return n == 0 ? 0 : sorted[Math.min(n - 1, (int) Math.ceil(0.999 * n) - 1)];
  }
}
