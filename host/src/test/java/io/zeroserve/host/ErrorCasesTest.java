package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.multipart.MultipartForm;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.examples.OnnxWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way a request can be wrong gets its status and a JSON {@code {"error": "..."}} that says what
 * is wrong; after each, the node is still live and still serves a good inference. The node runs
 * with small limits ({@code --max-upload-size 4KiB}, {@code --max-request-size 16KiB}) so that the
 * 413 paths are cheap to reach; the models deployed here are all under 4 KiB.
 */
class ErrorCasesTest {

  private static final String IRIS = "iris";
  private static final String MULTI = "multi-io";
  private static final int MAX_UPLOAD = 4 * 1024;
  private static final int MAX_REQUEST = 16 * 1024;

  @TempDir
  static Path dataDir;
  private static NodeFixture node;

  @BeforeAll
  static void startNode() {
    node = NodeFixture.start(dataDir, "--max-upload-size", "4KiB", "--max-request-size", "16KiB");
    node.deploy(IRIS, ExampleModels.irisMlp());
    node.deploy(MULTI, ExampleModels.multiIo());
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void nodeStillServes() {
    node.assertServes(IRIS);
  }

  // ---- health ----------------------------------------------------------------------------------

  @Test
  void readinessAndLiveness_answer200AfterStart() {
    assertEquals(new JsonObject().put("ready", true), node.get("/v2/health/ready").expect(200));
    assertEquals(new JsonObject().put("live", true), node.get("/v2/health/live").expect(200));
  }

  // ---- malformed inference bodies --------------------------------------------------------------

  @Test
  void malformedJson_answers400() {
    node.postJson("/v2/models/iris/infer", "{\"inputs\": [}").expectError(400, "not valid JSON");
    node.postJson("/v2/models/iris/infer", "{inputs: []}").expectError(400, "not valid JSON");
    node.postJson("/v1/functions/iris/invoke", "{\"input\": [[1, 2, 3, 4]").expectError(400);
  }

  @Test
  void truncatedJson_answers400() {
    String whole = TestModels.irisRequest().encode();
    for (int cut : new int[] {1, whole.length() / 3, whole.length() / 2, whole.length() - 1}) {
      node.postJson("/v2/models/iris/infer", whole.substring(0, cut)).expectError(400);
    }
    node.postJson("/v1/functions/iris/invoke", "{\"input\": [[5.1, 3.5, 1.4,").expectError(400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[1, 2, 3]", "\"inputs\"", "42", "null", "true"})
  void nonObjectJson_answers400(String body) {
    node.postJson("/v2/models/iris/infer", body).expectError(400, "must be a JSON object");
    node.postJson("/v1/functions/iris/invoke", body).expectError(400, "must be a JSON object");
  }

  @Test
  void emptyBody_answers400() {
    node.postJson("/v2/models/iris/infer", "").expectError(400, "no body");
    node.postJson("/v1/functions/iris/invoke", "").expectError(400, "no body");
  }

  @Test
  void dataAfterTheJsonObject_answers400() {
    node.postJson("/v2/models/iris/infer", TestModels.irisRequest().encode() + " {}").expectError(400, "more data");
  }

  @Test
  void inputsMissingOrEmpty_answers400() {
    node.postJson("/v2/models/iris/infer", "{}").expectError(400, "inputs is required");
    node.postJson("/v2/models/iris/infer", "{\"inputs\": []}").expectError(400, "inputs must not be empty");
    node.postJson("/v2/models/iris/infer", "{\"inputs\": {}}").expectError(400, "inputs must be an array");
  }

  // ---- tensors that do not fit the model -------------------------------------------------------

  @Test
  void wrongDatatype_answers400NamingTheInputAndBothDatatypes() {
    node.infer(IRIS, iris("INT64", new JsonArray().add(1).add(4), 5, 3, 1, 0))
        .expectError(400, "'input'", "INT64", "FP32");
    node.invoke(MULTI, new JsonObject().put("i8", new JsonArray().add(300)))
        .expectError(400, "300", "INT8");
  }

  @Test
  void unknownDatatype_answers400() {
    node.infer(IRIS, iris("FP128", new JsonArray().add(1).add(4), 5.1, 3.5, 1.4, 0.2))
        .expectError(400, "datatype must be one of", "FP128");
  }

  @Test
  void valueOutOfTheDatatypesRange_answers400NamingTheElement() {
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "i8").put("datatype", "INT8").put("shape", new JsonArray().add(3))
        .put("data", new JsonArray().add(1).add(2).add(300))));
    node.infer(MULTI, request).expectError(400, "inputs[0].data[2]", "[-128, 127]", "300");
    JsonObject bool = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "mask").put("datatype", "BOOL").put("shape", new JsonArray().add(1))
        .put("data", new JsonArray().add(2))));
    node.infer(MULTI, bool).expectError(400, "BOOL");
  }

  @Test
  void unknownInput_answers400NamingIt() {
    JsonObject request = TestModels.irisRequest();
    request.getJsonArray("inputs").add(new JsonObject().put("name", "nope").put("datatype", "FP32")
        .put("shape", new JsonArray().add(1)).put("data", new JsonArray().add(1)));
    node.infer(IRIS, request).expectError(400, "'nope'", "not an input");
    node.invoke(IRIS, new JsonObject().put("nope", new JsonArray().add(1))).expectError(400, "'nope'");
  }

  @Test
  void missingInput_answers400NamingWhatIsMissing() {
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "x").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(4))
        .put("data", new JsonArray().add(1).add(2).add(3).add(4))));
    node.infer(MULTI, request).expectError(400, "missing", "ids", "h");
    node.invoke(MULTI, new JsonObject().put("x", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4))))
        .expectError(400, "missing", "ids");
  }

  @Test
  void duplicateInput_answers400() {
    JsonObject request = TestModels.irisRequest();
    request.getJsonArray("inputs").add(request.getJsonArray("inputs").getJsonObject(0).copy());
    node.infer(IRIS, request).expectError(400, "unique");
    node.postJson("/v1/functions/iris/invoke", "{\"input\": [[1,2,3,4]], \"input\": [[1,2,3,4]]}")
        .expectError(400, "once");
  }

  @Test
  void shapeAndDataCountMismatch_answers400() {
    node.infer(IRIS, iris("FP32", new JsonArray().add(1).add(4), 5.1, 3.5, 1.4)).expectError(400, "4 elements");
    node.infer(IRIS, iris("FP32", new JsonArray().add(1).add(4), 5.1, 3.5, 1.4, 0.2, 9)).expectError(400, "more");
    node.infer(IRIS, iris("FP32", new JsonArray().add(2).add(4), 5.1, 3.5, 1.4, 0.2)).expectError(400, "8 elements");
  }

  @Test
  void shapeTheModelDoesNotAccept_answers400NamingBothShapes() {
    node.infer(IRIS, iris("FP32", new JsonArray().add(1).add(5), 1, 2, 3, 4, 5))
        .expectError(400, "[1, 5]", "[-1, 4]");
    node.infer(IRIS, iris("FP32", new JsonArray().add(4), 1, 2, 3, 4)).expectError(400, "[4]", "[-1, 4]");
    node.invoke(IRIS, new JsonObject().put("input", new JsonArray().add(1).add(2).add(3)))
        .expectError(400, "[3]", "[-1, 4]");
  }

  @Test
  void raggedNestedArrays_inThePlainInvoke_answer400() {
    node.postJson("/v1/functions/iris/invoke", "{\"input\": [[1, 2, 3, 4], [1, 2, 3]]}").expectError(400, "ragged");
    node.postJson("/v1/functions/iris/invoke", "{\"input\": [[1, 2, 3, 4], 5]}").expectError(400, "ragged");
    node.postJson("/v1/functions/iris/invoke", "{\"input\": {\"a\": 1}}").expectError(400, "object");
  }

  @Test
  void negativeDimension_answers400() {
    node.infer(IRIS, iris("FP32", new JsonArray().add(-1).add(4), 5.1, 3.5, 1.4, 0.2))
        .expectError(400, "non-negative");
    node.infer(IRIS, iris("FP32", new JsonArray().add(1).add(-4), 5.1, 3.5, 1.4, 0.2))
        .expectError(400, "non-negative");
  }

  @Test
  void hugeDimensions_answer413BeforeAllocating() {
    // 2^62 x 4 x 4 overflows a long.
    node.infer(IRIS, iris("FP32", new JsonArray().add(1L << 62).add(4).add(4), 1)).expectError(413, "shape");
    node.infer(IRIS, iris("FP32", new JsonArray().add(Long.MAX_VALUE).add(Long.MAX_VALUE), 1)).expectError(413);
    // No overflow, but far more elements than any request may hold.
    node.infer(IRIS, iris("FP32", new JsonArray().add(100_000_000).add(4), 1)).expectError(413, "maxElementsPerTensor");
  }

  @Test
  void nonIntegerOrOversizedDimension_answers400() {
    node.infer(IRIS, iris("FP32", new JsonArray().add(1.5).add(4), 1, 2, 3, 4)).expectError(400, "shape");
    node.infer(IRIS, iris("FP32", new JsonArray().add("1").add(4), 1, 2, 3, 4)).expectError(400, "shape");
    node.postJson("/v2/models/iris/infer", "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\","
        + " \"shape\": [99999999999999999999999, 4], \"data\": [1]}]}").expectError(400, "shape");
  }

  @Test
  void unknownRequestedOutput_answers400() {
    JsonObject request = TestModels.irisRequest().put("outputs", new JsonArray()
        .add(new JsonObject().put("name", "nope")));
    node.infer(IRIS, request).expectError(400, "'nope'", "not an output");
  }

  // ---- Triton binary framing -------------------------------------------------------------------

  @Test
  void headerLengthBeyondTheBody_answers400() {
    V2Binary.Request request = binaryIris(16);
    node.send(HttpMethod.POST, "/v2/models/iris/infer",
        NodeFixture.headers(V2Binary.HEADER_LENGTH, String.valueOf(request.body().length() + 1)), request.body())
        .expectError(400, "Inference-Header-Content-Length", "body length");
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "-5", "1.5", "99999999999"})
  void headerLengthThatIsNotANonNegativeInteger_answers400(String value) {
    V2Binary.Request request = binaryIris(16);
    node.send(HttpMethod.POST, "/v2/models/iris/infer", NodeFixture.headers(V2Binary.HEADER_LENGTH, value),
        request.body()).expectError(400, "Inference-Header-Content-Length");
  }

  @Test
  void headerLengthThatCutsTheJson_answers400() {
    V2Binary.Request request = binaryIris(16);
    node.send(HttpMethod.POST, "/v2/models/iris/infer",
        NodeFixture.headers(V2Binary.HEADER_LENGTH, String.valueOf(request.headerLength() - 5)), request.body())
        .expectError(400);
  }

  @Test
  void binaryDataSizeNotMatchingTheShape_answers400() {
    V2Binary.Request request = binaryIris(12);
    node.send(HttpMethod.POST, "/v2/models/iris/infer", request.headers(), request.body())
        .expectError(400, "binary_data_size must be 16", "12");
  }

  @Test
  void binaryDataSizesNotAddingUpToTheBody_answers400() {
    V2Binary.Request request = binaryIris(16);
    Buffer longer = request.body().copy().appendBytes(new byte[8]);
    node.send(HttpMethod.POST, "/v2/models/iris/infer", request.headers(), longer)
        .expectError(400, "add up");
  }

  @Test
  void binaryDataSizeBeyondTheBody_answers400() {
    V2Binary.Request request = binaryIris(16);
    Buffer shorter = request.body().getBuffer(0, request.body().length() - 4);
    node.send(HttpMethod.POST, "/v2/models/iris/infer", request.headers(), shorter)
        .expectError(400, "binary_data_size");
  }

  @Test
  void binaryDataSizeWithoutTheHeader_answers400() {
    V2Binary.Request request = binaryIris(16);
    node.send(HttpMethod.POST, "/v2/models/iris/infer", NodeFixture.headers("content-type", "application/json"),
        request.body()).expectError(400);
    node.postJson("/v2/models/iris/infer", new JsonObject(request.body().getBuffer(0, request.headerLength())).encode())
        .expectError(400, "Inference-Header-Content-Length");
  }

  @Test
  void brokenBinaryBytesFraming_answers400() {
    // names BYTES [1]: a length prefix of 100 with only 3 bytes after it.
    JsonObject header = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "names").put("datatype", "BYTES").put("shape", new JsonArray().add(1))
        .put("parameters", new JsonObject().put("binary_data_size", 7))));
    V2Binary.Request request = V2Binary.request(header, Buffer.buffer().appendIntLE(100).appendString("abc"));
    node.send(HttpMethod.POST, "/v2/models/multi-io/infer", request.headers(), request.body())
        .expectError(400, "BYTES");
    // mask BOOL [1] as the byte 2.
    JsonObject boolHeader = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "mask").put("datatype", "BOOL").put("shape", new JsonArray().add(1))
        .put("parameters", new JsonObject().put("binary_data_size", 1))));
    V2Binary.Request bool = V2Binary.request(boolHeader, Buffer.buffer().appendByte((byte) 2));
    node.send(HttpMethod.POST, "/v2/models/multi-io/infer", bool.headers(), bool.body()).expectError(400, "0 or 1");
  }

  // ---- unknown functions, versions, names, routes ----------------------------------------------

  @Test
  void unknownFunction_answers404OnEveryEndpoint() {
    node.infer("nope", TestModels.irisRequest()).expectError(404, "'nope'");
    node.invoke("nope", new JsonObject()).expectError(404, "'nope'");
    node.get("/v2/models/nope").expectError(404);
    node.get("/v2/models/nope/ready").expectError(404);
    node.get("/v2/models/nope/versions/1/ready").expectError(404);
    node.get("/v1/functions/nope").expectError(404);
    node.put("/v1/functions/nope", "{}").expectError(404);
    node.delete("/v1/functions/nope").expectError(404);
    node.delete("/v1/functions/nope/versions/1").expectError(404);
  }

  @Test
  void unknownFunction_answers404EvenWithABadBody() {
    node.postJson("/v2/models/nope/infer", "{not json").expectError(404, "'nope'");
  }

  @Test
  void unknownVersion_answers404() {
    node.inferVersion(IRIS, 99, TestModels.irisRequest()).expectError(404, "99");
    node.get("/v2/models/iris/versions/99").expectError(404, "99");
    node.get("/v2/models/iris/versions/99/ready").expectError(404, "99");
    node.delete("/v1/functions/iris/versions/99").expectError(404, "99");
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "0", "-1", "1.5", "01x", "99999999999"})
  void nonIntegerOrNonPositiveVersion_answers404(String version) {
    node.postJson("/v2/models/iris/versions/" + version + "/infer", TestModels.irisRequest())
        .expectError(404, "versions are positive integers");
    node.get("/v2/models/iris/versions/" + version + "/ready").expectError(404);
    node.get("/v2/models/iris/versions/" + version).expectError(404);
    node.delete("/v1/functions/iris/versions/" + version).expectError(404);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Iris", "iris%21", "-iris", "_iris", "iris%20mlp",
      "a234567890123456789012345678901234567890123456789012345678901234"})
  void invalidFunctionName_answers400NamingTheRule(String name) {
    node.deployReply(name, ExampleModels.irisMlp()).expectError(400, "function name must match");
    node.get("/v1/functions/" + name).expectError(400, "function name must match");
    node.infer(name, TestModels.irisRequest()).expectError(400, "function name must match");
    node.get("/v2/models/" + name + "/ready").expectError(400, "function name must match");
  }

  @Test
  void unknownRoute_answers404Json() {
    node.get("/nope").expectError(404, "no route", "/nope");
    node.postJson("/v2/models/iris/predict", TestModels.irisRequest()).expectError(404);
  }

  @Test
  void wrongMethod_answers405Json() {
    node.send(HttpMethod.PATCH, "/v1/functions/iris", null, null).expectError(405, "PATCH");
    node.send(HttpMethod.GET, "/v2/models/iris/infer", null, null).expectError(405);
    node.get("/v1/functions/iris/versions").expectError(405);
  }

  // ---- config ----------------------------------------------------------------------------------

  static Stream<Arguments> invalidConfigs() {
    return Stream.of(
        Arguments.of("{\"maxReplicas\": 0}", List.of("maxReplicas", "1..64", "was: 0")),
        Arguments.of("{\"maxReplicas\": 65}", List.of("maxReplicas", "1..64", "was: 65")),
        Arguments.of("{\"minReplicas\": 5, \"maxReplicas\": 2}", List.of("maxReplicas", ">= minReplicas", "was: 2")),
        Arguments.of("{\"minReplicas\": -1}", List.of("minReplicas", "0..64", "was: -1")),
        Arguments.of("{\"maxBatchSize\": 1.5}", List.of("maxBatchSize", "integer", "1.5")),
        Arguments.of("{\"maxBatchSize\": \"8\"}", List.of("maxBatchSize", "integer", "8")),
        Arguments.of("{\"maxBatchSize\": 0}", List.of("maxBatchSize", "1..4096", "was: 0")),
        Arguments.of("{\"timeout\": \"soon\"}", List.of("timeout", "duration", "250ms", "was: soon")),
        Arguments.of("{\"timeout\": \"5 s\"}", List.of("timeout", "duration", "was: 5 s")),
        Arguments.of("{\"timeout\": 30}", List.of("timeout", "string", "was: 30")),
        Arguments.of("{\"timeout\": \"0s\"}", List.of("timeout", "> 0", "was: 0s")),
        Arguments.of("{\"idleTimeout\": \"-1s\"}", List.of("idleTimeout", "duration", "was: -1s")),
        Arguments.of("{\"maxQueueDelay\": \"11s\"}", List.of("maxQueueDelay", "0..10s", "was: 11s")),
        Arguments.of("{\"maxQueue\": 0}", List.of("maxQueue", "1..1000000", "was: 0")),
        Arguments.of("{\"targetConcurrency\": 0}", List.of("targetConcurrency", "was: 0")),
        Arguments.of("{\"device\": \"tpu\"}", List.of("device", "any, gpu, cpu", "was: tpu")),
        Arguments.of("{\"activeVersion\": 99}", List.of("activeVersion", "existing version", "was: 99")),
        Arguments.of("{\"activeVersion\": 0}", List.of("activeVersion", ">= 1", "was: 0")));
  }

  @ParameterizedTest
  @MethodSource("invalidConfigs")
  void invalidConfig_answers400NamingTheFieldTheRuleAndTheValue(String config, List<String> fragments) {
    JsonObject before = node.describe(IRIS).getJsonObject("config");
    node.put("/v1/functions/iris", config).expectError(400, fragments.toArray(String[]::new));
    assertEquals(before, node.describe(IRIS).getJsonObject("config"), "a refused config changes nothing");
  }

  @Test
  void unknownConfigField_answers400NamingIt() {
    node.put("/v1/functions/iris", "{\"replicas\": 2}").expectError(400, "unknown config field 'replicas'");
  }

  @Test
  void configThatIsNotAJsonObject_answers400() {
    node.put("/v1/functions/iris", "[1]").expectError(400, "JSON object");
    node.put("/v1/functions/iris", "{\"timeout\": ").expectError(400, "JSON");
  }

  @Test
  void configBodyOver64KiB_answers413() {
    String big = "{\"x\": \"" + "a".repeat(70 * 1024) + "\"}";
    node.put("/v1/functions/iris", big).expectError(413);
  }

  @Test
  void invalidConfigInAMultipartDeploy_answers400_andCreatesNoFunction() {
    MultipartForm form = MultipartForm.create()
        .binaryFileUpload("model", "iris.onnx", Buffer.buffer(ExampleModels.irisMlp()), "application/octet-stream")
        .attribute("config", "{\"maxReplicas\": 0}");
    node.postMultipart("/v1/functions/bad-config/versions", form).expectError(400, "maxReplicas", "was: 0");
    node.get("/v1/functions/bad-config").expectError(404);

    MultipartForm notJson = MultipartForm.create()
        .binaryFileUpload("model", "iris.onnx", Buffer.buffer(ExampleModels.irisMlp()), "application/octet-stream")
        .attribute("config", "{maxReplicas");
    node.postMultipart("/v1/functions/bad-config/versions", notJson).expectError(400, "config is not valid JSON");

    MultipartForm unknownField = MultipartForm.create()
        .binaryFileUpload("model", "iris.onnx", Buffer.buffer(ExampleModels.irisMlp()), "application/octet-stream")
        .attribute("config", "{\"gpus\": 1}");
    node.postMultipart("/v1/functions/bad-config/versions", unknownField).expectError(400, "unknown config field 'gpus'");
    node.get("/v1/functions/bad-config").expectError(404);
  }

  @Test
  void multipartDeployWithoutAModelPart_answers400() {
    MultipartForm form = MultipartForm.create().attribute("config", "{}");
    node.postMultipart("/v1/functions/no-model/versions", form).expectError(400, "no 'model' part");
    MultipartForm other = MultipartForm.create()
        .binaryFileUpload("weights", "iris.onnx", Buffer.buffer(ExampleModels.irisMlp()), "application/octet-stream");
    node.postMultipart("/v1/functions/no-model/versions", other).expectError(400, "'weights'");
    node.get("/v1/functions/no-model").expectError(404);
  }

  @Test
  void deleteOfThePinnedActiveVersion_answers409() {
    node.deploy("pinned", TestModels.addConstant(1));
    node.deploy("pinned", TestModels.addConstant(2));
    node.put("/v1/functions/pinned", "{\"activeVersion\": 1}").expect(200);

    node.delete("/v1/functions/pinned/versions/1").expectError(409, "activeVersion");
    assertEquals(List.of(1, 2), node.versions("pinned"), "nothing was deleted");
    assertEquals(1f, TestModels.addedConstant(node.infer("pinned", TestModels.addRequest()).expect(200)));
    // The unpinned one can go.
    node.delete("/v1/functions/pinned/versions/2").expect(200);
  }

  // ---- model uploads ---------------------------------------------------------------------------

  @Test
  void uploadThatIsNotOnnx_answers400_andCreatesNoFunction() {
    node.post("/v1/functions/not-onnx/versions", "application/octet-stream",
        Buffer.buffer("this is a text file, not a model\n".repeat(10))).expectError(400, "ONNX model");
    byte[] noise = new byte[2000];
    new Random(42).nextBytes(noise);
    node.deployReply("not-onnx", noise).expectError(400, "ONNX model");
    node.get("/v1/functions/not-onnx").expectError(404);
    assertTempDirEmptySoon();
  }

  @Test
  void truncatedModel_answers400() {
    byte[] model = ExampleModels.irisMlp();
    node.deployReply("truncated", Arrays.copyOf(model, model.length / 2)).expectError(400, "truncated");
    node.deployReply("truncated", Arrays.copyOf(model, model.length - 1)).expectError(400);
    node.get("/v1/functions/truncated").expectError(404);
  }

  @Test
  void emptyUpload_answers400() {
    node.deployReply("empty", new byte[0]).expectError(400, "not an ONNX model");
    node.get("/v1/functions/empty").expectError(404);
  }

  @Test
  void modelWithExternalData_answers400() {
    node.deployReply("external", ExampleModels.withExternalData()).expectError(400, "external");
    node.get("/v1/functions/external").expectError(404);
  }

  @Test
  void modelWithACustomOperatorDomain_answers400NamingTheDomain() {
    node.deployReply("custom-op", ExampleModels.withCustomOpDomain()).expectError(400, "com.example.custom");
    node.get("/v1/functions/custom-op").expectError(404);
  }

  @Test
  void modelThatOnnxRuntimeRefuses_answers400() {
    OnnxWriter model = new OnnxWriter("unknown_op")
        .input("x", OnnxWriter.DataType.FLOAT, "batch", 4)
        .output("y", OnnxWriter.DataType.FLOAT, "batch", 4);
    model.node("NoSuchOperator").inputs("x").outputs("y");
    node.deployReply("ort-refuses", model.toByteArray()).expectError(400, "ONNX Runtime");
    node.get("/v1/functions/ort-refuses").expectError(404);
  }

  @Test
  void uploadOverMaxUploadSize_answers413() {
    byte[] blob = new byte[100 * 1024];
    node.deployReply("too-big", blob).expectError(413, "--max-upload-size");
    node.get("/v1/functions/too-big").expectError(404);
    assertTempDirEmptySoon();
  }

  @Test
  void chunkedUploadOverMaxUploadSize_answers413() {
    Buffer blob = Buffer.buffer(new byte[100 * 1024]);
    node.postChunked("/v1/functions/too-big-chunked/versions", "application/octet-stream", blob)
        .expectError(413, "--max-upload-size");
    node.get("/v1/functions/too-big-chunked").expectError(404);
    assertTempDirEmptySoon();
  }

  @Test
  void multipartUploadOverMaxUploadSize_answers413() {
    MultipartForm form = MultipartForm.create()
        .binaryFileUpload("model", "big.onnx", Buffer.buffer(new byte[100 * 1024]), "application/octet-stream");
    node.postMultipart("/v1/functions/too-big-multipart/versions", form).expectError(413, "--max-upload-size");
    node.get("/v1/functions/too-big-multipart").expectError(404);
  }

  @Test
  void uploadJustUnderMaxUploadSize_isAccepted() {
    byte[] model = ExampleModels.irisMlp();
    assertTrue(model.length < MAX_UPLOAD);
    node.deploy("under-limit", model);
  }

  @Test
  void requestBodyOverMaxRequestSize_answers413() {
    String padding = " ".repeat(MAX_REQUEST + 1024);
    String body = TestModels.irisRequest().encode() + padding;
    node.postJson("/v2/models/iris/infer", body).expectError(413, "--max-request-size");
    node.postJson("/v1/functions/iris/invoke", body).expectError(413);
    node.postChunked("/v2/models/iris/infer", "application/json", Buffer.buffer(body)).expectError(413);
  }

  @Test
  void wrongContentTypeOnDeploy_answers415() {
    node.post("/v1/functions/wrong-type/versions", "text/plain", Buffer.buffer(ExampleModels.irisMlp()))
        .expectError(415, "application/octet-stream", "text/plain");
    node.post("/v1/functions/wrong-type/versions", "application/json", Buffer.buffer("{}")).expectError(415);
    node.get("/v1/functions/wrong-type").expectError(404);
  }

  @Test
  void rejectedUpload_whileTheClientIsStillSending_isAnsweredAndTheConnectionClosed() throws IOException {
    try (Socket socket = new Socket(NodeFixture.HOST, node.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/functions/wrong-type/versions HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: text/plain\r\nContent-Length: 3000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[1000]);
      out.flush();
      String answer;
      try {
        answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server kept the connection of a refused upload open", e);
      }
      assertTrue(answer.startsWith("HTTP/1.1 415"), answer);
      assertTrue(answer.contains("{\"error\":"), answer);
    }
  }

  @Test
  void rejectedUploads_areAnsweredWithoutLoggingAnUnexpectedFailure() {
    List<LogRecord> severe = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
          severe.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger logger = Logger.getLogger("io.zeroserve.host.http.HttpErrors");
    logger.addHandler(capture);
    try {
      node.post("/v1/functions/wrong-type/versions", "text/plain", Buffer.buffer(ExampleModels.irisMlp()))
          .expectError(415);
      node.deployReply("Bad-Name", ExampleModels.irisMlp()).expectError(400);
      node.deployReply("too-big", new byte[100 * 1024]).expectError(413);
    } finally {
      logger.removeHandler(capture);
    }
    assertEquals(List.of(), severe.stream().map(r -> r.getMessage() + ": " + r.getThrown()).toList(),
        "expected failures are answers, not logged as unexpected failures");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** An iris V2 request with any datatype, shape and data. */
  private static JsonObject iris(String datatype, JsonArray shape, Number... data) {
    JsonArray values = new JsonArray();
    for (Number n : data) {
      values.add(n);
    }
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "input").put("datatype", datatype).put("shape", shape).put("data", values)));
  }

  /** An iris request whose one FP32 [1, 4] input travels binary, declared as {@code declaredSize} bytes. */
  private static V2Binary.Request binaryIris(int declaredSize) {
    JsonObject header = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(4))
        .put("parameters", new JsonObject().put("binary_data_size", declaredSize))));
    Buffer data = Buffer.buffer();
    for (float f : new float[] {5.1f, 3.5f, 1.4f, 0.2f}) {
      data.appendIntLE(Float.floatToIntBits(f));
    }
    return V2Binary.request(header, data.getBuffer(0, Math.min(declaredSize, 16)));
  }

  /** Failed uploads leave nothing in the store's temp dir (the delete may lag the answer a little). */
  private static void assertTempDirEmptySoon() {
    Path tmp = dataDir.resolve("tmp");
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<Path> left;
    do {
      try (Stream<Path> files = Files.list(tmp)) {
        left = files.toList();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      if (left.isEmpty()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    } while (System.nanoTime() < deadline);
    assertEquals(List.of(), left, "uploads left in " + tmp);
  }
}
