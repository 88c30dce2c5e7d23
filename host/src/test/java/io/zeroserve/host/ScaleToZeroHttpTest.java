package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.host.NodeFixture.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale to zero and back over HTTP, on a real node in this JVM: idle timeouts unload replicas and
 * the next request loads one again; minReplicas keeps one warm; the repository extension loads and
 * unloads; a full queue answers 429 and a passed deadline 504; and a version switch under load
 * loses no request. Each test uses its own function on one shared node.
 *
 * <p>Every wait is a poll, every 100 ms, with a bound.
 */
class ScaleToZeroHttpTest {

  /** Bound on waiting for the control loop (ticks every 100 ms) to act. */
  private static final long CONVERGE_SECONDS = 10;
  private static final byte[] IRIS = ExampleModels.irisMlp();

  @TempDir
  static Path dataDir;
  private static NodeFixture node;
  private static ExecutorService clients;

  @BeforeAll
  static void startNode() {
    node = NodeFixture.start(dataDir);
    clients = Executors.newFixedThreadPool(8);
  }

  @AfterAll
  static void stopNode() {
    if (clients != null) {
      clients.shutdownNow();
    }
    if (node != null) {
      node.close();
    }
  }

  // ---- idle timeout and minReplicas ------------------------------------------------------------

  @Test
  void when_noRequestForIdleTimeout_then_replicaUnloadsAndTheNextRequestLoadsOneAgain() {
    node.deploy("idle-iris", IRIS);
    node.put("/v1/functions/idle-iris", "{\"idleTimeout\": \"1s\"}").expect(200);
    TestModels.assertIrisSetosa(node.infer("idle-iris", TestModels.irisRequest()).expect(200));
    assertEquals(List.of("READY"), states("idle-iris"), "a replica serves after the first request");

    awaitCondition(() -> states("idle-iris").isEmpty(), "the idle replica is unloaded");

    TestModels.assertIrisSetosa(node.infer("idle-iris", TestModels.irisRequest()).expect(200));
    assertEquals(List.of("READY"), states("idle-iris"), "the next request loaded a replica again");
  }

  @Test
  void when_minReplicasIsOne_then_aReplicaLoadsWithoutRequestsAndOutlivesTheIdleTimeout() throws Exception {
    node.deploy("warm-iris", IRIS);
    assertEquals(List.of(), states("warm-iris"), "a new function has no replica until it is needed");

    node.put("/v1/functions/warm-iris", "{\"minReplicas\": 1, \"idleTimeout\": \"1s\"}").expect(200);

    awaitCondition(() -> states("warm-iris").equals(List.of("READY")), "minReplicas loads one replica");
    String id = replicas("warm-iris").getJsonObject(0).getString("id");
    // Proving that something does not happen takes a wait: one and a half idle timeouts, during
    // which the same replica must stay loaded the whole time.
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
    while (System.nanoTime() - until < 0) {
      JsonArray now = replicas("warm-iris");
      assertEquals(1, now.size(), () -> "replicas while idle: " + now);
      assertEquals(id, now.getJsonObject(0).getString("id"), "the same replica, not unloaded and reloaded");
      Thread.sleep(100);
    }
    TestModels.assertIrisSetosa(node.infer("warm-iris", TestModels.irisRequest()).expect(200));
    assertEquals(id, replicas("warm-iris").getJsonObject(0).getString("id"), "served by the warm replica");

    node.put("/v1/functions/warm-iris", "{\"minReplicas\": 0, \"idleTimeout\": \"1s\"}").expect(200);
    awaitCondition(() -> states("warm-iris").isEmpty(), "with minReplicas 0 the idle replica goes");
  }

  // ---- repository extension ----------------------------------------------------------------------

  @Test
  void when_repositoryLoadsAndUnloads_then_indexAndReplicasFollowAndTheModelStillServes() {
    node.deploy("repo-iris", IRIS);
    assertEquals("UNLOADED", indexEntry("repo-iris").getString("state"));
    assertNotNull(indexEntry("repo-iris").getString("reason"), "an unloaded model says why");

    node.postJson("/v2/repository/models/repo-iris/load", "{}").expect(200);

    JsonObject loaded = indexEntry("repo-iris");
    assertEquals("READY", loaded.getString("state"), () -> "after load: " + loaded);
    assertEquals("1", loaded.getString("version"));
    assertEquals(List.of("READY"), states("repo-iris"));

    node.postJson("/v2/repository/models/repo-iris/unload", "{}").expect(200);

    assertEquals("UNLOADED", indexEntry("repo-iris").getString("state"));
    assertEquals(List.of(), states("repo-iris"), "unload drains and removes every replica");
    TestModels.assertIrisSetosa(node.infer("repo-iris", TestModels.irisRequest()).expect(200));
    assertEquals("READY", indexEntry("repo-iris").getString("state"), "an unloaded model still serves: it loads");
  }

