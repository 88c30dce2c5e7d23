package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.examples.OnnxWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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
 * Throws hostile input at a live node with API tokens, a cluster secret and small limits: broken
 * HTTP framing, lying lengths, absurd shapes, deep and invalid JSON, path tricks, missing and
 * out-of-scope tokens, slow clients. Each gets its 4xx as a JSON error (or, where no answer can
 * exist, a closed connection); after each test the node is live and every function still answers
 * correctly, and the heap after garbage collection stays bounded.
 */
class HostileInputTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String IRIS_ONLY = "iris-token-0123456789abcdef";
  private static final String CLUSTER_SECRET = "cluster-secret-0123456789abcdef";
  private static final int HEADER_TIMEOUT_MS = 1_000;
  private static final int IDLE_TIMEOUT_MS = 2_000;
  /** Generous bound on anything the node must do "at once" or within a timeout above. */
  private static final int WAIT_MS = 15_000;
  /** Functions and the add-constant k each answers with ({@link TestModels#addConstant}); iris is checked apart. */
  private static final Map<String, Float> ADDERS = Map.of("iris-add", 7f, "other", 3f);

  @TempDir
  static Path root;
  private static Path dataDir;
  private static NodeFixture node;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static long baselineHeap;

  @BeforeAll
  static void start() throws Exception {
    dataDir = root.resolve("data");
    node = NodeFixture.start(dataDir,
        Map.of("ZS_TOKENS", ADMIN + "=admin;" + IRIS_ONLY + "=invoke:iris*", "ZS_CLUSTER_SECRET", CLUSTER_SECRET),
        "--max-request-size", "64KiB", "--max-upload-size", "64KiB", "--max-tensor-elements", "4096",
        "--max-tensor-size", "16KiB", "--max-json-depth", "16", "--max-string-size", "1KiB",
        "--header-timeout", HEADER_TIMEOUT_MS + "ms", "--http-idle-timeout", IDLE_TIMEOUT_MS / 1000 + "s",
        "--max-versions", "3");
    assertEquals(201, send("POST", "/v1/functions/iris/versions", ADMIN, ExampleModels.irisMlp(),
        "application/octet-stream").statusCode());
    for (Map.Entry<String, Float> adder : ADDERS.entrySet()) {
      assertEquals(201, send("POST", "/v1/functions/" + adder.getKey() + "/versions", ADMIN,
          TestModels.addConstant(adder.getValue()), "application/octet-stream").statusCode());
    }
    everyFunctionAnswersCorrectly();
    baselineHeap = heapAfterGc();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void nodeIsLiveAndEveryFunctionStillAnswers() throws Exception {
    everyFunctionAnswersCorrectly();
  }

  // ---- framing: lengths that lie, heads that break the parser ----------------------------------

  @Test
  void contentLengthShorterThanTheBody_answers400ForTheCutJson() throws IOException {
    String body = TestModels.irisRequest().encode();
    RawHttp.Answer answer = RawHttp.exchange(node.port(), post("/v2/models/iris/infer", IRIS_ONLY,
        "content-type: application/json\r\ncontent-length: " + body.length() / 2 + "\r\n") + body, WAIT_MS);
    assertJsonError(answer, 400);
  }

  @Test
  void contentLengthLongerThanTheBody_isCutOffByTheIdleTimeout() throws IOException {
    try (Socket socket = new Socket(NodeFixture.HOST, node.port())) {
      socket.getOutputStream().write(ascii(post("/v2/models/iris/infer", IRIS_ONLY,
          "content-type: application/json\r\ncontent-length: 1000\r\n") + "{\"inputs\": ["));
      assertTrue(RawHttp.closesWithin(socket, WAIT_MS), "a body that never comes holds no connection");
    }
  }

  @Test
  void hugeDeclaredContentLength_answers413BeforeTheBodyIsSent() throws IOException {
    RawHttp.Answer answer = RawHttp.exchange(node.port(), post("/v2/models/iris/infer", IRIS_ONLY,
        "content-type: application/json\r\ncontent-length: 1000000000000\r\n"), WAIT_MS);
    assertJsonError(answer, 413);
    RawHttp.Answer upload = RawHttp.exchange(node.port(), post("/v1/functions/big/versions", ADMIN,
        "content-type: application/octet-stream\r\ncontent-length: 1000000000000\r\n"), WAIT_MS);
    assertJsonError(upload, 413);
  }

  static Stream<Arguments> brokenHeads() {
    String infer = "POST /v2/models/iris/infer HTTP/1.1\r\nhost: x\r\nauthorization: Bearer " + IRIS_ONLY + "\r\n";
    return Stream.of(
        Arguments.of("content-length not a number", infer + "content-length: abc\r\n\r\n", 400),
        Arguments.of("negative content-length", infer + "content-length: -5\r\n\r\n", 400),
        Arguments.of("two content-lengths that differ", infer + "content-length: 4\r\ncontent-length: 9\r\n\r\n{}{}", 400),
        Arguments.of("garbage request line", "GARBAGE\r\n\r\n", 400),
        Arguments.of("header line without a colon", infer + "no colon here\r\n\r\n", 400),
        Arguments.of("headers over 8 KiB", infer + "x-pad: " + "a".repeat(20_000) + "\r\n\r\n", 431),
        Arguments.of("request line over 4 KiB", "GET /v1/functions/" + "a".repeat(10_000) + " HTTP/1.1\r\nhost: x\r\n\r\n",
            414));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenHeads")
  void brokenRequestHead_answersItsStatusAsJson(String what, String request, int status) throws IOException {
    assertJsonError(RawHttp.exchange(node.port(), request, WAIT_MS), status);
  }

  static Stream<Arguments> lyingHeaderLengths() {
    return Stream.of(
        Arguments.of("beyond the body", "100000"),
        Arguments.of("negative", "-5"),
        Arguments.of("not a number", "twelve"),
        Arguments.of("beyond an int", "99999999999"),
        Arguments.of("zero", "0"));
  }

  @ParameterizedTest(name = "Inference-Header-Content-Length {0}")
  @MethodSource("lyingHeaderLengths")
  void lyingInferenceHeaderContentLength_answers400(String what, String value) throws Exception {
    HttpResponse<String> r = send("POST", "/v2/models/iris/infer", IRIS_ONLY,
        utf8(TestModels.irisRequest().encode()), "application/octet-stream", "inference-header-content-length", value);
    assertJsonError(r, 400);
  }

  // ---- tensors: shapes, datatypes, sizes --------------------------------------------------------

  static Stream<Arguments> badTensors() {
    return Stream.of(
        Arguments.of("negative dimension", shape(-1, 4), "FP32", data(1, 2, 3, 4), 400),
        Arguments.of("dimensions overflowing a long", shape(Long.MAX_VALUE, 4), "FP32", data(1, 2, 3, 4), 413),
        Arguments.of("dimensions of 2^31 x 2^31", shape(1L << 31, 1L << 31), "FP32", data(1), 413),
        Arguments.of("more elements than --max-tensor-elements", shape(2048, 4), "FP32", data(1), 413),
        Arguments.of("a dimension that is not an integer", new JsonArray().add(1.5).add(4), "FP32", data(1, 2, 3, 4), 400),
        Arguments.of("a dimension that is a string", new JsonArray().add("1").add(4), "FP32", data(1, 2, 3, 4), 400),
        Arguments.of("shape and data disagree", shape(2, 4), "FP32", data(1, 2, 3, 4), 400),
        Arguments.of("wrong datatype for the model", shape(1, 4), "INT64", data(1, 2, 3, 4), 400),
        Arguments.of("unknown datatype", shape(1, 4), "FP128", data(1, 2, 3, 4), 400),
        Arguments.of("strings as FP32", shape(1, 4), "FP32", new JsonArray().add("a").add("b").add("c").add("d"), 400),
        Arguments.of("a number beyond FP32", shape(1, 4), "FP32", data(1, 2, 3).add(1e300), 400),
        Arguments.of("BYTES beyond --max-string-size", shape(1), "BYTES", new JsonArray().add("x".repeat(2048)), 413));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTensors")
  void badTensor_answersItsStatusAsJson(String what, JsonArray shape, String datatype, JsonArray data, int status)
      throws Exception {
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "input").put("shape", shape).put("datatype", datatype).put("data", data)));
    assertJsonError(send("POST", "/v2/models/iris/infer", IRIS_ONLY, utf8(request.encode()), "application/json"),
        status);
  }

  @Test
  void bodyOverMaxRequestSize_answers413() throws Exception {
    String body = TestModels.irisRequest().encode() + " ".repeat(70 * 1024);
    assertJsonError(send("POST", "/v2/models/iris/infer", IRIS_ONLY, utf8(body), "application/json"), 413);
  }

  // ---- JSON: depth and encoding -----------------------------------------------------------------

  @ParameterizedTest(name = "depth {0}")
  @ValueSource(ints = {17, 1_000, 30_000})
  void jsonDeeperThanTheLimit_answers400(int depth) throws Exception {
    String deep = "[".repeat(depth) + "]".repeat(depth);
    String v2 = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":" + deep + "}]}";
    assertJsonError(send("POST", "/v2/models/iris/infer", IRIS_ONLY, utf8(v2), "application/json"), 400);
    assertJsonError(send("POST", "/v1/functions/iris/invoke", IRIS_ONLY, utf8("{\"input\":" + deep + "}"),
        "application/json"), 400);
    if (depth * 2 + 20 < 64 * 1024) {
      assertJsonError(send("PUT", "/v1/functions/other", ADMIN, utf8("{\"timeout\":" + deep + "}"),
          "application/json"), 400);
    }
  }

  static Stream<Arguments> invalidUtf8() {
    byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF};
    return Stream.of(
        Arguments.of("in a V2 input name", "/v2/models/iris/infer",
            concat(utf8("{\"inputs\":[{\"name\":\""), bad, utf8("\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}"))),
        Arguments.of("in a plain invoke key", "/v1/functions/iris/invoke",
            concat(utf8("{\""), bad, utf8("\": [[1,2,3,4]]}"))),
        Arguments.of("as a bare byte", "/v2/models/iris/infer", concat(utf8("{\"inputs\":"), bad, utf8("}"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidUtf8")
  void invalidUtf8_answers400(String where, String path, byte[] body) throws Exception {
    assertJsonError(send("POST", path, IRIS_ONLY, body, "application/json"), 400);
  }

  // ---- names and paths --------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"..", ".", "..%2F..%2Fescaped", "%2e%2e", "%2e%2e%2f%2e%2e%2fescaped", "a%2Fb", "a%00b",
      "a%5Cb", "%FF%FE", "Upper", "-dash", "a%20b", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "..%5C..%5Cescaped", "%252e%252e"})
  void pathTricksInAFunctionName_answer4xx_andWriteNothingOutsideTheStore(String name) throws Exception {
    Set<String> before = listing(root);
    HttpResponse<String> deploy = send("POST", "/v1/functions/" + name + "/versions", ADMIN,
        TestModels.addConstant(1), "application/octet-stream");
    assertTrue(deploy.statusCode() >= 400 && deploy.statusCode() < 500, () -> name + " -> " + deploy.statusCode());
    assertJsonError(deploy, deploy.statusCode());
    for (String path : List.of("/v1/functions/" + name, "/v2/models/" + name + "/infer")) {
      HttpResponse<String> r = send("POST", path, ADMIN, utf8("{}"), "application/json");
      assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, () -> path + " -> " + r.statusCode());
    }
    assertEquals(before, listing(root), "files appeared or vanished under the test root");
  }

  @Test
  void multipartFilenameWithPathTricks_isIgnored() throws Exception {
    Set<String> before = listing(root);
    String boundary = "b0undary";
    byte[] body = concat(utf8("--" + boundary + "\r\ncontent-disposition: form-data; name=\"model\"; "
        + "filename=\"../../../../escaped.onnx\"\r\ncontent-type: application/octet-stream\r\n\r\n"),
        TestModels.addConstant(11), utf8("\r\n--" + boundary + "--\r\n"));
    HttpResponse<String> r = send("POST", "/v1/functions/multipart-trick/versions", ADMIN, body,
        "multipart/form-data; boundary=" + boundary);
    assertEquals(201, r.statusCode(), r.body());
    Set<String> added = listing(root);
    added.removeAll(before);
    assertTrue(added.stream().noneMatch(p -> p.contains("escaped")), "created: " + added);
    assertTrue(added.stream().allMatch(p -> p.startsWith("data/")), "created outside the data dir: " + added);
    assertEquals(200, send("DELETE", "/v1/functions/multipart-trick", ADMIN, null, null).statusCode());
  }

  // ---- models -----------------------------------------------------------------------------------

  @Test
  void modelThatOnnxRuntimeRefuses_answers400_andLeavesNothingBehind() throws Exception {
    Set<String> before = listing(dataDir);
    OnnxWriter model = new OnnxWriter("unknown_op")
        .input("x", OnnxWriter.DataType.FLOAT, "batch", 4)
        .output("y", OnnxWriter.DataType.FLOAT, "batch", 4);
    model.node("NoSuchOperator").inputs("x").outputs("y");
    assertJsonError(send("POST", "/v1/functions/ort-refuses/versions", ADMIN, model.toByteArray(),
        "application/octet-stream"), 400, "ONNX Runtime");
    assertEquals(404, send("GET", "/v1/functions/ort-refuses", ADMIN, null, null).statusCode());
    assertStoreBackTo(before);
  }

  @Test
  void modelDeclaringAnInputBeyondTheTensorLimits_answers400_andLeavesNothingBehind() throws Exception {
    Set<String> before = listing(dataDir);
    OnnxWriter model = new OnnxWriter("big_input")
        .input("x", OnnxWriter.DataType.FLOAT, 1_000_000, 1_000_000)
        .output("y", OnnxWriter.DataType.FLOAT, 1_000_000, 1_000_000);
    model.node("Relu").inputs("x").outputs("y");
    assertJsonError(send("POST", "/v1/functions/big-input/versions", ADMIN, model.toByteArray(),
        "application/octet-stream"), 400, "--max-tensor-elements");
    assertStoreBackTo(before);
  }

  @Test
  void versionsBeyondMaxVersions_answer409() throws Exception {
    for (int i = 1; i <= 3; i++) {
      assertEquals(201, send("POST", "/v1/functions/many-versions/versions", ADMIN, TestModels.addConstant(i),
          "application/octet-stream").statusCode());
    }
    assertJsonError(send("POST", "/v1/functions/many-versions/versions", ADMIN, TestModels.addConstant(4),
        "application/octet-stream"), 409, "--max-versions");
    assertEquals(200, send("DELETE", "/v1/functions/many-versions", ADMIN, null, null).statusCode());
  }

  // ---- tokens -----------------------------------------------------------------------------------

  @Test
  void callsWithoutAValidToken_answer401_andOutOfScope_answer403() throws Exception {
    byte[] iris = utf8(TestModels.irisRequest().encode());
    assertJsonError(send("POST", "/v2/models/iris/infer", null, iris, "application/json"), 401);
    assertJsonError(send("POST", "/v2/models/iris/infer", "Bearer-less", iris, "application/json"), 401);
    assertJsonError(send("POST", "/v2/models/iris/infer", CLUSTER_SECRET, iris, "application/json"), 401);
    assertJsonError(send("POST", "/v2/models/other/infer", IRIS_ONLY, iris, "application/json"), 403);
    assertJsonError(send("POST", "/v1/functions/iris/versions", IRIS_ONLY, ExampleModels.irisMlp(),
        "application/octet-stream"), 403);
    assertJsonError(send("DELETE", "/v1/functions/iris", IRIS_ONLY, null, null), 403);
    assertJsonError(send("GET", "/metrics", null, null, null), 401);
  }

  @Test
  void anonymousUpload_isRefusedBeforeItsBodyIsRead() throws IOException {
    // Only the head is sent: the answer must come without waiting for the 10 MB the head announces.
    RawHttp.Answer answer = RawHttp.exchange(node.port(), "POST /v1/functions/x/versions HTTP/1.1\r\nhost: x\r\n"
        + "content-type: application/octet-stream\r\ncontent-length: 10000000\r\n\r\n", WAIT_MS);
    assertJsonError(answer, 401);
  }

  @Test
  void internalArtifacts_needTheClusterSecretOrAdmin() throws Exception {
    String sha = TestModels.sha256(ExampleModels.irisMlp());
    String path = "/internal/v1/artifacts/" + sha;
    assertJsonError(send("GET", path, null, null, null), 401);
    assertJsonError(send("GET", path, "not-the-secret-0123456789", null, null), 401);
    assertJsonError(send("GET", path, IRIS_ONLY, null, null), 403);
    for (String token : List.of(CLUSTER_SECRET, ADMIN)) {
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri(path)).header("authorization", "Bearer " + token)
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode());
      assertEquals(sha, TestModels.sha256(r.body()), "the artifact itself");
    }
    assertJsonError(send("GET", "/v1/functions", CLUSTER_SECRET, null, null), 401);
  }

  // ---- slow clients -----------------------------------------------------------------------------

  @Test
  void connectionThatSendsNothing_isClosedByTheHeaderTimeout() throws IOException {
    try (Socket socket = new Socket(NodeFixture.HOST, node.port())) {
      assertTrue(RawHttp.closesWithin(socket, WAIT_MS));
    }
  }

  @Test
  void slowlorisHeaders_areCutOffBeforeTheyComplete() throws Exception {
    // One header byte every 50 ms would take 100 s for these headers; the node closes within its header
    // timeout, so the writes fail long before.
    String head = "GET /v1/functions HTTP/1.1\r\nhost: x\r\n" + "x-slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(60);
    try (Socket socket = new Socket(NodeFixture.HOST, node.port())) {
      OutputStream out = socket.getOutputStream();
      int sent = 0;
      try {
        for (; sent < head.length(); sent++) {
          out.write(head.charAt(sent));
          out.flush();
          Thread.sleep(50);
        }
      } catch (IOException expected) {
        // the node closed the connection
      }
      assertTrue(sent < head.length(), "the node let a client take " + sent + " bytes of dribbled headers");
    }
  }

  @Test
  void manySlowConnectionsAtOnce_doNotStopTheNodeServing() throws Exception {
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        Socket s = new Socket(NodeFixture.HOST, node.port());
        s.getOutputStream().write(ascii("POST /v2/models/iris/infer HTTP/1.1\r\nhost: x\r\nx-partial: "));
        sockets.add(s);
      }
      everyFunctionAnswersCorrectly();
      for (Socket s : sockets) {
        assertTrue(RawHttp.closesWithin(s, WAIT_MS), "a half-sent head holds its connection");
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void keepAliveConnection_servesRequestAfterRequest() throws IOException {
    try (Socket socket = new Socket(NodeFixture.HOST, node.port())) {
      socket.setSoTimeout(WAIT_MS);
      String body = TestModels.irisRequest().encode();
      for (int i = 0; i < 3; i++) {
        socket.getOutputStream().write(ascii(post("/v2/models/iris/infer", IRIS_ONLY,
            "content-type: application/json\r\ncontent-length: " + body.length() + "\r\n") + body));
        RawHttp.Answer answer = RawHttp.read(socket.getInputStream());
        assertEquals(200, answer.status(), answer.body());
        TestModels.assertIrisSetosa(new JsonObject(answer.body()));
      }
    }
  }

  // ---- memory -----------------------------------------------------------------------------------

  @Test
  void aBarrageOfBadRequests_leavesTheHeapBounded() throws Exception {
    byte[] nearLimit = utf8(("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":["
        + "1,".repeat(30_000) + "1]}]}"));
    byte[] hugeShape = utf8(new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "input")
        .put("shape", shape(1L << 40, 4)).put("datatype", "FP32").put("data", data(1)))).encode());
    for (int i = 0; i < 150; i++) {
      assertEquals(400, send("POST", "/v2/models/iris/infer", IRIS_ONLY, nearLimit, "application/json").statusCode());
      assertEquals(413, send("POST", "/v2/models/iris/infer", IRIS_ONLY, hugeShape, "application/json").statusCode());
      assertEquals(413, send("POST", "/v2/models/iris/infer", IRIS_ONLY, new byte[80 * 1024], "application/json")
          .statusCode());
    }
    long grown = heapAfterGc() - baselineHeap;
    assertTrue(grown < 64L << 20, "heap after GC grew by " + (grown >> 20) + " MiB over the barrage");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static void everyFunctionAnswersCorrectly() throws Exception {
    assertEquals(200, send("GET", "/v2/health/live", null, null, null).statusCode());
    HttpResponse<String> iris = send("POST", "/v2/models/iris/infer", ADMIN, utf8(TestModels.irisRequest().encode()),
        "application/json");
    assertEquals(200, iris.statusCode(), iris.body());
    TestModels.assertIrisSetosa(new JsonObject(iris.body()));
    for (Map.Entry<String, Float> adder : ADDERS.entrySet()) {
      HttpResponse<String> r = send("POST", "/v2/models/" + adder.getKey() + "/infer", ADMIN,
          utf8(TestModels.addRequest().encode()), "application/json");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(adder.getValue(), TestModels.addedConstant(new JsonObject(r.body())));
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  /** Store files come and go only with successful deploys: after a refused one, the data dir is as it was. */
  private static void assertStoreBackTo(Set<String> before) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    Set<String> now = listing(dataDir);
    while (!now.equals(before) && System.nanoTime() < deadline) {
      Thread.sleep(20); // the temp file's delete may trail the answer
      now = listing(dataDir);
    }
    assertEquals(before, now, "the refused model left files behind or removed some");
  }

  /** Every regular file under {@code dir}, relative, with '/' separators. */
  private static Set<String> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
          .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
  }

  private static void assertJsonError(HttpResponse<String> r, int status, String... fragments) {
    assertJsonError(new RawHttp.Answer(r.statusCode(), Map.of("content-type",
        r.headers().firstValue("content-type").orElse("")), r.body()), status, fragments);
  }

  private static void assertJsonError(RawHttp.Answer answer, int status, String... fragments) {
    assertEquals(status, answer.status(), () -> "status, body: " + answer.body());
    assertTrue(String.valueOf(answer.header("content-type")).startsWith("application/json"),
        () -> "content-type of " + answer);
    String message = new JsonObject(answer.body()).getString("error");
    assertNotNull(message, answer.body());
    assertFalse(message.isBlank());
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "'" + fragment + "' in " + message);
    }
  }

  private static HttpResponse<String> send(String method, String path, String token, byte[] body, String type,
                                           String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (type != null) {
      b.header("content-type", type);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + node.port() + path);
  }

  /** A request head (without the blank line's end when {@code extraHeaders} is empty, it is added). */
  private static String post(String path, String token, String extraHeaders) {
    return "POST " + path + " HTTP/1.1\r\nhost: x\r\nauthorization: Bearer " + token + "\r\n" + extraHeaders + "\r\n";
  }

  private static JsonArray shape(long... dims) {
    JsonArray shape = new JsonArray();
    for (long d : dims) {
      shape.add(d);
    }
    return shape;
  }

  private static JsonArray data(double... values) {
    JsonArray data = new JsonArray();
    for (double v : values) {
      data.add(v);
    }
    return data;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
