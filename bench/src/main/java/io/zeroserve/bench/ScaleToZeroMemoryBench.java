package io.zeroserve.bench;

import io.vertx.core.json.JsonObject;
import io.zeroserve.bench.BenchClient.LoadResult;
import io.zeroserve.bench.BenchClient.Request;
import io.zeroserve.examples.ExampleModels;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether scaling heavy-mlp to zero gives its native memory back: this process's resident set
 * (VmRSS) before heavy-mlp is loaded, after a replica is loaded and has served requests, and after
 * {@code POST /v2/repository/models/heavy-mlp/unload} and a full GC; then {@code cycles} more
 * load / serve / unload cycles, to show that nothing accumulates. Java's committed heap is printed
 * beside RSS, since a GC can grow or shrink it: RSS minus committed heap is mostly native memory
 * (ONNX Runtime, thread stacks, code, metaspace).
 *
 * <p>System properties: {@code cycles} (default 5), {@code requests} per load (default 200).
 */
public final class ScaleToZeroMemoryBench {

  private static final int CYCLES = Integer.getInteger("cycles", 5);
  private static final int REQUESTS = Integer.getInteger("requests", 200);
  private static final String FUNCTION = "heavy-mlp";
  private static final long SETTLE_MS = 1000;

  private ScaleToZeroMemoryBench() {}

  private record Sample(String when, long rss, long heapCommitted, long heapUsed) {
    String row() {
      return "| " + when + " | " + Machine.mib(rss) + " | " + Machine.mib(heapCommitted) + " | "
          + Machine.mib(rss - heapCommitted) + " | " + Machine.mib(heapUsed) + " |";
    }
  }

  public static void main(String[] args) throws InterruptedException {
    System.out.println("ScaleToZeroMemoryBench on " + Machine.describe() + ", " + CYCLES + " cycles of "
        + REQUESTS + " requests");
    List<Sample> samples = new ArrayList<>();
    try (BenchNode node = BenchNode.start(); BenchClient client = new BenchClient(node.port(), 4)) {
      // Warm the JVM and the client on iris-mlp, then scale it to zero too.
      client.deploy("iris-mlp", ExampleModels.irisMlp(), new JsonObject());
      LoadResult warm = client.closedLoop(Payloads.plain("iris-mlp", "input", Payloads.IRIS_ROW), 1, 0,
          30_000_000_000L, 2000);
      Checks.check(warm.errors() == 0, "warm-up failed: " + warm.firstError());
      client.unload("iris-mlp");
      samples.add(sample("node started, nothing loaded"));
      // Deploying opens a session once to read the signature, and closes it.
      client.deploy(FUNCTION, ExampleModels.heavyMlp(), new JsonObject());
      samples.add(sample("heavy-mlp deployed, not loaded (before loading)"));
      Request invoke = Payloads.plain(FUNCTION, "input", Payloads.heavyRow());
      for (int cycle = 1; cycle <= CYCLES; cycle++) {
        LoadResult r = client.closedLoop(invoke, 1, 0, 120_000_000_000L, REQUESTS);
        Checks.check(r.errors() == 0, "requests failed: " + r.firstError());
        Checks.check(node.liveReplicas(FUNCTION) == 1, "expected one replica of " + FUNCTION);
        samples.add(sample("cycle " + cycle + ": loaded, after " + r.count() + " requests"));
        client.unload(FUNCTION);
        Checks.check(node.liveReplicas(FUNCTION) == 0, FUNCTION + " still has replicas after unload");
        samples.add(sample("cycle " + cycle + ": after unload + GC"));
      }
    }
    System.out.println();
    System.out.println("| when | RSS MiB | Java heap committed MiB | RSS - heap committed MiB | Java heap used MiB |");
    System.out.println("|---|---|---|---|---|");
    samples.forEach(s -> System.out.println(s.row()));
    Sample before = samples.get(1);
    Sample loaded = samples.get(2);
    Sample unloaded = samples.get(3);
    Sample last = samples.get(samples.size() - 1);
    System.out.printf("%nnative (RSS - heap committed): +%s MiB when loaded, %s MiB after the first unload vs before "
            + "loading, %s MiB after the last unload vs before loading%n",
        Machine.mib((loaded.rss() - loaded.heapCommitted()) - (before.rss() - before.heapCommitted())),
        signedMib((unloaded.rss() - unloaded.heapCommitted()) - (before.rss() - before.heapCommitted())),
        signedMib((last.rss() - last.heapCommitted()) - (before.rss() - before.heapCommitted())));
  }

  /** Full GC, a pause for the allocator and the GC to hand pages back, then the numbers. */
  private static Sample sample(String when) throws InterruptedException {
    System.gc();
    Thread.sleep(SETTLE_MS);
    Runtime rt = Runtime.getRuntime();
    Sample s = new Sample(when, Machine.rssBytes(), rt.totalMemory(), Machine.heapUsedBytes());
    System.out.println(s.row());
    return s;
  }

  private static String signedMib(long bytes) {
    return (bytes >= 0 ? "+" : "") + Machine.mib(bytes);
  }
}