  @Test
  void when_repositoryNamesAnUnknownModel_then_404() {
    node.postJson("/v2/repository/models/no-such-model/load", "{}").expectError(404, "no-such-model");
    node.postJson("/v2/repository/models/no-such-model/unload", "{}").expectError(404, "no-such-model");
  }

  // ---- overload and deadlines ------------------------------------------------------------------

  @Test
  void when_queueOverflows_then_429WithRetryAfterAndTheNodeStaysLive() throws Exception {
    node.deploy("full-heavy", ExampleModels.heavyMlp());
    node.put("/v1/functions/full-heavy", "{\"maxQueue\": 1}").expect(200);
    JsonObject request = heavyRequest(8, null);

    // Cold: every request arrives while the one replica loads (hashing and opening 35 MB), and
    // requests waiting for a load count against maxQueue.
    List<Reply> replies = concurrently(20, () -> node.infer("full-heavy", request));

    int tooMany = 0;
    for (Reply r : replies) {
      if (r.status() == 429) {
        tooMany++;
        r.expectError(429, "maxQueue");
        String retryAfter = r.headers().get("retry-after");
        assertNotNull(retryAfter, "a 429 carries Retry-After");
        assertTrue(Integer.parseInt(retryAfter) > 0, "Retry-After is a positive number of seconds: " + retryAfter);
      } else {
        assertEquals(200, r.status(), () -> "every other request is served, got: " + r.body());
      }
    }
    assertTrue(tooMany > 0, "with maxQueue 1, some of 20 concurrent requests are refused");
    node.get("/v2/health/live").expect(200);
    node.get("/v2/health/ready").expect(200);
    assertEquals(16, node.infer("full-heavy", request).expect(200).getJsonArray("outputs").getJsonObject(0)
        .getJsonArray("data").size() / 8, "the node serves after the overload: 8 rows of 16");
  }

  @Test
  void when_deadlinePassesBehindHeavyWork_then_504AndTheWorkAheadIsServed() throws Exception {
    node.deploy("slow-heavy", ExampleModels.heavyMlp());
    node.infer("slow-heavy", heavyRequest(1, null)).expect(200); // warm

    List<java.util.concurrent.Future<Reply>> ahead = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ahead.add(clients.submit(() -> node.infer("slow-heavy", heavyRequest(32, null))));
    }
    Reply late = node.infer("slow-heavy", heavyRequest(1, 1L)); // parameters.timeout: 1 microsecond

