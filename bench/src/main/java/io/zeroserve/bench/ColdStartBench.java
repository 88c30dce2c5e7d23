package io.zeroserve.bench;

import io.vertx.core.json.JsonObject;
import io.zeroserve.bench.BenchClient.Request;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.onnx.ModelSession;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.functions.replica.LocalReplicas.ReplicaInfo;
import io.zeroserve.functions.store.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Time to first result of a scaled-to-zero function, against plain ONNX Runtime in this JVM, for
 * each example model:
 *
 * <ul>
 *   <li>(a) in-process: {@code ModelSession.open} + one {@code run}, a fresh session each time;
 *   <li>(b) through the node: {@code POST /v2/repository/models/{name}/unload}, then one
 *       {@code POST /v1/functions/{name}/invoke}, timed from send to the last byte of the answer.
 * </ul>
 *
 * <p>Runs of (a) and (b) alternate, so background load on the machine hits both alike. The JVM, the
 * client's connection and the node's cold-start path are warmed first (on another function, and by
 * untimed cold starts of each model). Each run of (b) checks that it really cold-started one replica.
 * Also reported, to tell where the overhead goes: (a') the in-process run preceded by a SHA-256 of
 * the model file, which the node does before every load (ArtifactStore.verified), and the replica's
 * own load time as the node records it (artifact check + session creation); and the CPU time of
 * all Java threads during (a) and (b), which other processes on the cores cannot inflate, unlike
 * wall time. All times in ms.
 *
 * <p>System properties: {@code runs} (default 15), {@code warmups} (default 3 per model).
 */
public final class ColdStartBench {

  private static final int RUNS = Integer.getInteger("runs", 15);
  private static final int WARMUPS = Integer.getInteger("warmups", 3);
  private static final int CLIENT_WARMUP_REQUESTS = 3000;
  private static final String WARMUP_FUNCTION = "warmup";
  private static final long TARGET_OVERHEAD_NANOS = 20_000_000L;

  private ColdStartBench() {}

  /** One model as a function and as a file. */
  private record Model(String name, byte[] bytes, Path file, String plainBody) {}

  /** One model's rows of the two result tables. */
  private record Rows(String latency, String cpu) {}

  public static void main(String[] args) throws IOException {
    System.out.println("ColdStartBench on " + Machine.describe() + ", runs=" + RUNS);
    Path files = Files.createTempDirectory("zs-coldstart-");
    List<Model> models = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : ExampleModels.all().entrySet()) {
      Path file = files.resolve(e.getKey() + ".onnx");
      Files.write(file, e.getValue());
      String body = switch (e.getKey()) {
        case "iris-mlp" -> Payloads.plainJson("input", Payloads.IRIS_ROW);
        case "multi-io" -> Payloads.MULTI_IO_PLAIN;
        case "heavy-mlp" -> Payloads.plainJson("input", Payloads.heavyRow());
        default -> throw new IllegalStateException("no payload for " + e.getKey());
      };
      models.add(new Model(e.getKey(), e.getValue(), file, body));
    }
    Map<String, Rows> rows = new LinkedHashMap<>();
    try (BenchNode node = BenchNode.start(); BenchClient client = new BenchClient(node.port(), 4)) {
      System.out.println("node on http://127.0.0.1:" + node.port());
      JsonObject config = new JsonObject(); // defaults: scale to zero, batching off
      client.deploy(WARMUP_FUNCTION, ExampleModels.irisMlp(), config);
      for (Model m : models) {
        client.deploy(m.name(), m.bytes(), config);
      }
      warmUp(node, client, models);
      for (Model m : models) {
        rows.put(m.name(), measure(node, client, m));
      }
      System.out.println("load average at the end: " + Machine.loadAverage());
    } finally {
      for (Model m : models) {
        Files.deleteIfExists(m.file());
      }
      Files.deleteIfExists(files);
    }
    System.out.println();
    System.out.println("| model | (a) in-process open+run p50 / p90 | of which open p50 | (a') re-hash+open+run p50 "
        + "| (b) node cold invoke p50 / p90 | node replica load p50 | overhead b-a p50 / p90 "
        + "| median of paired b-a | b-a' p50 | target b-a p50 <= 20 ms |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    rows.values().forEach(r -> System.out.println(r.latency()));
    System.out.println();
    System.out.println("CPU time of all Java threads in the process (insensitive to other processes on the cores):");
    System.out.println("| model | (a) in-process CPU p50 ms | (b) node cold invoke CPU p50 ms | difference ms |");
    System.out.println("|---|---|---|---|");
    rows.values().forEach(r -> System.out.println(r.cpu()));
  }

  private static void warmUp(BenchNode node, BenchClient client, List<Model> models) {
    Request warm = Payloads.plain(WARMUP_FUNCTION, "input", Payloads.IRIS_ROW);
    BenchClient.LoadResult r = client.closedLoop(warm, 1, 0, 30_000_000_000L, CLIENT_WARMUP_REQUESTS);
    Checks.check(r.errors() == 0, "warm-up requests failed: " + r.firstError());
    for (int i = 0; i < 20; i++) {
      coldInvoke(node, client, WARMUP_FUNCTION, warm);
    }
    for (Model m : models) {
      for (int i = 0; i < WARMUPS; i++) {
        inProcess(m, false);
        coldInvoke(node, client, m.name(), Payloads.plainBody(m.name(), m.plainBody()));
      }
    }
  }

  private static Rows measure(BenchNode node, BenchClient client, Model m) {
    long[] inProcess = new long[RUNS];
    long[] open = new long[RUNS];
    long[] hashed = new long[RUNS];
    long[] viaNode = new long[RUNS];
    long[] replicaLoad = new long[RUNS];
    long[] cpuA = new long[RUNS];
    long[] cpuB = new long[RUNS];
    Request invoke = Payloads.plainBody(m.name(), m.plainBody());
    for (int i = 0; i < RUNS; i++) {
      long[] a = inProcess(m, false);
      inProcess[i] = a[0];
      open[i] = a[1];
      cpuA[i] = a[2];
      hashed[i] = inProcess(m, true)[0];
      long[] b = coldInvoke(node, client, m.name(), invoke);
      viaNode[i] = b[0];
      replicaLoad[i] = b[1];
      cpuB[i] = b[2];
    }
    Latency a = Latency.of(inProcess);
    Latency a2 = Latency.of(hashed);
    Latency b = Latency.of(viaNode);
    long overhead50 = b.p50() - a.p50();
    long overhead90 = b.p90() - a.p90();
    long[] paired = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      paired[i] = viaNode[i] - inProcess[i];
    }
    System.out.printf("%s samples in run order, ms:%n  (a)  %s%n  (a') %s%n  (b)  %s%n  load %s%n"
            + "  CPU (a) %s%n  CPU (b) %s%n", m.name(), msList(inProcess), msList(hashed), msList(viaNode),
        msList(replicaLoad), msList(cpuA), msList(cpuB));
    String cpu = "| " + m.name() + " | " + Latency.ms(Latency.of(cpuA).p50()) + " | "
        + Latency.ms(Latency.of(cpuB).p50()) + " | " + Latency.ms(Latency.of(cpuB).p50() - Latency.of(cpuA).p50()) + " |";
    String latency = "| " + m.name() + " | " + Latency.ms(a.p50()) + " / " + Latency.ms(a.p90())
        + " | " + Latency.ms(Latency.of(open).p50())
        + " | " + Latency.ms(a2.p50())
        + " | " + Latency.ms(b.p50()) + " / " + Latency.ms(b.p90())
        + " | " + Latency.ms(Latency.of(replicaLoad).p50())
        + " | " + Latency.ms(overhead50) + " / " + Latency.ms(overhead90)
        + " | " + Latency.ms(Latency.of(paired).p50())
        + " | " + Latency.ms(b.p50() - a2.p50())
        + " | " + (overhead50 <= TARGET_OVERHEAD_NANOS ? "met" : "missed") + " |";
    return new Rows(latency, cpu);
  }

  /**
   * Opens a fresh session and runs it once; returns {total, open} nanoseconds. With {@code rehash},
   * first hashes the file as the node does before every load (ArtifactStore.verified).
   */
  private static long[] inProcess(Model m, boolean rehash) {
    long cpu0 = Machine.threadsCpuNanos();
    long t0 = System.nanoTime();
    if (rehash) {
      try {
        Sha256.of(m.file());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    ModelSession session = ModelSession.open(m.file(), SessionSettings.CPU);
    long opened = System.nanoTime();
    try {
      Map<String, Tensor> inputs = inputs(m, session);
      long t1 = System.nanoTime();
      session.run(inputs, List.of());
      long done = System.nanoTime();
      long cpu = Machine.threadsCpuNanos() - cpu0;
      // Decoding the inputs is not ORT's work: leave it out of the in-process time.
      return new long[] {(opened - t0) + (done - t1), opened - t0, cpu};
    } finally {
      session.close();
    }
  }

  private static Map<String, Tensor> inputs(Model m, ModelSession session) {
    return switch (m.name()) {
      case "iris-mlp" -> Payloads.tensors("input", Payloads.IRIS_ROW);
      case "heavy-mlp" -> Payloads.tensors("input", Payloads.heavyRow());
      default -> Payloads.decodePlain(m.plainBody(), session.signature());
    };
  }

  /**
   * Scales the function to zero, then times one invoke; checks that exactly one replica was loaded
   * for it. Returns {invoke, the replica's load, CPU of all Java threads during the invoke} nanoseconds.
   */
  private static long[] coldInvoke(BenchNode node, BenchClient client, String function, Request invoke) {
    client.unload(function);
    Checks.check(node.liveReplicas(function) == 0, function + " still has replicas after unload");
    long coldStarts = node.replicas().coldStarts();
    long cpu0 = Machine.threadsCpuNanos();
    long t0 = System.nanoTime();
    client.call(invoke);
    long elapsed = System.nanoTime() - t0;
    long cpu = Machine.threadsCpuNanos() - cpu0;
    Checks.check(node.replicas().coldStarts() == coldStarts + 1, function + ": expected exactly one cold start, saw "
        + (node.replicas().coldStarts() - coldStarts));
    long load = node.replicas().replicas().stream()
        .filter(r -> r.id().function().equals(function))
        .mapToLong(ReplicaInfo::loadNanos)
        .max().orElse(0);
    return new long[] {elapsed, load, cpu};
  }

  private static String msList(long[] nanos) {
    StringBuilder sb = new StringBuilder();
    for (long n : nanos) {
      sb.append(sb.length() == 0 ? "" : " ").append(Latency.ms(n));
    }
    return sb.toString();
  }
}
