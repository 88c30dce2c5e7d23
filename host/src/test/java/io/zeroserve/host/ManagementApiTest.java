package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.multipart.MultipartForm;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.functions.FunctionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/functions}: deploy, list, get, configure, roll back, delete; one node, one function name per test. */
class ManagementApiTest {

  @TempDir
  static Path dataDir;
  private static NodeFixture node;

  @BeforeAll
  static void startNode() {
    node = NodeFixture.start(dataDir);
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  // ---- deploy ----------------------------------------------------------------------------------

  @Test
  void deployAsOctetStream_answers201WithVersionShaSizeAndSignature() {
    byte[] model = ExampleModels.irisMlp();
    NodeFixture.Reply reply = node.deployReply("iris-octet", model);
    JsonObject body = reply.expect(201);

    assertEquals("iris-octet", body.getString("name"));
    assertEquals(1, body.getInteger("version"));
    assertEquals(TestModels.sha256(model), body.getString("sha256"));
    assertEquals(model.length, body.getLong("sizeBytes"));
    assertEquals(new JsonArray().add(spec("input", "FP32", -1, 4)), body.getJsonArray("inputs"));
    assertEquals(new JsonArray().add(spec("probabilities", "FP32", -1, 3)).add(spec("label", "INT64", -1)),
        body.getJsonArray("outputs"));
    assertEquals("/v1/functions/iris-octet/versions/1", reply.headers().get("location"));
    assertTrue(Files.isRegularFile(dataDir.resolve("artifacts").resolve(body.getString("sha256") + ".onnx")),
        "the artifact is in the store under its hash");
    node.assertServes("iris-octet");
  }

  @Test
  void deployWithoutContentType_isReadAsOctetStream() {
    node.post("/v1/functions/no-type/versions", null, Buffer.buffer(ExampleModels.irisMlp())).expect(201);
    node.assertServes("no-type");
  }

  @Test
  void deployAsMultipart_withConfigAttribute_createsTheFunctionWithThatConfig() {
    MultipartForm form = MultipartForm.create()
        .binaryFileUpload("model", "iris.onnx", Buffer.buffer(ExampleModels.irisMlp()), "application/octet-stream")
        .attribute("config", "{\"timeout\": \"250ms\", \"maxReplicas\": 2, \"idleTimeout\": \"10m\"}");
    JsonObject body = node.postMultipart("/v1/functions/iris-multipart/versions", form).expect(201);
    assertEquals(1, body.getInteger("version"));

    JsonObject config = node.describe("iris-multipart").getJsonObject("config");
    assertEquals(defaults().put("timeout", "250ms").put("maxReplicas", 2).put("idleTimeout", "10m"), config);
    node.assertServes("iris-multipart");
  }

  @Test
  void deployAsMultipart_withConfigFilePart_createsTheFunctionWithThatConfig() {
    MultipartForm form = MultipartForm.create()
        .binaryFileUpload("config", "config.json", Buffer.buffer("{\"maxBatchSize\": 8, \"maxQueueDelay\": \"5ms\"}"),
            "application/json")
        .binaryFileUpload("model", "iris.onnx", Buffer.buffer(ExampleModels.irisMlp()), "application/octet-stream");
    node.postMultipart("/v1/functions/iris-config-part/versions", form).expect(201);

    JsonObject config = node.describe("iris-config-part").getJsonObject("config");
    assertEquals(defaults().put("maxBatchSize", 8).put("maxQueueDelay", "5ms"), config);
  }

  @Test
  void deployAsMultipart_withoutConfig_usesDefaults() {
    MultipartForm form = MultipartForm.create()
        .binaryFileUpload("model", "iris.onnx", Buffer.buffer(ExampleModels.irisMlp()), "application/octet-stream");
    node.postMultipart("/v1/functions/iris-no-config/versions", form).expect(201);
    assertEquals(defaults(), node.describe("iris-no-config").getJsonObject("config"));
  }

  // ---- list and get ----------------------------------------------------------------------------

  @Test
  void list_showsEveryFunctionSortedByName_withVersionsAndActiveVersion() {
    node.deploy("list-b", TestModels.addConstant(1));
    node.deploy("list-b", TestModels.addConstant(2));
    node.deploy("list-a", TestModels.addConstant(3));

    JsonObject list = node.get("/v1/functions").expect(200);
    assertNull(list.getValue("problems"), "an intact store lists no problems");
    List<String> names = new ArrayList<>();
    JsonObject a = null;
    JsonObject b = null;
    for (Object o : list.getJsonArray("functions")) {
      JsonObject f = (JsonObject) o;
      names.add(f.getString("name"));
      if (f.getString("name").equals("list-a")) {
        a = f;
      } else if (f.getString("name").equals("list-b")) {
        b = f;
      }
    }
    assertEquals(names.stream().sorted().toList(), names, "sorted by name");
    assertNotNull(a);
    assertNotNull(b);
    assertEquals(new JsonArray().add(1), a.getJsonArray("versions"));
    assertEquals(1, a.getInteger("activeVersion"));
    assertEquals(new JsonArray().add(1).add(2), b.getJsonArray("versions"));
    assertEquals(2, b.getInteger("activeVersion"), "the newest version is active when none is pinned");
    Instant.parse(b.getString("created"));
  }

  @Test
  void get_describesTheConfigAndEveryVersion() {
    byte[] v1 = TestModels.addConstant(10);
    byte[] v2 = TestModels.addConstant(20);
    node.deploy("described", v1);
    node.deploy("described", v2);

    JsonObject f = node.describe("described");
    assertEquals("described", f.getString("name"));
    assertEquals(2, f.getInteger("activeVersion"));
    assertEquals(defaults(), f.getJsonObject("config"));
    Instant.parse(f.getString("created"));
    JsonArray versions = f.getJsonArray("versions");
    assertEquals(2, versions.size());
    byte[][] models = {v1, v2};
    for (int i = 0; i < 2; i++) {
      JsonObject v = versions.getJsonObject(i);
      assertEquals(i + 1, v.getInteger("version"));
      assertEquals(TestModels.sha256(models[i]), v.getString("sha256"));
      assertEquals(models[i].length, v.getLong("sizeBytes"));
      Instant.parse(v.getString("created"));
      assertEquals(new JsonArray().add(spec("x", "FP32", -1, 4)), v.getJsonArray("inputs"));
      assertEquals(new JsonArray().add(spec("y", "FP32", -1, 4)), v.getJsonArray("outputs"));
    }
  }

  // ---- configure -------------------------------------------------------------------------------

  @Test
  void configure_replacesTheWholeConfig_andFieldsNotGivenTakeTheirDefaults() {
    node.deploy("configured", TestModels.addConstant(1));

    JsonObject first = node.put("/v1/functions/configured",
        "{\"timeout\": \"250ms\", \"idleTimeout\": \"10m\", \"maxQueueDelay\": \"3ms\", \"maxReplicas\": 3,"
            + " \"minReplicas\": 1, \"device\": \"cpu\", \"maxQueue\": 10}").expect(200);
    JsonObject expected = defaults().put("timeout", "250ms").put("idleTimeout", "10m").put("maxQueueDelay", "3ms")
        .put("maxReplicas", 3).put("minReplicas", 1).put("device", "cpu").put("maxQueue", 10);
    assertEquals(expected, first.getJsonObject("config"), "the PUT answers the new record");
    assertEquals(expected, node.describe("configured").getJsonObject("config"));

    // A second PUT replaces, not merges: what it leaves out goes back to the defaults.
    JsonObject second = node.put("/v1/functions/configured", "{\"timeout\": \"30s\"}").expect(200);
    assertEquals(defaults().put("timeout", "30s"), second.getJsonObject("config"));
    assertEquals(defaults(), node.put("/v1/functions/configured", "{}").expect(200).getJsonObject("config"));
    node.infer("configured", TestModels.addRequest()).expect(200);
  }

  @Test
  void configure_withEmptyBody_resetsToDefaults() {
    node.deploy("configured-empty", TestModels.addConstant(1));
    node.put("/v1/functions/configured-empty", "{\"maxReplicas\": 2}").expect(200);
    JsonObject reset = node.send(HttpMethod.PUT, "/v1/functions/configured-empty", null, null)
        .expect(200);
    assertEquals(defaults(), reset.getJsonObject("config"));
  }

  @Test
  void configure_durationsKeepTheirUnits() {
    node.deploy("durations", TestModels.addConstant(1));
    JsonObject config = node.put("/v1/functions/durations",
        "{\"timeout\": \"10m\", \"idleTimeout\": \"30s\", \"maxQueueDelay\": \"250ms\"}").expect(200)
        .getJsonObject("config");
    assertEquals("10m", config.getString("timeout"));
    assertEquals("30s", config.getString("idleTimeout"));
    assertEquals("250ms", config.getString("maxQueueDelay"));
  }

  // ---- roll back -------------------------------------------------------------------------------

  @Test
  void activeVersion_rollsBack_andInvokeAnswersFromThatVersion() {
    node.deploy("rollback", TestModels.addConstant(1));
    node.deploy("rollback", TestModels.addConstant(2));
    assertEquals(2f, TestModels.addedConstant(node.infer("rollback", TestModels.addRequest()).expect(200)));

    JsonObject pinned = node.put("/v1/functions/rollback", "{\"activeVersion\": 1}").expect(200);
    assertEquals(1, pinned.getInteger("activeVersion"));
    assertEquals(1, pinned.getJsonObject("config").getInteger("activeVersion"));

    JsonObject v2 = awaitServingVersion("rollback", 1);
    assertEquals(1f, TestModels.addedConstant(v2));
    JsonObject plain = node.invoke("rollback", new JsonObject().put("x", new JsonArray().add(
        new JsonArray().add(0).add(0).add(0).add(0)))).expect(200);
    assertEquals(new JsonArray().add(new JsonArray().add(1.0).add(1.0).add(1.0).add(1.0)), plain.getJsonArray("y"));
    // An explicit version still reaches the newer one.
    assertEquals(2f, TestModels.addedConstant(node.inferVersion("rollback", 2, TestModels.addRequest()).expect(200)));

    // Unpinning makes the newest active again.
    JsonObject unpinned = node.put("/v1/functions/rollback", "{}").expect(200);
    assertEquals(2, unpinned.getInteger("activeVersion"));
    assertEquals(2f, TestModels.addedConstant(awaitServingVersion("rollback", 2)));
  }

  /**
   * Infers without a version until {@code version} answers. A switch keeps the old version serving
   * until the new one is loaded, so every answer meanwhile must be a good one from either version.
   */
  private static JsonObject awaitServingVersion(String function, int version) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      JsonObject response = node.infer(function, TestModels.addRequest()).expect(200);
      int served = Integer.parseInt(response.getString("model_version"));
      assertEquals((float) served, TestModels.addedConstant(response), "version " + served + " answered as itself");
      if (served == version) {
        return response;
      }
      assertTrue(System.nanoTime() < deadline, "version " + version + " did not start serving within 20 s");
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void pinnedActiveVersion_keepsServing_whenANewerVersionIsDeployed() {
    node.deploy("pinned", TestModels.addConstant(1));
    node.put("/v1/functions/pinned", "{\"activeVersion\": 1}").expect(200);
    node.deploy("pinned", TestModels.addConstant(2));

    assertEquals(1, node.describe("pinned").getInteger("activeVersion"));
    JsonObject response = node.infer("pinned", TestModels.addRequest()).expect(200);
    assertEquals("1", response.getString("model_version"));
    assertEquals(1f, TestModels.addedConstant(response));
  }

  // ---- delete ----------------------------------------------------------------------------------

  @Test
  void deleteVersion_removesIt_andItsEndpointsAnswer404() {
    node.deploy("delete-version", TestModels.addConstant(1));
    node.deploy("delete-version", TestModels.addConstant(2));
    node.inferVersion("delete-version", 1, TestModels.addRequest()).expect(200); // loads a replica of v1

    JsonObject after = node.delete("/v1/functions/delete-version/versions/1").expect(200);
    assertEquals(List.of(2), versionNumbers(after));
    assertEquals(List.of(2), node.versions("delete-version"));

    node.inferVersion("delete-version", 1, TestModels.addRequest()).expectError(404, "delete-version", "1");
    node.get("/v2/models/delete-version/versions/1/ready").expectError(404);
    node.get("/v2/models/delete-version/versions/1").expectError(404);
    node.delete("/v1/functions/delete-version/versions/1").expectError(404);
    assertEquals(2f, TestModels.addedConstant(node.infer("delete-version", TestModels.addRequest()).expect(200)));
  }

  @Test
  void deleteOfTheNewestVersion_makesThePreviousOneActive() {
    node.deploy("delete-newest", TestModels.addConstant(1));
    node.deploy("delete-newest", TestModels.addConstant(2));
    assertEquals(2f, TestModels.addedConstant(node.infer("delete-newest", TestModels.addRequest()).expect(200)));

    JsonObject after = node.delete("/v1/functions/delete-newest/versions/2").expect(200);
    assertEquals(1, after.getInteger("activeVersion"));
    JsonObject response = node.infer("delete-newest", TestModels.addRequest()).expect(200);
    assertEquals("1", response.getString("model_version"));
    assertEquals(1f, TestModels.addedConstant(response));
  }

  @Test
  void deleteOfTheOnlyVersion_leavesAFunctionWithoutVersions_thatAnswers404ToInvokes() {
    node.deploy("delete-only", TestModels.addConstant(1));
    JsonObject after = node.delete("/v1/functions/delete-only/versions/1").expect(200);
    assertEquals(List.of(), versionNumbers(after));
    assertNull(after.getValue("activeVersion"));

    node.infer("delete-only", TestModels.addRequest()).expectError(404, "delete-only");
    node.invoke("delete-only", new JsonObject()).expectError(404, "delete-only");
    node.get("/v2/models/delete-only/ready").expectError(404);
    // The next deploy continues the numbering.
    assertEquals(2, node.deploy("delete-only", TestModels.addConstant(2)).getInteger("version"));
  }

  @Test
  void deleteFunction_answersDeleted_andThenEveryEndpointAnswers404() {
    JsonObject deployed = node.deploy("delete-function", TestModels.addConstant(123));
    node.infer("delete-function", TestModels.addRequest()).expect(200);

    JsonObject deleted = node.delete("/v1/functions/delete-function").expect(200);
    assertEquals("delete-function", deleted.getString("deleted"));

    node.get("/v1/functions/delete-function").expectError(404, "delete-function");
    node.delete("/v1/functions/delete-function").expectError(404);
    node.infer("delete-function", TestModels.addRequest()).expectError(404);
    node.invoke("delete-function", new JsonObject()).expectError(404);
    node.get("/v2/models/delete-function").expectError(404);
    node.get("/v2/models/delete-function/ready").expectError(404);
    JsonArray functions = node.get("/v1/functions").expect(200).getJsonArray("functions");
    functions.forEach(f -> assertTrue(!((JsonObject) f).getString("name").equals("delete-function")));
    assertTrue(Files.notExists(dataDir.resolve("artifacts/" + deployed.getString("sha256") + ".onnx")),
        "an artifact no version refers to any more is removed");
  }

  @Test
  void versionNumbers_areNeverReused_afterADelete() {
    node.deploy("no-reuse", TestModels.addConstant(1));
    node.deploy("no-reuse", TestModels.addConstant(2));
    node.deploy("no-reuse", TestModels.addConstant(3));
    node.delete("/v1/functions/no-reuse/versions/3").expect(200);
    node.delete("/v1/functions/no-reuse/versions/2").expect(200);

    JsonObject next = node.deploy("no-reuse", TestModels.addConstant(4));
    assertEquals(4, next.getInteger("version"));
    assertEquals(List.of(1, 4), node.versions("no-reuse"));
    node.inferVersion("no-reuse", 3, TestModels.addRequest()).expectError(404);
    assertEquals(4f, TestModels.addedConstant(node.inferVersion("no-reuse", 4, TestModels.addRequest()).expect(200)));
  }

  @Test
  void sharedArtifact_survivesTheDeleteOfOneFunctionThatUsesIt() {
    byte[] model = TestModels.addConstant(77);
    String sha = node.deploy("shared-a", model).getString("sha256");
    assertEquals(sha, node.deploy("shared-b", model).getString("sha256"));

    node.delete("/v1/functions/shared-a").expect(200);
    assertTrue(Files.isRegularFile(dataDir.resolve("artifacts/" + sha + ".onnx")), "still used by shared-b");
    assertEquals(77f, TestModels.addedConstant(node.infer("shared-b", TestModels.addRequest()).expect(200)));
  }

  // ---- concurrency -----------------------------------------------------------------------------

  @Test
  void concurrentDeploysOfOneName_getDistinctVersions1To8_andTheRecordListsAllOfThem() throws Exception {
    int n = 8;
    Map<Integer, String> shaByVersion = deployConcurrently("concurrent", n, i -> TestModels.addConstant(100 + i));

    assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8), shaByVersion.keySet(), "each deploy got its own version");
    assertEquals(n, new HashSet<>(shaByVersion.values()).size(), "each deploy stored its own model");
    JsonObject record = node.describe("concurrent");
    JsonArray versions = record.getJsonArray("versions");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), versionNumbers(record), "no deploy's write was lost");
    for (int i = 0; i < n; i++) {
      JsonObject v = versions.getJsonObject(i);
      assertEquals(shaByVersion.get(v.getInteger("version")), v.getString("sha256"),
          "version " + v.getInteger("version") + " holds the model its 201 named");
    }
    // Every version serves the model that was deployed as it.
    Set<Float> constants = new HashSet<>();
    for (int v = 1; v <= n; v++) {
      constants.add(TestModels.addedConstant(node.inferVersion("concurrent", v, TestModels.addRequest()).expect(200)));
    }
    assertEquals(n, constants.size());
  }

  @Test
  void concurrentDeploysOfTheSameBytes_getDistinctVersions_thatShareOneArtifact() throws Exception {
    byte[] model = TestModels.addConstant(5);
    Map<Integer, String> shaByVersion = deployConcurrently("same-bytes", 8, i -> model);

    assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8), shaByVersion.keySet());
    assertEquals(Set.of(TestModels.sha256(model)), new HashSet<>(shaByVersion.values()));
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8), node.versions("same-bytes"));
    try (var files = Files.list(dataDir.resolve("tmp"))) {
      assertEquals(List.of(), files.toList(), "no upload is left behind in the temp dir");
    }
    assertEquals(5f, TestModels.addedConstant(node.inferVersion("same-bytes", 3, TestModels.addRequest()).expect(200)));
  }

  /** Starts {@code n} deploys of one name at once; returns each 201's sha256 by its version. */
  private static Map<Integer, String> deployConcurrently(String name, int n,
                                                          IntFunction<byte[]> model)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<JsonObject>> deploys = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] bytes = model.apply(i);
        deploys.add(pool.submit(() -> {
          go.await();
          return node.deploy(name, bytes);
        }));
      }
      go.countDown();
      Map<Integer, String> shaByVersion = new TreeMap<>();
      for (Future<JsonObject> deploy : deploys) {
        JsonObject body = deploy.get(NodeFixture.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        String previous = shaByVersion.put(body.getInteger("version"), body.getString("sha256"));
        assertNull(previous, "version " + body.getInteger("version") + " was answered twice");
      }
      return shaByVersion;
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- V2 metadata of managed functions ----------------------------------------------------------

  @Test
  void v2ModelMetadataAndReadiness_followTheVersions() {
    node.deploy("metadata", TestModels.addConstant(1));
    node.deploy("metadata", TestModels.addConstant(2));

    JsonObject metadata = node.get("/v2/models/metadata").expect(200);
    assertEquals(new JsonArray().add("1").add("2"), metadata.getJsonArray("versions"));
    assertEquals(new JsonArray().add(spec("x", "FP32", -1, 4)), metadata.getJsonArray("inputs"));
    assertEquals(new JsonObject().put("name", "metadata").put("ready", true),
        node.get("/v2/models/metadata/ready").expect(200));
    node.get("/v2/models/metadata/versions/1/ready").expect(200);
    node.get("/v2/models/metadata/versions/2").expect(200);

    JsonObject server = node.get("/v2").expect(200);
    assertEquals("zeroserve", server.getString("name"));
    assertTrue(server.getJsonArray("extensions").contains("binary_tensor_data"));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static JsonObject defaults() {
    return FunctionConfig.DEFAULTS.toJson();
  }

  private static JsonObject spec(String name, String datatype, long... shape) {
    JsonArray dims = new JsonArray();
    for (long d : shape) {
      dims.add(d);
    }
    return new JsonObject().put("name", name).put("datatype", datatype).put("shape", dims);
  }

  private static List<Integer> versionNumbers(JsonObject record) {
    List<Integer> numbers = new ArrayList<>();
    record.getJsonArray("versions").forEach(v -> numbers.add(((JsonObject) v).getInteger("version")));
    return numbers;
  }
}
