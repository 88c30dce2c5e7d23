package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs of the real jar, as an operator gets them: two node processes writing JSON lines to stdout
 * (one told by --log-format, the other by ZS_LOG_FORMAT). Every stdout line is a JSON object, and a
 * call that node 2 forwards to node 1 is logged with its request id on both nodes.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LoggingIT {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private record Node(Process process, int port, int clusterPort, Path stdout, Path stderr) {}

  @AfterEach
  void destroyProcesses() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void jsonLogs_areJsonLines_andAForwardedCallsIdIsLoggedOnBothNodes() throws Exception {
    String cluster = "zs-log-it-" + UUID.randomUUID().toString().substring(0, 8);
    Node one = start("one", cluster, null, List.of("--log-format", "json"), Map.of());
    Node two = start("two", cluster, "127.0.0.1:" + one.clusterPort(), List.of(), Map.of("ZS_LOG_FORMAT", "json"));

    assertEquals(201, send(one, "POST", "/v1/functions/logged/versions", "application/octet-stream",
        TestModels.addConstant(1), null).statusCode(), () -> stdout(one));
    assertEquals(200, send(one, "POST", "/v2/repository/models/logged/load", "application/json",
        "{}".getBytes(StandardCharsets.UTF_8), null).statusCode(), () -> stdout(one));

    // Node 2 forwards to node 1's warm replica once it has heard of it (a cluster event, a moment
    // later); until then it may run a call itself. Each call gets its own id.
    String forwarded = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (forwarded == null && System.nanoTime() < deadline) {
      String id = "it-" + UUID.randomUUID();
      HttpResponse<String> reply = send(two, "POST", "/v2/models/logged/infer", "application/json",
          TestModels.addRequest().encode().getBytes(StandardCharsets.UTF_8), id);
      if (reply.statusCode() == 200) {
        assertEquals(id, reply.headers().firstValue("x-request-id").orElse(null), "the id is echoed");
        if (awaitLine(one, id, Duration.ofSeconds(2)) != null) {
          forwarded = id;
        }
      } else {
        Thread.sleep(200); // not deployed there yet
      }
    }
    assertNotNull(forwarded, "node 2 forwarded a call to node 1 within " + WAIT + "; node 1: " + stdout(one));
    JsonObject onOne = awaitLine(one, forwarded, WAIT);
    JsonObject onTwo = awaitLine(two, forwarded, WAIT);
    assertNotNull(onTwo, "node 2 logged the request it received; node 2: " + stdout(two));
    assertEquals("zeroserve.access", onOne.getString("loggerName"), onOne::encode);
    assertTrue(onOne.getString("formattedMessage").contains("forwarded logged v1 ran here: ok"), onOne::encode);
    assertEquals("zeroserve.access", onTwo.getString("loggerName"), onTwo::encode);
    assertTrue(onTwo.getString("formattedMessage").startsWith("POST /v2/models/logged/infer 200 "), onTwo::encode);
    assertEquals("INFO", onTwo.getString("level"));

    for (Node n : List.of(one, two)) {
      List<String> lines = Files.readAllLines(n.stdout(), StandardCharsets.UTF_8);
      assertFalse(lines.isEmpty());
      for (String line : lines) {
        if (!line.isBlank()) {
          try {
            JsonObject json = new JsonObject(line);
            assertNotNull(json.getString("level"), line);
            assertNotNull(json.getLong("timestamp"), line);
          } catch (DecodeException e) {
            fail("a stdout line of node " + n + " is not a JSON object: " + line);
          }
        }
      }
    }
  }

  /** The first stdout line of {@code node} whose MDC has this request id, waiting at most {@code wait}. */
  private static JsonObject awaitLine(Node node, String requestId, Duration wait) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    do {
      for (String line : Files.readAllLines(node.stdout(), StandardCharsets.UTF_8)) {
        if (line.contains(requestId)) {
          JsonObject json = new JsonObject(line);
          JsonObject mdc = json.getJsonObject("mdc");
          if (mdc != null && requestId.equals(mdc.getString("request_id"))) {
            return json;
          }
        }
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return null;
  }

  private Node start(String name, String cluster, String join, List<String> extra, Map<String, String> env)
      throws IOException, InterruptedException {
    String jar = System.getProperty("zeroserve.jar");
    assertNotNull(jar, "system property zeroserve.jar (set by failsafe) names the shaded jar");
    int port = freePort();
    int clusterPort = freePort();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    String nativeCache = System.getProperty("zeroserve.native.cache");
    if (nativeCache != null) {
      command.add("-Dzeroserve.native.cache=" + nativeCache);
    }
    command.addAll(List.of("-jar", jar, "--http-port", String.valueOf(port), "--data-dir",
        dir.resolve(name).toString(), "--inference-threads", "1", "--cluster-name", cluster,
        "--cluster-port", String.valueOf(clusterPort)));
    if (join != null) {
      command.addAll(List.of("--join", join));
    }
    command.addAll(extra);
    Path stdout = dir.resolve(name + ".out");
    Path stderr = dir.resolve(name + ".err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
    builder.environment().putAll(env);
    Process process = builder.start();
    processes.add(process);
    Node node = new Node(process, port, clusterPort, stdout, stderr);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("node " + name + " exited with " + process.exitValue() + "; " + stdout(node));
      }
      try {
        if (send(node, "GET", "/v2/health/ready", null, null, null).statusCode() == 200) {
          return node;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    return fail("node " + name + " was not ready within " + START_TIMEOUT + "; " + stdout(node));
  }

  private HttpResponse<String> send(Node node, String method, String path, String contentType, byte[] body,
                                    String requestId) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("content-type", contentType);
    }
    if (requestId != null) {
      request.header("x-request-id", requestId);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String stdout(Node node) {
    try {
      String out = Files.readString(node.stdout(), StandardCharsets.UTF_8);
      String err = Files.readString(node.stderr(), StandardCharsets.UTF_8);
      return "stdout:\n" + tail(out) + "\nstderr:\n" + tail(err);
    } catch (IOException e) {
      return "logs unreadable: " + e;
    }
  }

  private static String tail(String text) {
    return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
  }
}
