package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link ZeroserveNode} running in this JVM on its own {@link Vertx}, listening on a free port of
 * 127.0.0.1, with a blocking HTTP client for tests. Every wait is bounded by {@link #TIMEOUT_SECONDS}.
 * {@link #close} stops the node and closes its Vert.x, so that a new fixture can start on the same
 * data dir (a restart). Not thread-safe, except {@link #send} and the helpers built on it.
 */
final class NodeFixture implements AutoCloseable {

  /** Bound on any single wait: a start, a stop, one HTTP exchange. */
  static final long TIMEOUT_SECONDS = 60;
  static final String HOST = "127.0.0.1";

  private final Vertx vertx;
  private final ZeroserveNode node;
  private final WebClient client;
  /** HTTP/1.1 only: the node serves no HTTP/2 upgrade, and chunked encoding is an HTTP/1.1 thing. */
  private static final java.net.http.HttpClient JDK_CLIENT = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
  private final Path dataDir;
  private boolean closed;

  private NodeFixture(Vertx vertx, ZeroserveNode node, Path dataDir) {
    this.vertx = vertx;
    this.node = node;
    this.dataDir = dataDir;
    this.client = WebClient.create(vertx);
  }

  /**
   * Starts a node on port 0 over {@code dataDir}.
   *
   * @param extraArgs further command-line options, e.g. {@code "--max-upload-size", "4KiB"}
   */
  static NodeFixture start(Path dataDir, String... extraArgs) {
    return start(dataDir, Map.of(), extraArgs);
  }

  /** As {@link #start(Path, String...)}, with environment variables such as {@code ZS_TOKENS}. */
  static NodeFixture start(Path dataDir, Map<String, String> env, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("--http-port", "0", "--data-dir", dataDir.toString(),
        "--inference-threads", "2"));
    args.addAll(List.of(extraArgs));
    NodeOptions options = NodeOptions.parse(args.toArray(String[]::new), env);
    Vertx vertx = Vertx.vertx();
    ZeroserveNode node = new ZeroserveNode(vertx, options);
    try {
      await(node.start(), "node start");
    } catch (RuntimeException | AssertionError e) {
      await(vertx.close(), "vertx close after a failed start");
      throw e;
    }
    return new NodeFixture(vertx, node, dataDir);
  }

  int port() {
    return node.httpPort();
  }

  Path dataDir() {
    return dataDir;
  }

  Vertx vertx() {
    return vertx;
  }

  ZeroserveNode node() {
    return node;
  }

  /** Stops the node only (readiness goes false; HTTP still answers until {@link #close}). */
  void stopNode() {
    await(node.stop(), "node stop");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      await(node.stop(), "node stop");
    } finally {
      client.close();
      await(vertx.close(), "vertx close");
    }
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  /** One HTTP answer, fully read. */
  record Reply(int status, MultiMap headers, Buffer body) {

    JsonObject json() {
      assertTrue(contentType().startsWith("application/json"), "content-type is JSON, was: " + contentType()
          + " (status " + status + ", body " + body + ")");
      return new JsonObject(body);
    }

    String contentType() {
      String type = headers.get("content-type");
      return type == null ? "" : type;
    }

    /** Asserts the status and returns the JSON body. */
    JsonObject expect(int expectedStatus) {
      assertEquals(expectedStatus, status, () -> "status of a reply with body: " + body);
      return json();
    }

    /**
     * Asserts an error answer: this status, a JSON body {@code {"error": "..."}} and a message that
     * contains each fragment.
     *
     * @return the message
     */
    String expectError(int expectedStatus, String... fragments) {
      JsonObject json = expect(expectedStatus);
      assertEquals(List.of("error"), List.copyOf(json.fieldNames()), () -> "an error body has only 'error': " + json);
      String message = json.getString("error");
      assertNotNull(message, "error message");
      assertTrue(!message.isBlank(), "error message is not blank");
      for (String fragment : fragments) {
        assertTrue(message.contains(fragment), () -> "error message contains '" + fragment + "', was: " + message);
      }
      return message;
    }
  }

  Reply send(HttpMethod method, String path, MultiMap headers, Buffer body) {
    HttpRequest<Buffer> request = client.request(method, port(), HOST, path)
        .timeout(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
    if (headers != null) {
      request.putHeaders(headers);
    }
    Future<io.vertx.ext.web.client.HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendBuffer(body);
    return await(sent.map(NodeFixture::reply), method + " " + path);
  }

  Reply get(String path) {
    return send(HttpMethod.GET, path, null, null);
  }

  Reply delete(String path) {
    return send(HttpMethod.DELETE, path, null, null);
  }

  Reply put(String path, String body) {
    return send(HttpMethod.PUT, path, headers("content-type", "application/json"), Buffer.buffer(body));
  }

  Reply postJson(String path, String body) {
    return send(HttpMethod.POST, path, headers("content-type", "application/json"), Buffer.buffer(body));
  }

  Reply postJson(String path, JsonObject body) {
    return postJson(path, body.encode());
  }

  Reply post(String path, String contentType, Buffer body) {
    return send(HttpMethod.POST, path, contentType == null ? null : headers("content-type", contentType), body);
  }

  Reply postMultipart(String path, MultipartForm form) {
    HttpRequest<Buffer> request = client.post(port(), HOST, path).timeout(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
    return await(request.sendMultipartForm(form).map(NodeFixture::reply), "POST multipart " + path);
  }

  /**
   * Sends a body with {@code Transfer-Encoding: chunked}, so the server cannot know its size up front.
   * Through the JDK's client: Vert.x's HTTP client can lose a response body that arrives while its
   * request is still being written (eclipse-vertx/vert.x#5904), which is exactly what an early 413 does.
   */
  Reply postChunked(String path, String contentType, Buffer body) {
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://" + HOST + ":" + port() + path))
        .timeout(java.time.Duration.ofSeconds(TIMEOUT_SECONDS))
        .header("content-type", contentType)
        // An input stream has no known length: the JDK sends it chunked.
        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
            () -> new java.io.ByteArrayInputStream(body.getBytes())))
        .build();
    try {
      java.net.http.HttpResponse<byte[]> r = JDK_CLIENT.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      r.headers().map().forEach(headers::add);
      return new Reply(r.statusCode(), headers, Buffer.buffer(r.body()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("POST chunked " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Reply reply(io.vertx.ext.web.client.HttpResponse<Buffer> r) {
    Buffer body = r.body();
    return new Reply(r.statusCode(), r.headers(), body == null ? Buffer.buffer() : body);
  }

  static MultiMap headers(String... namesAndValues) {
    MultiMap map = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      map.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return map;
  }

  // ---- API shortcuts ---------------------------------------------------------------------------

  /** Deploys a model as {@code application/octet-stream}; asserts 201 and returns the body. */
  JsonObject deploy(String name, byte[] model) {
    return deployReply(name, model).expect(201);
  }

  Reply deployReply(String name, byte[] model) {
    return post("/v1/functions/" + name + "/versions", "application/octet-stream", Buffer.buffer(model));
  }

  /** GET /v1/functions/{name}; asserts 200. */
  JsonObject describe(String name) {
    return get("/v1/functions/" + name).expect(200);
  }

  /** The versions a function lists, in order. */
  List<Integer> versions(String name) {
    JsonArray versions = describe(name).getJsonArray("versions");
    List<Integer> numbers = new ArrayList<>();
    for (int i = 0; i < versions.size(); i++) {
      numbers.add(versions.getJsonObject(i).getInteger("version"));
    }
    return numbers;
  }

  Reply infer(String name, JsonObject request) {
    return postJson("/v2/models/" + name + "/infer", request);
  }

  Reply inferVersion(String name, int version, JsonObject request) {
    return postJson("/v2/models/" + name + "/versions/" + version + "/infer", request);
  }

  Reply invoke(String name, JsonObject inputs) {
    return postJson("/v1/functions/" + name + "/invoke", inputs);
  }

  /** Asserts that the node is live and answers a good inference of {@code irisFunction} correctly. */
  void assertServes(String irisFunction) {
    get("/v2/health/live").expect(200);
    JsonObject response = infer(irisFunction, TestModels.irisRequest()).expect(200);
    TestModels.assertIrisSetosa(response);
  }

  // ---- waiting ---------------------------------------------------------------------------------

  /** Waits for a future from a non-Vert.x thread, at most {@link #TIMEOUT_SECONDS}. */
  static <T> T await(Future<T> future, String what) {
    try {
      return future.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return fail(what + " did not complete within " + TIMEOUT_SECONDS + " s");
    }
  }
}
