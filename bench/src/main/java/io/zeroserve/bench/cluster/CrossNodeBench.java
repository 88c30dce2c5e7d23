package io.zeroserve.bench.cluster;

import io.zeroserve.bench.cluster.Loopback.Request;
import io.zeroserve.bench.cluster.Samples.Stats;
import io.zeroserve.examples.ExampleModels;
import java.util.List;

/**
 * What forwarding a call to another node costs. Two node processes, A and B; iris-mlp has one
 * replica, loaded on B only. With one request in flight at a time:
 *
 * <ul>
 *   <li>same-node: {@code POST /v1/functions/iris-mlp/invoke} on B, served by B's replica;
 *   <li>cross-node: the same on A, which has no replica and forwards the call over the event bus to B.
 * </ul>
 *
 * <p>The two alternate request by request (B, A, B, A, ...), each on its own keep-alive connection,
 * so that background load on the machine hits both alike; the per-chunk medians show how stable the
 * difference was over the run. Before and after the measurement the bench checks that A holds no
 * replica of the function and B exactly one; otherwise it fails, since it would have measured
 * something else.
 *
 * <p>System properties: {@code requests} per path (default 10000), {@code warmup} requests per path
 * (default 5000), {@code chunks} (default 5).
 */
public final class CrossNodeBench {

  private static final int REQUESTS = Integer.getInteger("requests", 10_000);
  private static final int CHUNKS = Integer.getInteger("chunks", 5);
  private static final int WARMUP = Integer.getInteger("warmup", 5000);
  private static final String FUNCTION = "iris-mlp";
  /** How long a replica location takes at most, here, to reach the other node's directory. */
  private static final long DIRECTORY_SETTLE_MS = 2_000;
  /** Target: what a forward may add to the median. */
  private static final long TARGET_OVERHEAD_NANOS = 500_000;

  private CrossNodeBench() {}

  public static void main(String[] args) {
    System.out.println("CrossNodeBench on " + ClusterRun.machine() + "; requests=" + REQUESTS
        + ", warmup=" + WARMUP);
    try (ClusterRun run = new ClusterRun("CrossNode")) {
      NodeProcess a = run.start("a");
      NodeProcess b = run.start("b", a);
      // Deployed and loaded through B; A is only asked what it knows, never to invoke, until B's
      // replica is in A's directory.
      run.deploy(b, FUNCTION, ExampleModels.irisMlp());
      run.awaitFunction(a, FUNCTION);
      run.load(b, FUNCTION);
      NodeProcess.sleep(DIRECTORY_SETTLE_MS);
      checkPlacement(run, a, b, "before warm-up");

      Request invoke = Request.json("/v1/functions/" + FUNCTION + "/invoke", ClusterRun.IRIS_BODY);
      List<Loopback.Client> clients = List.of(run.client(b), run.client(a));
      List<Request> requests = List.of(invoke, invoke);
      List<Samples> warm = alternating(run, clients, requests, WARMUP);
      requireOk(warm.get(0), "warm-up on B");
      requireOk(warm.get(1), "warm-up on A");
      checkPlacement(run, a, b, "after warm-up");

      List<Samples> measured = alternating(run, clients, requests, REQUESTS);
      Samples same = measured.get(0);
      Samples cross = measured.get(1);
      System.out.println();
      System.out.println("| chunk | same-node p50 (ms) | cross-node p50 (ms) | difference (ms) |");
      System.out.println("|---|---|---|---|");
      int chunk = REQUESTS / CHUNKS;
      for (int k = 0; k < CHUNKS; k++) {
        int lo = k * chunk;
        int hi = k == CHUNKS - 1 ? REQUESTS : lo + chunk;
        long sp = same.select(i -> i >= lo && i < hi).p50();
        long cp = cross.select(i -> i >= lo && i < hi).p50();
        System.out.println("| " + (k + 1) + " | " + Samples.ms(sp) + " | " + Samples.ms(cp) + " | " + Samples.ms(cp - sp)
            + " |");
      }
      checkPlacement(run, a, b, "after the measurement");

      Stats sameStats = same.all();
      Stats crossStats = cross.all();
      System.out.println();
      System.out.println("| path | requests | failed | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | mean (ms) |");
      System.out.println("|---|---|---|---|---|---|---|---|");
      row("same-node (invoke on B)", sameStats);
      row("cross-node (invoke on A, forwarded to B)", crossStats);
      long overhead = crossStats.p50() - sameStats.p50();
      System.out.println();
      System.out.println("load average after the run: " + ClusterRun.loadAverage());
      System.out.println("forward overhead: p50 +" + Samples.ms(overhead) + " ms, p99 +"
          + Samples.ms(crossStats.p99() - sameStats.p99()) + " ms; target p50 <= "
          + Samples.ms(TARGET_OVERHEAD_NANOS) + " ms: " + (overhead <= TARGET_OVERHEAD_NANOS ? "met" : "MISSED"));
      System.out.println("A replicas of " + FUNCTION + " after the run: " + run.replicas(a, FUNCTION).encode()
          + "; B: " + run.replicas(b, FUNCTION).encode());
    }
  }

  private static List<Samples> alternating(ClusterRun run, List<Loopback.Client> clients, List<Request> requests,
                                           int rounds) {
    return run.guard(() -> Loopback.await(run.loopback().alternating(clients, requests, rounds),
        Loopback.REQUEST_TIMEOUT_MS / 1000 + rounds));
  }

  private static void requireOk(Samples s, String what) {
    if (s.all().failed() > 0) {
      throw new IllegalStateException(what + ": " + s.all().failed() + " requests failed, first: " + s.firstErrors());
    }
  }

  /** Fails unless A holds no replica of the function and B exactly one. */
  private static void checkPlacement(ClusterRun run, NodeProcess a, NodeProcess b, String when) {
    long onA = run.liveReplicas(a, FUNCTION);
    long onB = run.liveReplicas(b, FUNCTION);
    if (onA != 0 || onB != 1) {
      throw new IllegalStateException(when + ": expected no replica on A and one on B, found " + onA + " and " + onB
          + ": A " + run.replicas(a, FUNCTION).encode() + ", B " + run.replicas(b, FUNCTION).encode());
    }
  }

  private static void row(String path, Stats s) {
    System.out.println("| " + path + " | " + s.count() + " | " + s.failed() + " | " + Samples.ms(s.p50()) + " | "
        + Samples.ms(s.p90()) + " | " + Samples.ms(s.p99()) + " | " + Samples.ms(s.max()) + " | "
        + Samples.ms(s.mean()) + " |");
  }
}