    String message = late.expectError(504, "deadline");
    assertFalse(message.isBlank());
    for (java.util.concurrent.Future<Reply> f : ahead) {
      f.get(NodeFixture.TIMEOUT_SECONDS, TimeUnit.SECONDS).expect(200);
    }
    node.get("/v2/health/live").expect(200);
  }

  // ---- version switch under load ---------------------------------------------------------------

  /**
   * Four clients send requests back to back while version 2 is deployed (and becomes active, being
   * the newest) and then activeVersion is set back to 1. No request may fail; each client sees the
   * version move from 1 to 2 and back, never back and forth, and each answer matches its version.
   */
  @Test
  void when_versionSwitchesUnderLoad_then_noRequestFailsAndClientsMoveFromOneVersionToTheNext() throws Exception {
    node.deploy("switch", TestModels.addConstant(1f));
    assertEquals(1f, TestModels.addedConstant(node.infer("switch", TestModels.addRequest()).expect(200)));

    int threads = 4;
    AtomicBoolean stop = new AtomicBoolean();
    List<List<String>> seen = new ArrayList<>();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      List<String> versions = Collections.synchronizedList(new ArrayList<>());
      seen.add(versions);
      clients.submit(() -> {
        try {
          while (!stop.get()) {
            Reply r = node.infer("switch", TestModels.addRequest());
            if (r.status() != 200) {
              failures.add(r.status() + " " + r.body());
              continue;
            }
            JsonObject json = r.json();
            String version = json.getString("model_version");
            float k = TestModels.addedConstant(json);
            if (k != Float.parseFloat(version)) {
              failures.add("version " + version + " answered as version " + k);
            }
            versions.add(version);
          }
        } catch (Throwable e) {
          failures.add(e.toString());
        } finally {
          done.countDown();
        }
      });
    }
    try {
      awaitCondition(() -> noFailures(failures) && seen.stream().allMatch(v -> v.size() >= 5),
          "every client served by version 1");

      node.deploy("switch", TestModels.addConstant(2f)); // version 2, active as the newest

      awaitCondition(() -> noFailures(failures) && seen.stream().allMatch(v -> last(v).equals("2")),
          "every client on version 2");
      node.put("/v1/functions/switch", "{\"activeVersion\": 1}").expect(200);
      awaitCondition(() -> noFailures(failures) && seen.stream().allMatch(v -> last(v).equals("1")),
          "every client back on version 1");
      int[] sizes = seen.stream().mapToInt(List::size).toArray();
      awaitCondition(() -> {
        for (int i = 0; i < threads; i++) {
          if (seen.get(i).size() < sizes[i] + 5) {
            return false;
          }
        }
        return noFailures(failures);
      }, "a few more requests after the switch back");
    } finally {
      stop.set(true);
      assertTrue(done.await(NodeFixture.TIMEOUT_SECONDS, TimeUnit.SECONDS), "clients stopped");
    }

    assertEquals(List.of(), failures, "failed requests during the version switches");
    for (List<String> versions : seen) {
      assertEquals(List.of("1", "2", "1"), runs(versions), () -> "versions one client saw, in order: " + versions);
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private static JsonArray replicas(String function) {
    JsonArray replicas = node.describe(function).getJsonArray("replicas");
    assertNotNull(replicas, "GET /v1/functions/" + function + " lists replicas");
    return replicas;
  }

  private static List<String> states(String function) {
    List<String> states = new ArrayList<>();
    JsonArray replicas = replicas(function);
    for (int i = 0; i < replicas.size(); i++) {
      states.add(replicas.getJsonObject(i).getString("state"));
    }
    return states;
  }

  private static JsonObject indexEntry(String function) {
    Reply reply = node.postJson("/v2/repository/index", "{}");
    assertEquals(200, reply.status(), () -> "index: " + reply.body());
    JsonArray index = new JsonArray(reply.body());
    JsonObject found = null;
    for (int i = 0; i < index.size(); i++) {
      JsonObject model = index.getJsonObject(i);
      if (model.getString("name").equals(function)) {
        assertEquals(null, found, () -> "one index entry per version of " + function + ": " + index);
        found = model;
      }
    }
    assertNotNull(found, () -> function + " in the repository index: " + index);
    return found;
  }

  /** A V2 request for heavy-mlp with {@code rows} rows; {@code timeoutMicros} as parameters.timeout if given. */
  private static JsonObject heavyRequest(int rows, Long timeoutMicros) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < rows * ExampleModels.HEAVY_MLP_INPUTS; i++) {
      data.add((i % 17) / 17.0 - 0.5);
    }
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "input").put("datatype", "FP32")
        .put("shape", new JsonArray().add(rows).add(ExampleModels.HEAVY_MLP_INPUTS))
        .put("data", data)));
    if (timeoutMicros != null) {
      request.put("parameters", new JsonObject().put("timeout", timeoutMicros));
    }
    return request;
  }

  private static List<Reply> concurrently(int n, Supplier<Reply> send) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<Reply>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(clients.submit(() -> {
        start.await();
        return send.get();
      }));
    }
    start.countDown();
    List<Reply> replies = new ArrayList<>();
    for (java.util.concurrent.Future<Reply> f : futures) {
      replies.add(f.get(NodeFixture.TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }
    return replies;
  }

  /** Fails at once, with what failed, rather than letting a wait run out. */
  private static boolean noFailures(List<String> failures) {
    assertEquals(List.of(), List.copyOf(failures), "failed requests during the version switches");
    return true;
  }

  private static String last(List<String> versions) {
    synchronized (versions) {
      return versions.isEmpty() ? "" : versions.get(versions.size() - 1);
    }
  }

  /** The versions in order with repeats collapsed: [1, 1, 2, 2, 1] gives [1, 2, 1]. */
  private static List<String> runs(List<String> versions) {
    List<String> runs = new ArrayList<>();
    synchronized (versions) {
      for (String v : versions) {
        if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(v)) {
          runs.add(v);
        }
      }
    }
    return runs;
  }

  private static void awaitCondition(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CONVERGE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail(what + ": not within " + CONVERGE_SECONDS + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted while waiting: " + what);
      }
    }
  }
}
