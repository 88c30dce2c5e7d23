package io.zeroserve.bench.cluster;

import io.vertx.core.Future;
import io.zeroserve.bench.cluster.Loopback.Request;
import io.zeroserve.bench.cluster.Samples.Stats;
import io.zeroserve.examples.ExampleModels;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * What clients see when the node that holds a function's only replica dies. Three node processes,
 * A, B and C; iris-mlp has one replica, loaded on B. Two clients, one on A and one on C, each send
 * {@code POST /v1/functions/iris-mlp/invoke} with one request in flight, so every call is forwarded
 * to B. At {@code killAt} seconds B gets SIGKILL; the stream goes on until {@code duration} seconds.
 *
 * <p>Requests are put in three phases: before (answered before the kill), during (in flight at the
 * kill, or sent in the {@code window} seconds after it) and after (sent later). A failed request is
 * one that got no answer or a status other than 200. Target: none fails. The bench also prints a
 * timeline in 500 ms steps, the slowest requests (their send time relative to the kill), and where
 * replicas of the function are after the run: A and C are expected to have loaded their own when
 * their forwards to B failed.
 *
 * <p>System properties: {@code duration} (s, default 10), {@code killAt} (s, default 4), {@code window}
 * (s, default 2), {@code warmup} requests per client (default 2000).
 */
public final class FailoverBench {

  private static final double DURATION_S = Double.parseDouble(System.getProperty("duration", "10"));
  private static final double KILL_AT_S = Double.parseDouble(System.getProperty("killAt", "4"));
  private static final double WINDOW_S = Double.parseDouble(System.getProperty("window", "2"));
  private static final int WARMUP = Integer.getInteger("warmup", 2000);
  private static final int CAPACITY = 1_000_000;
  private static final String FUNCTION = "iris-mlp";
  private static final long DIRECTORY_SETTLE_MS = 2_000;
  private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private FailoverBench() {}

  public static void main(String[] args) {
    System.out.println("FailoverBench on " + ClusterRun.machine() + "; duration=" + DURATION_S + " s, killAt="
        + KILL_AT_S + " s, window=" + WINDOW_S + " s, warmup=" + WARMUP);
    try (ClusterRun run = new ClusterRun("Failover")) {
      NodeProcess a = run.start("a");
      NodeProcess b = run.start("b", a);
      NodeProcess c = run.start("c", a, b);
      run.deploy(b, FUNCTION, ExampleModels.irisMlp());
      run.awaitFunction(a, FUNCTION);
      run.awaitFunction(c, FUNCTION);
      run.load(b, FUNCTION);
      NodeProcess.sleep(DIRECTORY_SETTLE_MS);

      Request invoke = Request.json("/v1/functions/" + FUNCTION + "/invoke", ClusterRun.IRIS_BODY);
      Loopback.Client onA = run.client(a);
      Loopback.Client onC = run.client(c);
      long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      Samples warmA = run.guard(() -> Loopback.await(onA.sequential(invoke, warmupEnd, WARMUP), 180));
      Samples warmC = run.guard(() -> Loopback.await(onC.sequential(invoke, warmupEnd, WARMUP), 180));
      if (warmA.all().failed() + warmC.all().failed() > 0) {
        throw new IllegalStateException("warm-up failed: " + warmA.firstErrors() + " " + warmC.firstErrors());
      }
      long[] before = {run.liveReplicas(a, FUNCTION), run.liveReplicas(b, FUNCTION), run.liveReplicas(c, FUNCTION)};
      if (before[0] != 0 || before[1] != 1 || before[2] != 0) {
        throw new IllegalStateException("expected one replica, on B; found A " + before[0] + ", B " + before[1]
            + ", C " + before[2]);
      }
      System.out.println("replicas before: A 0, B 1, C 0; B is pid " + b.pid());

      long start = System.nanoTime();
      long end = start + seconds(DURATION_S);
      Future<Samples> streamA = onA.sequential(invoke, end, CAPACITY);
      Future<Samples> streamC = onC.sequential(invoke, end, CAPACITY);
      NodeProcess.sleep(TimeUnit.NANOSECONDS.toMillis(start + seconds(KILL_AT_S) - System.nanoTime()));
      long kill = System.nanoTime();
      LocalTime killClock = LocalTime.now();
      b.kill();
      long dead = System.nanoTime();
      long wait = (long) DURATION_S + Loopback.REQUEST_TIMEOUT_MS / 1000 + 10;
      Samples sa = run.guard(() -> Loopback.await(streamA, wait));
      Samples sc = run.guard(() -> Loopback.await(streamC, wait));
      System.out.println("SIGKILL to B at " + killClock + " (" + Samples.ms(kill - start) + " ms into the stream); "
          + "B had exited " + Samples.ms(dead - kill) + " ms later");

      long windowEnd = kill + seconds(WINDOW_S);
      System.out.println();
      System.out.println("| client | phase | requests answered 200 | failed | p50 (ms) | p99 (ms) | max (ms) |");
      System.out.println("|---|---|---|---|---|---|---|");
      int failed = 0;
      for (Object[] client : new Object[][] {{"on A", sa}, {"on C", sc}}) {
        Samples s = (Samples) client[1];
        failed += s.all().failed();
        row(client[0] + "", "before", s.select(i -> s.start(i) + s.latency(i) - kill < 0));
        row(client[0] + "", "during (" + WINDOW_S + " s)", s.select(during(s, kill, windowEnd)));
        row(client[0] + "", "after", s.select(i -> s.start(i) - windowEnd >= 0));
      }
      System.out.println();
      System.out.println("failed requests: " + failed + " (target 0: " + (failed == 0 ? "met" : "MISSED") + ")");
      for (Samples s : List.of(sa, sc)) {
        if (!s.firstErrors().isEmpty()) {
          System.out.println("first failures of " + (s == sa ? "A" : "C") + ": " + s.firstErrors());
        }
      }
      timeline(sa, sc, start, kill);
      slowest(sa, "A", kill);
      slowest(sc, "C", kill);
      System.out.println("replicas after: A " + run.replicas(a, FUNCTION).encode() + ", C "
          + run.replicas(c, FUNCTION).encode());
      System.out.println("A's log about the failover:");
      a.logLines("retrying").stream().limit(3).forEach(l -> System.out.println("  " + l));
      a.logLines("suspected").stream().limit(2).forEach(l -> System.out.println("  " + l));
    }
  }

