package io.zeroserve.functions.replica;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.AsyncResult;
import io.vertx.core.Expectation;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TestModels;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.functions.store.FunctionRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica lifecycle with real ONNX Runtime sessions: single-flight cold starts, load failures,
 * admission (maxQueue), deadlines, cancellation, dynamic batching and draining.
 *
 * <p>Nothing here relies on timing. The worker executor is wrapped in a {@link GatedExecutor} that
 * counts the batches replicas hand to it and can hold one batch on its worker thread: a test holds
 * the batch a replica is running, queues requests behind it, and knows they are queued, because a
 * replica with parallelism 1 takes nothing from its queue while a batch runs.
 */
@ExtendWith(VertxExtension.class)
class ReplicaLifecycleTest {

  /** Bound on every wait in this class. */
  private static final long WAIT_SECONDS = 30;
  private static final float[] SETOSA = {5.1f, 3.5f, 1.4f, 0.2f};

  @TempDir
  Path dataDir;

  private Vertx vertx;
  private FunctionRegistry registry;
  private GatedExecutor executor;
  private LocalReplicas replicas;
  private final Map<String, FunctionConfig> configs = new ConcurrentHashMap<>();
  private ExecutorService clients;

  /**
   * Deploys and undeploys one replica before the tests. The first {@code FunctionVerticle.start()}
   * in a JVM is slow enough between its own listener and the deployment's (linking its lambdas)
   * that a fast load lands in the gap of the bug that
   * {@link #when_loadCompletesBeforeTheDeploymentListens_then_coldStartWaitersAreStillServed} shows,
   * and whichever test ran first failed now and then. That test shows the bug every time; this keeps
   * it out of the tests that are about something else. Remove once the bug is fixed.
   */
  @BeforeAll
  static void linkTheReplicaCodeOnce(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Path model = Files.write(dir.resolve("iris.onnx"), TestModels.IRIS);
      FunctionVerticle replica = new FunctionVerticle(new ReplicaId("warm-up", 1, 1), () -> model, SessionSettings.CPU,
          vertx.createSharedWorkerExecutor("warm-up", 1), 1, () -> FunctionConfig.DEFAULTS);
      await(vertx.deployVerticle(replica).compose(vertx::undeploy), "warm-up replica");
    } finally {
      await(vertx.close(), "warm-up vertx close");
    }
  }

  @BeforeEach
  void setUp(Vertx vertx) throws IOException {
    this.vertx = vertx;
    registry = new FunctionRegistry(dataDir, Clock.systemUTC(), 100);
    registry.load();
    executor = new GatedExecutor(vertx.createSharedWorkerExecutor("test-inference", 4, 1, TimeUnit.MINUTES));
    replicas = new LocalReplicas(vertx, registry.artifacts(), executor, SessionSettings.CPU, 1,
        name -> configs.getOrDefault(name, FunctionConfig.DEFAULTS));
    clients = Executors.newFixedThreadPool(8);
  }

  @AfterEach
  void tearDown() {
    executor.releaseAll();
    clients.shutdownNow();
    await(replicas.unloadAll(), "unload all");
  }

  // ---- cold start -------------------------------------------------------------------------------

  @Test
  void when_manyRequestsArriveAtAColdVersion_then_oneReplicaLoadsAndServesThemAll() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, new JsonObject().put("maxQueue", 1000));
    Gate load = executor.holdNextOrderedTask(); // all 200 arrive while the load runs

    List<Future<List<Tensor>>> results = concurrently(200, i -> replicas.invoke("iris", v, call(iris(SETOSA))));
    load.awaitStarted();
    LocalReplicas.VersionSnapshot loading = replicas.snapshot().get(0);
    assertEquals(1, loading.replicas(), () -> "while loading: " + loading);
    assertEquals(0, loading.ready());
    assertEquals(200, loading.outstanding(), "every request waits for the one load");
    load.release();

    awaitAll(results);
    for (Future<List<Tensor>> r : results) {
      assertTrue(r.succeeded(), () -> "every request succeeds, one failed: " + r.cause());
      assertEquals(List.of(0L), labels(r.result()), "setosa");
    }
    assertEquals(1, replicas.coldStarts(), "replica loads for 200 requests at a cold version");
    List<LocalReplicas.ReplicaInfo> infos = replicas.replicas();
    assertEquals(1, infos.size(), () -> "replicas: " + infos);
    assertEquals(ReplicaState.READY, infos.get(0).state());
    assertEquals(0, infos.get(0).outstanding());
  }

  @Test
  void when_artifactIsCorrupt_then_everyWaiterFailsUnavailableAndNothingIsLeftBehind() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, new JsonObject().put("maxQueue", 20));
    Path artifact = registry.artifacts().path(v.sha256());
    byte[] good = Files.readAllBytes(artifact);
    byte[] corrupt = good.clone();
    corrupt[corrupt.length / 2] ^= 0x55;
    Files.write(artifact, corrupt);
    Gate load = executor.holdNextOrderedTask(); // so that all 20 arrive while the one load runs

    List<Future<List<Tensor>>> failed = concurrently(20, i -> replicas.invoke("iris", v, call(iris(SETOSA))));
    load.awaitStarted();
    load.release();

    awaitAll(failed);
    for (Future<List<Tensor>> r : failed) {
      assertEquals(Reason.UNAVAILABLE, reason(r), () -> "every waiter fails UNAVAILABLE, got: " + r.cause());
    }
    assertEquals(1, replicas.coldStarts(), "one load for all the waiters, failed or not");
    assertEquals(List.of(), replicas.replicas(), "no replica is left behind");
    for (LocalReplicas.VersionSnapshot s : replicas.snapshot()) {
      assertEquals(0, s.replicas(), () -> "snapshot after the failure: " + s);
      assertEquals(0, s.outstanding(), () -> "snapshot after the failure: " + s);
    }

    // Nothing left behind: the failed requests gave their queue slots back (maxQueue is 20), and the
    // next request tries the load again.
    Files.write(artifact, good);
    List<Future<List<Tensor>>> retried = concurrently(20, i -> replicas.invoke("iris", v, call(iris(SETOSA))));
    awaitAll(retried);
    for (Future<List<Tensor>> r : retried) {
      assertTrue(r.succeeded(), () -> "after the artifact is repaired: " + r.cause());
    }
    assertEquals(2, replicas.coldStarts());
  }

  // ---- admission, deadlines, cancellation ------------------------------------------------------

  @Test
  void when_queueIsFull_then_excessRequestsAreOverloadedAtOnceAndTheRestSucceed() throws Exception {
    FunctionVersion v = deploy("heavy", TestModels.heavy(), new JsonObject().put("maxQueue", 4));
    warmUp("heavy", v, heavy(1));
    Gate gate = executor.holdNextBatch();
    Future<List<Tensor>> blocker = replicas.invoke("heavy", v, call(heavy(1)));
    gate.awaitStarted();

    List<Future<List<Tensor>>> results = concurrently(40, i -> replicas.invoke("heavy", v, call(heavy(1 + i % 3))));
    List<Future<List<Tensor>>> refusedBeforeRelease = results.stream().filter(Future::isComplete).toList();
    gate.release();

    awaitAll(results);
    assertTrue(await(blocker, "blocker").size() == 1);
    int overloaded = 0;
    int succeeded = 0;
    for (Future<List<Tensor>> r : results) {
      if (r.succeeded()) {
        succeeded++;
      } else {
        assertEquals(Reason.OVERLOADED, reason(r), () -> "the only failure is OVERLOADED, got: " + r.cause());
        overloaded++;
      }
    }
    assertEquals(4, succeeded, "requests admitted while the replica was busy: maxQueue");
    assertEquals(36, overloaded);
    assertEquals(36, refusedBeforeRelease.size(), "OVERLOADED is answered at once, not after a wait");
    refusedBeforeRelease.forEach(r -> assertEquals(Reason.OVERLOADED, reason(r)));
    assertEquals(1 + 1 + 4, executor.batches(), "warm-up, blocker, and one batch per admitted request");
  }

  @Test
  void when_deadlinePassesWhileQueued_then_timesOutAndNeverRuns() throws Exception {
    FunctionVersion v = deploy("heavy", TestModels.heavy(), null);
    warmUp("heavy", v, heavy(1));
    Gate gate = executor.holdNextBatch();
    Future<List<Tensor>> blocker = replicas.invoke("heavy", v, call(heavy(1)));
    gate.awaitStarted();
    List<Future<List<Tensor>>> patient = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      patient.add(replicas.invoke("heavy", v, call(heavy(2))));
    }
    InferenceCall hurried = new InferenceCall(heavy(1), List.of(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1));

    Future<List<Tensor>> timedOut = replicas.invoke("heavy", v, hurried);

    // It is answered while the work ahead of it is still held: the deadline, not the queue, ends it.
    awaitFailure(timedOut, "the hurried request");
    assertEquals(Reason.TIMEOUT, reason(timedOut), () -> "cause: " + timedOut.cause());
    assertTrue(hurried.cancellation().isCancelled(), "a timed-out call is flagged so that no replica runs it");
    assertFalse(blocker.isComplete(), "the blocker is still held");
    gate.release();
    awaitAll(patient);
    patient.forEach(r -> assertTrue(r.succeeded(), () -> "queued in time, served: " + r.cause()));
    await(blocker, "blocker");
    assertEquals(1 + 1 + 3, executor.batches(), "warm-up, blocker, the three patient requests; not the hurried one");
    assertEquals(0, replicas.replicas().get(0).outstanding());
  }

  /**
   * A request that has been answered TIMEOUT is gone for its client; it must not go on holding one
   * of the function's maxQueue slots (refusing live requests with OVERLOADED) until the busy replica
   * next looks at its queue, which for a long batch is much later.
   */
  @Test
  void when_queuedCallTimesOut_then_itsQueueSlotIsFreedAtOnce() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, new JsonObject().put("maxQueue", 2));
    warmUp("iris", v, iris(SETOSA));
    Gate gate = executor.holdNextBatch();
    Future<List<Tensor>> blocker = replicas.invoke("iris", v, call(iris(SETOSA)));
    gate.awaitStarted();
    List<Future<List<Tensor>>> hurried = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      hurried.add(replicas.invoke("iris", v,
          new InferenceCall(iris(SETOSA), List.of(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1))));
    }
    awaitAll(hurried);
    hurried.forEach(h -> assertEquals(Reason.TIMEOUT, reason(h)));

    Future<List<Tensor>> next = replicas.invoke("iris", v, call(iris(SETOSA)));

    boolean refused = next.failed();
    gate.release();
    await(blocker, "blocker");
    assertFalse(refused, () -> "a request after two timed-out ones was refused: " + next.cause());
    assertEquals(List.of(0L), labels(await(next, "the next request")));
  }

  @Test
  void when_queuedCallsAreCancelled_then_theyNeverRun() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, null);
    warmUp("iris", v, iris(SETOSA));
    Gate gate = executor.holdNextBatch();
    Future<List<Tensor>> blocker = replicas.invoke("iris", v, call(iris(SETOSA)));
    gate.awaitStarted();
    List<InferenceCall> calls = new ArrayList<>();
    List<Future<List<Tensor>>> results = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      InferenceCall c = call(iris(SETOSA));
      calls.add(c);
      results.add(replicas.invoke("iris", v, c));
    }

    for (int i = 0; i < 6; i += 2) {
      calls.get(i).cancellation().cancel(); // e.g. the client disconnected
    }
    gate.release();

    awaitAll(results);
    await(blocker, "blocker");
    for (int i = 0; i < 6; i++) {
      Future<List<Tensor>> r = results.get(i);
      if (i % 2 == 0) {
        assertEquals(Reason.TIMEOUT, reason(r), () -> "a cancelled call is answered, not run: " + r.cause());
        assertTrue(r.cause().getMessage().contains("cancelled"), r.cause().getMessage());
      } else {
        assertTrue(r.succeeded(), () -> "calls not cancelled are served: " + r.cause());
      }
    }
    assertEquals(1 + 1 + 3, executor.batches(), "warm-up, blocker, the three calls not cancelled");
  }

  // ---- batching ---------------------------------------------------------------------------------

  @Test
  void when_requestsQueueBehindABusyReplica_then_theyRunCombinedAndGiveTheSameBytesAsAlone() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS,
        new JsonObject().put("maxBatchSize", 16).put("maxQueueDelay", "20ms"));
    int[] sizes = {1, 2, 3, 5, 1, 2, 3, 5, 1, 2, 3, 5}; // 33 rows: at least 3 batches of 16
    List<Map<String, Tensor>> inputs = new ArrayList<>();
    List<List<String>> outputs = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      inputs.add(iris(irisRows(i, sizes[i])));
      outputs.add(i % 4 == 3 ? List.of("label") : List.of()); // some ask for one output only
    }
    // The reference: each request alone, on a replica of the same artifact with batching off.
    configs.put("iris-alone", FunctionConfig.DEFAULTS);
    List<List<Tensor>> alone = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      alone.add(await(replicas.invoke("iris-alone", v, call(inputs.get(i), outputs.get(i))), "request " + i + " alone"));
    }
    warmUp("iris", v, iris(SETOSA));
    Gate gate = executor.holdNextBatch();
    Future<List<Tensor>> blocker = replicas.invoke("iris", v, call(iris(SETOSA)));
    gate.awaitStarted();
    int batchesBefore = executor.batches();

    List<Future<List<Tensor>>> batched = concurrently(sizes.length,
        i -> replicas.invoke("iris", v, call(inputs.get(i), outputs.get(i))));
    waitUntil(() -> outstandingOf("iris") == 1 + sizes.length, "all requests queued behind the blocker");
    gate.release();

    awaitAll(batched);
    await(blocker, "blocker");
    for (int i = 0; i < sizes.length; i++) {
      Future<List<Tensor>> r = batched.get(i);
      assertTrue(r.succeeded(), () -> "batched request failed: " + r.cause());
      assertSameTensors(alone.get(i), r.result(), "request " + i + " (" + sizes[i] + " rows)");
    }
    assertEquals(3, executor.batches() - batchesBefore,
        "12 requests of 33 rows in all ran as the fewest batches of at most 16 rows");
  }

  // ---- drain -----------------------------------------------------------------------------------

  @Test
  void when_scaledToZeroWithRequestsInFlight_then_theyFinishAndTheReplicaUnloads() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, null);
    warmUp("iris", v, iris(SETOSA));
    Gate gate = executor.holdNextBatch();
    Future<List<Tensor>> running = replicas.invoke("iris", v, call(iris(SETOSA)));
    gate.awaitStarted();
    List<Future<List<Tensor>>> queued = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      queued.add(replicas.invoke("iris", v, call(iris(SETOSA))));
    }
    int closesBefore = executor.orderedTasks();

    Future<Void> drained = replicas.scaleTo("iris", v, 0);

    assertEquals(List.of(), replicas.replicas(), "a draining replica takes no new request and is not listed");
    assertFalse(drained.isComplete(), "the drain waits for the request that runs");
    gate.release();
    await(drained, "scale to zero");
    assertTrue(running.succeeded(), () -> "the running request finishes: " + running.cause());
    queued.forEach(r -> assertTrue(r.succeeded(), () -> "queued requests finish: " + r.cause()));
    assertEquals(closesBefore + 1, executor.orderedTasks(), "the session was closed once the queue drained");
    assertEquals(List.of(), replicas.snapshot(), "a version scaled to zero leaves no trace");
  }

  @Test
  void when_replicaIsUndeployedWithCallsQueued_then_goesDrainingThenUnloadedAfterServingThem() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, null);
    FunctionVerticle replica = verticle(v, () -> registry.artifacts().verified(v.sha256()));
    assertEquals(ReplicaState.LOADING, replica.state());
    String deployment = await(vertx.deployVerticle(replica), "deploy");
    assertEquals(ReplicaState.READY, replica.state());
    assertTrue(replica.loadNanos() > 0);
    Gate gate = executor.holdNextBatch();
    List<Future<List<Tensor>>> calls = new ArrayList<>();
    calls.add(replica.submit(call(iris(SETOSA))));
    gate.awaitStarted();
    calls.add(replica.submit(call(iris(SETOSA))));
    calls.add(replica.submit(call(iris(SETOSA))));

    Future<Void> undeployed = vertx.undeploy(deployment);

    waitUntil(() -> replica.state() == ReplicaState.DRAINING, "replica DRAINING");
    gate.release();
    await(undeployed, "undeploy");
    assertEquals(ReplicaState.UNLOADED, replica.state());
    calls.forEach(c -> assertTrue(c.succeeded(), () -> "calls held by a draining replica are served: " + c.cause()));
    Future<List<Tensor>> late = replica.submit(call(iris(SETOSA)));
    awaitFailure(late, "call to an unloaded replica");
    assertEquals(Reason.UNAVAILABLE, reason(late));
  }

  @Test
  void when_loadFails_then_replicaIsFailedWithTheReason() {
    FunctionVerticle replica = verticle(null, () -> {
      throw FunctionException.unavailable("artifact 1234 is missing from the store");
    });

    Future<String> deployed = vertx.deployVerticle(replica);

    awaitFailure(deployed, "deploy");
    assertEquals(ReplicaState.FAILED, replica.state());
    assertTrue(replica.failure().contains("artifact 1234 is missing"), replica.failure());
  }

  /**
   * A call that reaches a draining replica after its queue ran dry (LocalReplicas picked the replica
   * while it was READY, then a scale-down undeployed it before the call was queued) must not run:
   * the session is being closed on another worker thread, and {@code ModelSession.close} "must not
   * race with run". The replica should refuse it (UNAVAILABLE; or the caller re-routes it).
   */
  @Test
  void when_callArrivesAfterDrainCompleted_then_itIsRefusedAndNeverRunsOnTheClosingSession() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, null);
    FunctionVerticle replica = verticle(v, () -> registry.artifacts().verified(v.sha256()));
    String deployment = await(vertx.deployVerticle(replica), "deploy");
    Gate closing = executor.holdNextOrderedTask(); // the close: held, so the test never races ORT itself
    int batchesBefore = executor.batches();

    Future<Void> undeployed = vertx.undeploy(deployment);
    closing.awaitStarted();
    Future<List<Tensor>> late = replica.submit(call(iris(SETOSA)));

    awaitFailure(late, "the late call");
    // Refused as "gone", which LocalReplicas answers by dispatching the call once more elsewhere.
    assertTrue(late.cause() instanceof FunctionVerticle.ReplicaGone, () -> "cause: " + late.cause());
    assertEquals(batchesBefore, executor.batches(), "no batch was run after the close began");
    closing.release();
    await(undeployed, "undeploy");
  }

  /**
   * A fast load can finish between the moment the replica registers its "now READY" handler on the
   * load's future and the moment Vert.x registers the deployment's: the deployment then completes
   * first, and LocalReplicas hands the waiting requests a replica that is still LOADING. The
   * executor below makes that interleaving happen every time (in production it takes a lucky
   * schedule, e.g. the first cold start after the JVM started). The waiters must still be served.
   */
  @Test
  void when_loadCompletesBeforeTheDeploymentListens_then_coldStartWaitersAreStillServed() throws Exception {
    FunctionVersion v = deploy("iris", TestModels.IRIS, null);
    executor.completeNextOrderedTaskAfterFirstListener();

    Future<List<Tensor>> first = replicas.invoke("iris", v, call(iris(SETOSA)));

    assertEquals(List.of(0L), labels(await(first, "the request that caused the cold start")));
    assertEquals(1, replicas.coldStarts());
  }

  // ---- fixtures ----------------------------------------------------------------------------------

  private FunctionVerticle verticle(FunctionVersion v, Callable<Path> artifact) {
    String name = v == null ? "broken" : "iris";
    return new FunctionVerticle(new ReplicaId(name, v == null ? 1 : v.version(), 1), artifact, SessionSettings.CPU,
        executor, 1, () -> FunctionConfig.DEFAULTS);
  }

  /** Deploys a model into the registry and makes its config the one the replicas read. */
  private FunctionVersion deploy(String name, byte[] model, JsonObject config) throws IOException {
    Path upload = registry.artifacts().newTempFile("test");
    Files.write(upload, model);
    FunctionRegistry.Deployed d = registry.deploy(name, upload, config);
    configs.put(name, d.function().config());
    return d.version();
  }

  /** Loads a replica of the version and runs one request on it, so that the next batch is known. */
  private void warmUp(String function, FunctionVersion v, Map<String, Tensor> inputs) {
    await(replicas.invoke(function, v, call(inputs)), "warm-up of " + function);
  }

  private int outstandingOf(String function) {
    return replicas.replicas().stream().filter(r -> r.id().function().equals(function))
        .mapToInt(LocalReplicas.ReplicaInfo::outstanding).sum();
  }

  private static InferenceCall call(Map<String, Tensor> inputs) {
    return call(inputs, List.of());
  }

  private static InferenceCall call(Map<String, Tensor> inputs, List<String> outputs) {
    return new InferenceCall(inputs, outputs, System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS));
  }

  private static Map<String, Tensor> iris(float[]... rows) {
    return Map.of("input", floats("input", rows, 4));
  }

  /** Distinct, plausible iris measurements for request {@code i}, row by row. */
  private static float[][] irisRows(int i, int n) {
    float[][] rows = new float[n][];
    for (int r = 0; r < n; r++) {
      int k = i * 7 + r * 13;
      rows[r] = new float[] {4.3f + (k % 36) / 10f, 2.0f + (k % 24) / 10f, 1.0f + (k * 3 % 59) / 10f,
          0.1f + (k * 5 % 25) / 10f};
    }
    return rows;
  }

  private static Map<String, Tensor> heavy(int n) {
    float[][] rows = new float[n][ExampleModels.HEAVY_MLP_INPUTS];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < rows[r].length; c++) {
        rows[r][c] = ((r * 31 + c) % 17) / 17f - 0.5f;
      }
    }
    return Map.of("input", floats("input", rows, ExampleModels.HEAVY_MLP_INPUTS));
  }

  private static Tensor floats(String name, float[][] rows, int width) {
    ByteBuffer data = ByteBuffer.allocateDirect(rows.length * width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      for (float x : row) {
        data.putFloat(x);
      }
    }
    data.flip();
    return Tensor.ofBuffer(name, DataType.FP32, new long[] {rows.length, width}, data);
  }

  private static List<Long> labels(List<Tensor> outputs) {
    Tensor label = outputs.stream().filter(t -> t.name().equals("label")).findFirst().orElseThrow();
    ByteBuffer d = label.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < d.limit() / Long.BYTES; i++) {
      out.add(d.getLong(i * Long.BYTES));
    }
    return out;
  }

  private static void assertSameTensors(List<Tensor> expected, List<Tensor> actual, String what) {
    assertEquals(expected.stream().map(Tensor::name).toList(), actual.stream().map(Tensor::name).toList(), what);
    for (int i = 0; i < expected.size(); i++) {
      Tensor e = expected.get(i);
      Tensor a = actual.get(i);
      assertEquals(e.type(), a.type(), what + " " + e.name());
      assertArrayEquals(e.shape(), a.shape(), what + " " + e.name());
      assertArrayEquals(bytes(e), bytes(a), what + " " + e.name() + ": bytes");
    }
  }

  private static byte[] bytes(Tensor t) {
    ByteBuffer d = t.data().duplicate();
    d.position(0);
    byte[] b = new byte[d.remaining()];
    d.get(b);
    return b;
  }

  private static Reason reason(Future<?> f) {
    assertTrue(f.failed(), "a failed future");
    if (f.cause() instanceof FunctionVerticle.ReplicaGone) {
      return Reason.UNAVAILABLE; // a direct submit to a closing replica; LocalReplicas re-routes these
    }
    FunctionException e = assertInstanceOf(FunctionException.class, f.cause(), () -> "cause: " + f.cause());
    return e.reason();
  }

  private interface Invocation {
    Future<List<Tensor>> invoke(int i);
  }

  /** Starts {@code n} invocations from the client threads at once; returns when all have been made. */
  private List<Future<List<Tensor>>> concurrently(int n, Invocation invocation) throws Exception {
    List<Future<List<Tensor>>> results = Collections.synchronizedList(new ArrayList<>(Collections.nCopies(n, null)));
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<?>> submitted = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      submitted.add(clients.submit(() -> {
        start.await();
        results.set(index, invocation.invoke(index));
        return null;
      }));
    }
    start.countDown();
    for (java.util.concurrent.Future<?> f : submitted) {
      f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    return List.copyOf(results);
  }

  private static <T> T await(Future<T> future, String what) {
    try {
      return future.await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return fail(what + " did not complete within " + WAIT_SECONDS + " s");
    } catch (FunctionException e) {
      return fail(what + " failed: " + e.reason() + ": " + e.getMessage());
    }
  }

  private static void awaitFailure(Future<?> future, String what) {
    try {
      future.await(WAIT_SECONDS, TimeUnit.SECONDS);
      fail(what + " succeeded; it should have failed");
    } catch (TimeoutException e) {
      fail(what + " did not complete within " + WAIT_SECONDS + " s");
    } catch (RuntimeException expected) {
      assertTrue(future.failed());
    }
  }

  /** Waits until every future completed, failed or not. */
  private static void awaitAll(List<? extends Future<?>> futures) {
    try {
      Future.join(new ArrayList<>(futures)).await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail(futures.size() + " requests did not all complete within " + WAIT_SECONDS + " s");
    } catch (RuntimeException someFailed) {
      // each is checked by the caller
    }
    futures.forEach(f -> assertNotNull(f, "future"));
  }

  private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail(what + ": not within " + WAIT_SECONDS + " s");
      }
      Thread.sleep(1);
    }
  }

  /** A batch held on its worker thread until released. */
  static final class Gate {
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    void awaitStarted() throws InterruptedException {
      assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS), "the held task did not start");
    }

    void release() {
      released.countDown();
    }

    void hold() throws InterruptedException {
      started.countDown();
      if (!released.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("a held task was never released");
      }
    }
  }

  /**
   * The real worker executor, counting the batches replicas run (their unordered tasks) apart from
   * loads and closes (ordered tasks), and able to hold the next of either on its worker thread.
   */
  static final class GatedExecutor implements WorkerExecutor {
    private final WorkerExecutor delegate;
    private final AtomicInteger batches = new AtomicInteger();
    private final AtomicInteger ordered = new AtomicInteger();
    private final AtomicReference<Gate> nextBatch = new AtomicReference<>();
    private final AtomicReference<Gate> nextOrdered = new AtomicReference<>();
    private final AtomicBoolean interleaveNextOrdered = new AtomicBoolean();
    private final List<Gate> all = Collections.synchronizedList(new ArrayList<>());

    GatedExecutor(WorkerExecutor delegate) {
      this.delegate = delegate;
    }

    Gate holdNextBatch() {
      Gate g = new Gate();
      all.add(g);
      nextBatch.set(g);
      return g;
    }

    Gate holdNextOrderedTask() {
      Gate g = new Gate();
      all.add(g);
      nextOrdered.set(g);
      return g;
    }

    void releaseAll() {
      all.forEach(Gate::release);
    }

    /** Batches handed to this executor so far. */
    int batches() {
      return batches.get();
    }

    /** Session loads and closes handed to this executor so far. */
    int orderedTasks() {
      return ordered.get();
    }

    /** The next load (or close) completes right after its future gets its first listener. */
    void completeNextOrderedTaskAfterFirstListener() {
      interleaveNextOrdered.set(true);
    }

    @Override
    public <T> Future<T> executeBlocking(Callable<T> task, boolean isOrdered) {
      (isOrdered ? ordered : batches).incrementAndGet();
      if (isOrdered && interleaveNextOrdered.getAndSet(false)) {
        return new CompletesAfterFirstListener<>(delegate.executeBlocking(task, true));
      }
      Gate gate = (isOrdered ? nextOrdered : nextBatch).getAndSet(null);
      if (gate == null) {
        return delegate.executeBlocking(task, isOrdered);
      }
      return delegate.executeBlocking(() -> {
        gate.hold();
        return task.call();
      }, isOrdered);
    }

    @Override
    public Future<Void> close() {
      return delegate.close();
    }
  }

  /**
   * A worker task's future that is complete by the time its first listener has been registered:
   * the registration waits (on the caller's thread, an event loop, a few milliseconds) for the
   * task to end. Every later listener therefore finds it complete, while the first one is still
   * queued on the context, which is a schedule a real executor can produce by chance.
   */
  static final class CompletesAfterFirstListener<T> implements Future<T> {
    private final Future<T> inner;
    private boolean listened;

    CompletesAfterFirstListener(Future<T> inner) {
      this.inner = inner;
    }

    @Override
    public Future<T> onComplete(Handler<AsyncResult<T>> handler) {
      inner.onComplete(handler);
      if (!listened) {
        listened = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!inner.isComplete() && System.nanoTime() - deadline < 0) {
          Thread.onSpinWait();
        }
      }
      return this;
    }

    @Override
    public boolean isComplete() {
      return inner.isComplete();
    }

    @Override
    public T result() {
      return inner.result();
    }

    @Override
    public Throwable cause() {
      return inner.cause();
    }

    @Override
    public boolean succeeded() {
      return inner.succeeded();
    }

    @Override
    public boolean failed() {
      return inner.failed();
    }

    @Override
    public <U> Future<U> compose(Function<? super T, Future<U>> onSuccess, Function<Throwable, Future<U>> onFailure) {
      return inner.compose(onSuccess, onFailure);
    }

    @Override
    public <U> Future<U> transform(Function<AsyncResult<T>, Future<U>> mapper) {
      return inner.transform(mapper);
    }

    @Override
    public <U> Future<T> eventually(Supplier<Future<U>> supplier) {
      return inner.eventually(supplier);
    }

    @Override
    public <U> Future<U> map(Function<? super T, U> mapper) {
      return inner.map(mapper);
    }

    @Override
    public <V> Future<V> map(V value) {
      return inner.map(value);
    }

    @Override
    public Future<T> otherwise(Function<Throwable, T> mapper) {
      return inner.otherwise(mapper);
    }

    @Override
    public Future<T> otherwise(T value) {
      return inner.otherwise(value);
    }

    @Override
    public Future<T> expecting(Expectation<? super T> expectation) {
      return inner.expecting(expectation);
    }

    @Override
    public Future<T> timeout(long delay, TimeUnit unit) {
      return inner.timeout(delay, unit);
    }
  }
}
