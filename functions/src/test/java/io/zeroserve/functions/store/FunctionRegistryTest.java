package io.zeroserve.functions.store;

import static io.zeroserve.functions.TestModels.IRIS;
import static io.zeroserve.functions.TestModels.MULTI_IO;
import static io.zeroserve.functions.TestModels.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.TensorSpec;
import io.zeroserve.functions.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FunctionRegistryTest {

  private static final String IRIS_SHA = Sha256.of(IRIS);
  private static final String MULTI_IO_SHA = Sha256.of(MULTI_IO);
  private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

  @TempDir
  Path dataDir;

  private FunctionRegistry registry;
  /** Daemon threads: a test that finds a deadlock must not keep the test JVM alive. */
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "registry-test");
    t.setDaemon(true);
    return t;
  });

  @BeforeEach
  void open() throws IOException {
    registry = newRegistry(FunctionRegistry.DEFAULT_MAX_FUNCTIONS);
  }

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private FunctionRegistry newRegistry(int maxFunctions) throws IOException {
    FunctionRegistry r = new FunctionRegistry(dataDir, CLOCK, maxFunctions);
    r.load();
    return r;
  }

  private Path upload(byte[] model) {
    return TestModels.write(registry.artifacts().newTempFile("upload"), model);
  }

  private FunctionRegistry.Deployed deploy(String name, byte[] model) {
    return registry.deploy(name, upload(model), null);
  }

  private List<String> files(String dir) throws IOException {
    try (Stream<Path> files = Files.list(dataDir.resolve(dir))) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<Integer> numbers(FunctionRecord r) {
    return r.versions().stream().map(FunctionVersion::version).toList();
  }

  private static FunctionException expect(Reason reason, Runnable call) {
    FunctionException e = assertThrows(FunctionException.class, call::run);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  // ---- deploy

  @Test
  void deploysOfOneName_createVersionsOneTwoThree() throws IOException {
    FunctionRegistry.Deployed first = deploy("iris", IRIS);
    FunctionRegistry.Deployed second = deploy("iris", MULTI_IO);
    FunctionRegistry.Deployed third = deploy("iris", IRIS);

    assertTrue(first.createdFunction());
    assertFalse(second.createdFunction());
    assertFalse(third.createdFunction());
    assertEquals(List.of(1, 2, 3), List.of(first.version().version(), second.version().version(),
        third.version().version()));
    FunctionRecord r = registry.get("iris");
    assertEquals(List.of(1, 2, 3), numbers(r));
    assertEquals(third.function(), r);
    assertEquals(3, r.activeVersion().orElseThrow().version());
    assertEquals(List.of(IRIS_SHA + ".onnx", MULTI_IO_SHA + ".onnx").stream().sorted().toList(), files("artifacts"));
    assertEquals(List.of(), files("tmp"));
    assertEquals(List.of("iris.json"), files("functions"));
  }

  @Test
  void deploy_recordsTheArtifactAndTheSignatureReadFromTheModel() {
    FunctionVersion v = deploy("iris", IRIS).version();
    assertEquals(IRIS_SHA, v.sha256());
    assertEquals(IRIS.length, v.sizeBytes());
    assertEquals(T0, v.created());
    assertEquals(List.of(new TensorSpec("input", DataType.FP32, new long[] {-1, 4})), v.signature().inputs());
    assertEquals(List.of("probabilities", "label"), v.signature().outputs().stream().map(TensorSpec::name).toList());
    assertEquals(registry.artifacts().path(IRIS_SHA), registry.artifacts().verified(IRIS_SHA));
  }

  @Test
  void deployWithConfig_setsTheConfig_andNullKeepsIt() {
    FunctionRegistry.Deployed first = registry.deploy("f", upload(IRIS), new JsonObject().put("maxReplicas", 2));
    assertEquals(2, first.function().config().maxReplicas());
    assertEquals(2, deploy("f", IRIS).function().config().maxReplicas());
    FunctionRegistry.Deployed third = registry.deploy("f", upload(IRIS),
        new JsonObject().put("maxReplicas", 3).put("activeVersion", 1));
    assertEquals(3, third.function().config().maxReplicas());
    assertEquals(1, third.function().activeVersion().orElseThrow().version());
  }

  @Test
  void deployWithAnInvalidConfig_isBadRequest_andLeavesNothing() throws IOException {
    Path upload = upload(IRIS);
    FunctionException e = expect(Reason.BAD_REQUEST,
        () -> registry.deploy("f", upload, new JsonObject().put("maxBatchSize", 0)));
    assertEquals("maxBatchSize must be in 1..4096, was: 0", e.getMessage());
    assertEquals(List.of(), files("artifacts"));
    assertEquals(List.of(), files("tmp"));
    assertEquals(List.of(), files("functions"));
  }

  @Test
  void deployPinningAVersionThatDoesNotExist_isBadRequest_andLeavesNoArtifact() throws IOException {
    expect(Reason.BAD_REQUEST, () -> registry.deploy("f", upload(IRIS), new JsonObject().put("activeVersion", 5)));
    assertTrue(registry.find("f").isEmpty());
    assertEquals(List.of(), files("functions"));
    assertEquals(List.of(), files("tmp"));
    assertEquals(List.of(), files("artifacts"), "the refused version's artifact was left behind");
  }

  @Test
  void deployBeyondMaxFunctions_isConflict_andLeavesNoArtifact() throws IOException {
    registry = newRegistry(1);
    deploy("a", IRIS);
    FunctionException e = expect(Reason.CONFLICT, () -> deploy("b", MULTI_IO));
    assertEquals("the node already serves 1 functions, its limit", e.getMessage());
    deploy("a", IRIS); // a new version of an existing function is still fine
    assertEquals(List.of("a.json"), files("functions"));
    assertEquals(List.of(), files("tmp"));
    assertEquals(List.of(IRIS_SHA + ".onnx"), files("artifacts"), "the refused deploy's artifact was left behind");
  }

  @Test
  void deployBeyondMaxVersions_isConflict_untilAVersionIsDeleted() throws IOException {
    registry = new FunctionRegistry(dataDir, CLOCK, new StoreLimits(10, 2, 1 << 20, 1 << 22),
        RecordReplication.inMemory());
    registry.load();
    deploy("a", IRIS);
    deploy("a", MULTI_IO);
    FunctionException e = expect(Reason.CONFLICT, () -> deploy("a", IRIS));
    assertEquals("function 'a' already holds 2 versions, its limit (--max-versions); delete old versions first",
        e.getMessage());
    assertEquals(List.of(), files("tmp"));
    registry.deleteVersion("a", 1);
    assertEquals(3, deploy("a", IRIS).version().version());
  }

  @Test
  void deployUnderAnInvalidName_isBadRequest_andConsumesTheUpload() throws IOException {
    expect(Reason.BAD_REQUEST, () -> deploy("../x", IRIS));
    expect(Reason.BAD_REQUEST, () -> deploy("Iris", IRIS));
    assertEquals(List.of(), files("tmp"));
    assertEquals(List.of(), files("artifacts"));
    assertFalse(Files.exists(dataDir.resolve("x.json")));
  }

  static Stream<Arguments> badModels() {
    return Stream.of(
        Arguments.of("not onnx", "not an onnx model at all\n".repeat(40).getBytes(StandardCharsets.UTF_8)),
        Arguments.of("empty", new byte[0]),
        Arguments.of("truncated", TestModels.truncatedIris()),
        Arguments.of("external data", TestModels.EXTERNAL_DATA),
        Arguments.of("custom domain", TestModels.CUSTOM_DOMAIN));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badModels")
  void deployOfABadModel_isBadRequest_andLeavesNothingInTheStore(String what, byte[] model) throws IOException {
    expect(Reason.BAD_REQUEST, () -> deploy("bad", model));
    assertTrue(registry.find("bad").isEmpty());
    assertEquals(List.of(), files("artifacts"));
    assertEquals(List.of(), files("tmp"));
    assertEquals(List.of(), files("functions"));
  }

  @Test
  void badDeployToAnExistingFunction_leavesItUnchanged() {
    FunctionRecord before = deploy("f", IRIS).function();
    expect(Reason.BAD_REQUEST, () -> deploy("f", TestModels.CUSTOM_DOMAIN));
    assertEquals(before, registry.get("f"));
    assertEquals(List.of(1, 2), numbers(deploy("f", IRIS).function()));
  }

  // ---- delete and garbage collection

  @Test
  void deleteVersion_removesItsArtifact_whenNothingElseUsesIt() {
    deploy("f", IRIS);
    deploy("f", MULTI_IO);
    FunctionRecord after = registry.deleteVersion("f", 1);

    assertEquals(List.of(2), numbers(after));
    assertFalse(registry.artifacts().contains(IRIS_SHA));
    assertTrue(registry.artifacts().contains(MULTI_IO_SHA));
  }

  @Test
  void deleteVersion_keepsAnArtifactThatAnotherVersionOfTheSameFunctionUses() {
    deploy("f", IRIS);
    deploy("f", IRIS);
    registry.deleteVersion("f", 1);
    assertEquals(registry.artifacts().path(IRIS_SHA), registry.artifacts().verified(IRIS_SHA));
    registry.deleteVersion("f", 2);
    assertFalse(registry.artifacts().contains(IRIS_SHA));
    assertEquals(List.of(), registry.get("f").versions());
  }

  @Test
  void deleteFunction_keepsAnArtifactThatAnotherFunctionUses_andItStillVerifies() throws IOException {
    deploy("a", IRIS);
    deploy("b", IRIS);
    deploy("a", MULTI_IO);

    registry.deleteFunction("a");
    assertTrue(registry.find("a").isEmpty());
    assertFalse(registry.artifacts().contains(MULTI_IO_SHA));
    String shaOfB = registry.get("b").activeVersion().orElseThrow().sha256();
    assertEquals(registry.artifacts().path(IRIS_SHA), registry.artifacts().verified(shaOfB));

    registry.deleteFunction("b");
    assertEquals(List.of(), files("artifacts"));
    // What stays are tombstones, so that a node which missed the deletes cannot bring them back.
    assertEquals(List.of("a.json", "b.json"), files("functions"));
    FunctionRegistry reloaded = new FunctionRegistry(registry.artifacts().tempDir().getParent(), java.time.Clock.systemUTC(), 10);
    reloaded.load();
    assertEquals(List.of(), reloaded.list());
    assertTrue(reloaded.revision("a") > 0, "the tombstone keeps a's revision");
  }

  @Test
  void deleteVersion_keepsAnArtifactThatAnotherFunctionUses() {
    deploy("a", IRIS);
    deploy("b", IRIS);
    registry.deleteVersion("a", 1);
    assertEquals(registry.artifacts().path(IRIS_SHA), registry.artifacts().verified(IRIS_SHA));
  }

  @Test
  void deleteVersion_ofThePinnedVersion_isConflict_andChangesNothing() {
    deploy("f", IRIS);
    deploy("f", MULTI_IO);
    FunctionRecord pinned = registry.configure("f", FunctionConfig.DEFAULTS.withActiveVersion(1));
    expect(Reason.CONFLICT, () -> registry.deleteVersion("f", 1));
    assertEquals(pinned, registry.get("f"));
    assertTrue(registry.artifacts().contains(IRIS_SHA));
  }

  @Test
  void deleteOfWhatDoesNotExist_isNotFound() {
    deploy("f", IRIS);
    assertEquals("function 'f' has no version 7", expect(Reason.NOT_FOUND, () -> registry.deleteVersion("f", 7))
        .getMessage());
    assertEquals("function 'g' does not exist", expect(Reason.NOT_FOUND, () -> registry.deleteFunction("g"))
        .getMessage());
    expect(Reason.NOT_FOUND, () -> registry.deleteVersion("g", 1));
  }

  // ---- configure

  @Test
  void configure_replacesTheConfig_andPinningAnUnknownVersionIsBadRequest() throws IOException {
    deploy("f", IRIS);
    deploy("f", IRIS);
    FunctionRecord r = registry.configure("f", FunctionConfig.DEFAULTS.withActiveVersion(1));
    assertEquals(1, r.activeVersion().orElseThrow().version());
    expect(Reason.BAD_REQUEST, () -> registry.configure("f", FunctionConfig.DEFAULTS.withActiveVersion(3)));
    expect(Reason.NOT_FOUND, () -> registry.configure("g", FunctionConfig.DEFAULTS));
    assertEquals(r, newRegistry(10).get("f"));
  }

  @Test
  void everyChange_notifiesListenersWithTheFunctionName() {
    List<String> changes = new CopyOnWriteArrayList<>();
    registry.onChange(changes::add);
    deploy("a", IRIS);
    deploy("a", IRIS);
    registry.configure("a", FunctionConfig.DEFAULTS.withActiveVersion(2));
    registry.deleteVersion("a", 1);
    deploy("b", IRIS);
    registry.deleteFunction("a");
    expect(Reason.BAD_REQUEST, () -> deploy("c", TestModels.CUSTOM_DOMAIN));
    assertEquals(List.of("a", "a", "a", "a", "b", "a"), changes);
  }

  // ---- persistence

  @Test
  void newRegistryOnTheSameDir_seesEverything() throws IOException {
    deploy("a", IRIS);
    deploy("a", MULTI_IO);
    deploy("a", IRIS);
    registry.deleteVersion("a", 3);
    registry.configure("a", new FunctionConfig(1, FunctionConfig.DEFAULT_DEVICE, FunctionConfig.DEFAULT_TIMEOUT, 1,
        2, FunctionConfig.DEFAULT_IDLE_TIMEOUT, 3, 8, FunctionConfig.DEFAULT_MAX_QUEUE_DELAY, 100));
    deploy("b", MULTI_IO);

    FunctionRegistry reopened = newRegistry(FunctionRegistry.DEFAULT_MAX_FUNCTIONS);
    assertEquals(registry.list(), reopened.list());
    assertEquals(List.of("a", "b"), reopened.list().stream().map(FunctionRecord::name).toList());
    assertEquals(List.of(), reopened.problems());
    assertEquals(4, reopened.get("a").nextVersion());
    assertEquals(List.of(1, 2, 4), numbers(reopened.deploy("a", upload(IRIS), null).function()));
  }

  @Test
  void concurrentDeploysOfOneName_getVersionsOneToEight_allOnDisk() throws Exception {
    int n = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<FunctionRegistry.Deployed>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path upload = upload(i % 2 == 0 ? IRIS : MULTI_IO);
      results.add(pool.submit(() -> {
        start.await();
        return registry.deploy("f", upload, null);
      }));
    }
    start.countDown();
    List<Integer> got = new ArrayList<>();
    for (Future<FunctionRegistry.Deployed> f : results) {
      got.add(f.get(30, TimeUnit.SECONDS).version().version());
    }
    List<Integer> expected = IntStream.rangeClosed(1, n).boxed().toList();
    assertEquals(expected, got.stream().sorted().toList());
    assertEquals(expected, numbers(registry.get("f")));

    FunctionRecord reloaded = newRegistry(10).get("f");
    assertEquals(expected, numbers(reloaded));
    assertEquals(n + 1, reloaded.nextVersion());
    assertEquals(List.of(), files("tmp"));
  }

  @Test
  void concurrentDeploysAndDeletes_finish_andKeepEveryArtifactInUse() throws Exception {
    // Two functions share one artifact; one is deleted and redeployed over and over while the other
    // deploys. Whatever the interleaving, the artifact the survivors use must stay.
    deploy("keep", IRIS);
    List<Future<?>> work = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Path a = upload(IRIS);
      Path b = upload(IRIS);
      work.add(pool.submit(() -> {
        registry.deploy("churn", a, null);
        registry.deleteFunction("churn");
        return null;
      }));
      work.add(pool.submit(() -> registry.deploy("keep", b, null)));
    }
    for (Future<?> f : work) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        // a delete may find "churn" already deleted by another worker: NOT_FOUND is expected
        if (!(e.getCause() instanceof FunctionException fe && fe.reason() == Reason.NOT_FOUND)) {
          throw e;
        }
      }
    }
    assertEquals(5, registry.get("keep").versions().size());
    assertEquals(registry.artifacts().path(IRIS_SHA), registry.artifacts().verified(IRIS_SHA));
  }

  @Test
  void load_removesLeftoverUploads() throws IOException {
    upload(IRIS);
    upload(new byte[] {1});
    newRegistry(10);
    assertEquals(List.of(), files("tmp"));
  }

  @Test
  void get_ofAFunctionWhoseMetadataIsCorrupt_isUnavailable_notNotFound() throws IOException {
    deploy("a", IRIS);
    deploy("b", IRIS);
    Path file = dataDir.resolve("functions/a.json");
    byte[] bytes = Files.readAllBytes(file);
    bytes[10] ^= 0x01;
    Files.write(file, bytes);

    FunctionRegistry reopened = newRegistry(10);
    FunctionException e = expect(Reason.UNAVAILABLE, () -> reopened.get("a"));
    assertEquals("function 'a' cannot be served: metadata file is corrupt: checksum mismatch", e.getMessage());
    assertEquals(List.of(new StoreProblem("functions/a.json", "a", "metadata file is corrupt: checksum mismatch")),
        reopened.problems());
    assertTrue(reopened.find("a").isEmpty());
    assertEquals(List.of("b"), reopened.list().stream().map(FunctionRecord::name).toList());
    expect(Reason.NOT_FOUND, () -> reopened.get("c"));
  }

  @Test
  void load_reportsAMissingArtifactAsAProblem_andStillListsTheFunction() throws IOException {
    deploy("a", IRIS);
    deploy("b", MULTI_IO);
    Files.delete(registry.artifacts().path(IRIS_SHA));

    FunctionRegistry reopened = newRegistry(10);
    assertEquals(List.of(new StoreProblem("artifacts/" + IRIS_SHA + ".onnx", "a", "artifact of version 1 is missing")),
        reopened.problems());
    assertEquals(1, reopened.get("a").versions().size());
    expect(Reason.UNAVAILABLE, () -> reopened.artifacts().verified(IRIS_SHA));
  }

  // ---- lock ordering

  /**
   * Runs {@code delete} on one thread; the moment it notifies its change (while it holds the
   * function's lock), starts a deploy of the same name and waits until that deploy has committed its
   * artifact and is waiting for the function's lock. Both must then finish.
   */
  private void assertDeleteAndDeployOfOneNameBothFinish(Runnable delete) throws Exception {
    Path upload = upload(MULTI_IO);
    CompletableFuture<FunctionRegistry.Deployed> deployed = new CompletableFuture<>();
    Thread deployer = new Thread(() -> {
      try {
        deployed.complete(registry.deploy("f", upload, null));
      } catch (Throwable t) {
        deployed.completeExceptionally(t);
      }
    }, "deployer");
    deployer.setDaemon(true);
    AtomicBoolean armed = new AtomicBoolean(true);
    registry.onChange(name -> {
      if (!armed.compareAndSet(true, false)) {
        return;
      }
      deployer.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && !waitsForTheFunctionLock(deployer) && !deployed.isDone()) {
        Thread.onSpinWait();
      }
    });

    Future<?> deleting = pool.submit(delete);
    try {
      deleting.get(10, TimeUnit.SECONDS);
      deployed.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("a delete and a deploy of the same name deadlocked: the delete holds the function's lock and "
          + "waits for the artifact write lock, the deploy holds the artifact read lock and waits for the "
          + "function's lock");
    }
  }

  private static boolean waitsForTheFunctionLock(Thread t) {
    return t.getState() == Thread.State.BLOCKED && Arrays.stream(t.getStackTrace())
        .anyMatch(e -> e.getMethodName().equals("saveNewVersion"));
  }

  @Test
  void deleteFunction_racingADeployOfTheSameName_doesNotDeadlock() throws Exception {
    deploy("f", IRIS);
    assertDeleteAndDeployOfOneNameBothFinish(() -> registry.deleteFunction("f"));
    // The deploy came after the delete: it made a new function whose only artifact survives.
    assertEquals(List.of(1), numbers(registry.get("f")));
    assertEquals(List.of(MULTI_IO_SHA + ".onnx"), files("artifacts"));
  }

  @Test
  void deleteVersion_racingADeployOfTheSameName_doesNotDeadlock() throws Exception {
    deploy("f", IRIS);
    deploy("f", IRIS);
    assertDeleteAndDeployOfOneNameBothFinish(() -> registry.deleteVersion("f", 1));
    assertEquals(List.of(2, 3), numbers(registry.get("f")));
    assertTrue(registry.artifacts().contains(IRIS_SHA));
  }
}