  private static IntPredicate during(Samples s, long kill, long windowEnd) {
    return i -> s.start(i) + s.latency(i) - kill >= 0 && s.start(i) - windowEnd < 0;
  }

  private static long seconds(double s) {
    return (long) (s * 1e9);
  }

  private static void row(String client, String phase, Stats s) {
    System.out.println("| " + client + " | " + phase + " | " + s.count() + " | " + s.failed() + " | "
        + Samples.ms(s.p50()) + " | " + Samples.ms(s.p99()) + " | " + Samples.ms(s.max()) + " |");
  }

  /** Requests sent in each 500 ms step, both clients together. */
  private static void timeline(Samples sa, Samples sc, long start, long kill) {
    System.out.println();
    System.out.println("| sent at, from the kill (ms) | answered 200 | failed | max (ms) |");
    System.out.println("|---|---|---|---|");
    long first = start - kill;
    for (long from = first; from < first + seconds(DURATION_S); from += STEP_NANOS) {
      long lo = kill + from;
      long hi = lo + STEP_NANOS;
      int ok = 0;
      int failed = 0;
      long max = 0;
      for (Samples s : List.of(sa, sc)) {
        Stats w = s.window(lo, hi);
        ok += w.count();
        failed += w.failed();
        for (int i = 0; i < s.count(); i++) {
          if (s.start(i) - lo >= 0 && s.start(i) - hi < 0) {
            max = Math.max(max, s.latency(i));
          }
        }
      }
      System.out.printf("| %+.0f | %d | %d | %s |%n", from / 1e6, ok, failed, Samples.ms(max));
    }
  }

  private static void slowest(Samples s, String client, long kill) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < s.count(); i++) {
      order.add(i);
    }
    order.sort((x, y) -> Long.compare(s.latency(y), s.latency(x)));
    StringBuilder sb = new StringBuilder("slowest on " + client + " (sent at ms from the kill: latency ms, status):");
    for (int i : order.subList(0, Math.min(5, order.size()))) {
      sb.append(String.format(" %+.1f: %s, %d;", (s.start(i) - kill) / 1e6, Samples.ms(s.latency(i)), s.status(i)));
    }
    System.out.println(sb);
  }
}
