package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.JsonArray;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash tests against the real jar ({@code zeroserve.jar} system property, set by failsafe): the
 * node runs as its own process and is killed with SIGKILL ({@link Process#destroyForcibly()} on
 * Linux), so nothing in it gets to clean up. Whatever it answered 201 or 200 before the kill must
 * be there after a restart on the same data dir. Every process is destroyed after each test and
 * every wait is bounded.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KillNineIT {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path dataDir;
  @TempDir
  Path logDir;

  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private int starts;

  /** A node process: where it listens and where its output goes. */
  private record Node(Process process, int port, Path log) {}

  @AfterEach
  void destroyProcesses() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  // ---- kill -9 right after an acknowledgement --------------------------------------------------

  @Test
  void kill9RightAfterA201_keepsTheDeployedVersion_andItServes() throws Exception {
    Node node = start();
    JsonObject first = deploy(node, "crash", TestModels.addConstant(1));
    assertEquals(1, first.getInteger("version"));
    kill9(node);

    node = start();
    assertEquals(List.of(1), versions(node, "crash"), log(node));
    assertEquals(1f, addedConstant(infer(node, "/v2/models/crash/infer")));
    JsonObject second = deploy(node, "crash", TestModels.addConstant(2));
    assertEquals(2, second.getInteger("version"));
    kill9(node);

    node = start();
    assertEquals(List.of(1, 2), versions(node, "crash"));
    JsonObject record = get(node, "/v1/functions/crash");
    assertEquals(first.getString("sha256"), record.getJsonArray("versions").getJsonObject(0).getString("sha256"));
    assertEquals(second.getString("sha256"), record.getJsonArray("versions").getJsonObject(1).getString("sha256"));
    assertEquals(2f, addedConstant(infer(node, "/v2/models/crash/infer")));
    assertEquals(1f, addedConstant(infer(node, "/v2/models/crash/versions/1/infer")));
  }

  @Test
  void kill9RightAfterConfigAndDelete_keepsWhatWasAnswered() throws Exception {
    Node node = start();
    deploy(node, "changes", TestModels.addConstant(1));
    deploy(node, "changes", TestModels.addConstant(2));
    deploy(node, "changes", TestModels.addConstant(3));
    deploy(node, "deleted", TestModels.addConstant(4));
    assertEquals(200, send(node, "DELETE", "/v1/functions/changes/versions/3", null).statusCode());
    assertEquals(200, send(node, "PUT", "/v1/functions/changes", "{\"activeVersion\": 1, \"timeout\": \"20s\"}")
        .statusCode());
    assertEquals(200, send(node, "DELETE", "/v1/functions/deleted", null).statusCode());
    kill9(node);

    node = start();
    assertEquals(List.of(1, 2), versions(node, "changes"));
    JsonObject record = get(node, "/v1/functions/changes");
    assertEquals(1, record.getInteger("activeVersion"));
    assertEquals("20s", record.getJsonObject("config").getString("timeout"));
    assertEquals(1f, addedConstant(infer(node, "/v2/models/changes/infer")));
    assertEquals(404, send(node, "GET", "/v1/functions/deleted", null).statusCode());
    assertEquals(4, deploy(node, "changes", TestModels.addConstant(5)).getInteger("version"),
        "version numbers go on where they were, deleted ones included");
  }

  // ---- kill -9 at a random moment while deploys are in flight ----------------------------------

  @Test
  void kill9AtARandomMomentDuringDeploys_losesNoAcknowledgedVersion() throws Exception {
    // Deploys as many versions of one function as the machine allows before each kill.
    long seed = System.nanoTime();
    Random random = new Random(seed);
    String context = "seed " + seed;
    Map<Integer, Acked> acked = new ConcurrentHashMap<>();
    Queue<String> unexpected = new ConcurrentLinkedQueue<>();
    int rounds = 3;
    int maxVersionSeen = 0;
    for (int round = 0; round < rounds; round++) {
      Node node = start(MANY_VERSIONS);
      if (round > 0) {
        verifyAcknowledged(node, acked, context + ", after round " + (round - 1));
      }
      int before = acked.size();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger next = new AtomicInteger(round * 1000);
      List<Thread> deployers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread deployer = new Thread(() -> deployLoop(node, next, acked, unexpected, stop), "deployer-" + round + "-" + t);
        deployer.setDaemon(true);
        deployer.start();
        deployers.add(deployer);
      }
      long delayMs = 300 + random.nextInt(1200);
      Thread.sleep(delayMs);
      kill9(node);
      stop.set(true);
      for (Thread deployer : deployers) {
        deployer.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(deployer.isAlive(), "deployer stopped after the kill");
      }
      assertEquals(List.of(), List.copyOf(unexpected), "deploys answered other than 201 before the kill; " + context);
      context += "; round " + round + ": killed after " + delayMs + " ms with " + (acked.size() - before) + " new acks";
      for (int v : acked.keySet()) {
        maxVersionSeen = Math.max(maxVersionSeen, v);
      }
    }
    Node last = start(MANY_VERSIONS);
    List<Integer> versions = verifyAcknowledged(last, acked, context);
    System.out.println("kill -9 during deploys: " + acked.size() + " acknowledged versions survived; " + context);
    assertTrue(acked.size() > 0, "some deploy was acknowledged before a kill: " + context);
    JsonObject next = deploy(last, "loop", TestModels.addConstant(-1));
    assertTrue(next.getInteger("version") > versions.get(versions.size() - 1), "numbers are never reused: " + context);
    assertTrue(next.getInteger("version") > maxVersionSeen);
  }

  /** A deploy that was answered 201: its version, the sha256 it named, and the constant its model adds. */
  private record Acked(int version, String sha256, float k) {}

  private void deployLoop(Node node, AtomicInteger next, Map<Integer, Acked> acked, Queue<String> unexpected,
                          AtomicBoolean stop) {
    while (!stop.get()) {
      int k = next.getAndIncrement();
      byte[] model = TestModels.addConstant(k);
      HttpResponse<String> response;
      try {
        response = http.send(HttpRequest.newBuilder(uri(node, "/v1/functions/loop/versions"))
            .timeout(REQUEST_TIMEOUT).header("content-type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(model)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        return; // the node is gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (response.statusCode() != 201) {
        unexpected.add(response.statusCode() + " " + response.body());
        return;
      }
      JsonObject body = new JsonObject(response.body());
      acked.put(body.getInteger("version"), new Acked(body.getInteger("version"), body.getString("sha256"), k));
    }
  }

  /** Checks that every acknowledged version is there with its model and serves it; returns all versions. */
  private List<Integer> verifyAcknowledged(Node node, Map<Integer, Acked> acked, String context) throws Exception {
    JsonObject list = get(node, "/v1/functions");
    assertNull(list.getValue("problems"), "a kill leaves no damaged file: " + list + "; " + context);
    try (Stream<Path> temp = Files.list(dataDir.resolve("tmp"))) {
      assertEquals(List.of(), temp.toList(), "half-written uploads are cleaned at start; " + context);
    }
    if (acked.isEmpty()) {
      return List.of(0);
    }
    JsonObject record = get(node, "/v1/functions/loop");
    List<Integer> versions = new ArrayList<>();
    Map<Integer, String> shas = new HashMap<>();
    for (Object o : record.getJsonArray("versions")) {
      JsonObject v = (JsonObject) o;
      versions.add(v.getInteger("version"));
      shas.put(v.getInteger("version"), v.getString("sha256"));
    }
    assertEquals(versions.stream().sorted().toList(), versions, "versions in order; " + context);
    assertEquals(versions.size(), new HashSet<>(versions).size(), "versions unique; " + context);
    Set<Integer> missing = new HashSet<>(acked.keySet());
    missing.removeAll(versions);
    assertEquals(Set.of(), missing, "acknowledged versions lost by kill -9; present " + versions + "; " + context);
    for (Acked a : acked.values()) {
      assertEquals(a.sha256(), shas.get(a.version()), "version " + a.version() + " holds its model; " + context);
      Path artifact = dataDir.resolve("artifacts/" + a.sha256() + ".onnx");
      assertTrue(Files.isRegularFile(artifact), "artifact of version " + a.version() + " exists; " + context);
      assertEquals(a.sha256(), TestModels.sha256(Files.readAllBytes(artifact)),
          "artifact of version " + a.version() + " is intact; " + context);
    }
    // Serving every version would load a replica each; the oldest, the newest and a few between suffice.
    List<Acked> sorted = acked.values().stream().sorted(Comparator.comparingInt(Acked::version)).toList();
    Set<Acked> sample = new LinkedHashSet<>(List.of(sorted.get(0), sorted.get(sorted.size() - 1)));
    for (int i = 1; i <= 4; i++) {
      sample.add(sorted.get(i * (sorted.size() - 1) / 5));
    }
    for (Acked a : sample) {
      assertEquals(a.k(), addedConstant(infer(node, "/v2/models/loop/versions/" + a.version() + "/infer")),
          "version " + a.version() + " serves its model; " + context);
    }
    return versions;
  }

  // ---- examples --------------------------------------------------------------------------------

  @Test
  void examplesFlag_deploysIrisMultiIoAndHeavyMlp_andEachServes() throws Exception {
    Node node = start("--examples");
    JsonObject list = get(node, "/v1/functions");
    List<String> names = new ArrayList<>();
    list.getJsonArray("functions").forEach(f -> names.add(((JsonObject) f).getString("name")));
    assertEquals(List.of("heavy-mlp", "iris-mlp", "multi-io"), names);

    // iris-mlp: a setosa row and a virginica row.
    JsonObject iris = post(node, "/v2/models/iris-mlp/infer", new JsonObject().put("inputs", new JsonArray()
        .add(new JsonObject().put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(2).add(4))
            .put("data", new JsonArray().add(5.1).add(3.5).add(1.4).add(0.2).add(6.7).add(3.0).add(5.2).add(2.3)))));
    assertEquals(new JsonArray().add(0).add(2), output(iris, "label").getJsonArray("data"));

    // multi-io through the plain invoke: one row of every input.
    JsonObject multi = post(node, "/v1/functions/multi-io/invoke", new JsonObject()
        .put("x", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4)))
        .put("ids", new JsonArray().add(21))
        .put("mask", new JsonArray().add(false))
        .put("names", new JsonArray().add("hi"))
        .put("d", new JsonArray().add(new JsonArray().add(0.5).add(-1)))
        .put("small", new JsonArray().add(41))
        .put("bytes8", new JsonArray().add(9))
        .put("i8", new JsonArray().add(-8))
        .put("i16", new JsonArray().add(16))
        .put("h", new JsonArray().add(new JsonArray().add(1.5).add(2))));
    assertEquals(10.0, multi.getJsonArray("x_sum").getDouble(0));
    assertEquals(42L, multi.getJsonArray("ids_times_two").getLong(0));
    assertEquals(true, multi.getJsonArray("mask_not").getBoolean(0));
    assertEquals("hi", multi.getJsonArray("names_out").getString(0));
    assertEquals(42, multi.getJsonArray("small_plus_one").getInteger(0));
    assertEquals(new JsonArray().add(new JsonArray().add(3.0).add(4.0)), multi.getJsonArray("h_double"));

    // heavy-mlp: one row of 256 features in, 16 finite values out.
    JsonArray features = new JsonArray();
    for (int i = 0; i < 256; i++) {
      features.add((i % 7) / 7.0);
    }
    JsonObject heavy = post(node, "/v2/models/heavy-mlp/infer", new JsonObject().put("inputs", new JsonArray()
        .add(new JsonObject().put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(256))
            .put("data", features))));
    JsonObject out = output(heavy, "output");
    assertEquals(new JsonArray().add(1).add(16), out.getJsonArray("shape"));
    JsonArray values = out.getJsonArray("data");
    assertEquals(16, values.size());
    for (int i = 0; i < 16; i++) {
      assertTrue(values.getValue(i) instanceof Number n && Double.isFinite(n.doubleValue()), "finite: " + values);
    }

    // A restart with --examples again keeps the deployed ones instead of adding versions.
    kill9(node);
    node = start("--examples");
    for (String name : List.of("iris-mlp", "multi-io", "heavy-mlp")) {
      assertEquals(List.of(1), versions(node, name), name);
    }
  }

  // ---- process handling ------------------------------------------------------------------------

  /** The deploy loop makes versions of one function for as long as it runs: no --max-versions in the way. */
  private static final String[] MANY_VERSIONS = {"--max-versions", "1000000"};

  private Node start(String... extraArgs) throws IOException, InterruptedException {
    String jar = System.getProperty("zeroserve.jar");
    assertNotNull(jar, "system property zeroserve.jar (set by failsafe) names the shaded jar");
    assertTrue(Files.isRegularFile(Path.of(jar)), "the jar exists: " + jar + " (run after package)");
    int port = freePort();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    String nativeCache = System.getProperty("zeroserve.native.cache");
    if (nativeCache != null) {
      command.add("-Dzeroserve.native.cache=" + nativeCache);
    }
    // A free cluster port too: the default 5701 may be taken by another node on this machine.
    command.addAll(List.of("-jar", jar, "--http-port", String.valueOf(port), "--data-dir", dataDir.toString(),
        "--inference-threads", "1", "--cluster-host", "127.0.0.1", "--cluster-port", "0"));
    command.addAll(List.of(extraArgs)); // a later flag wins over an earlier one
    Path log = logDir.resolve("node-" + (++starts) + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
    Process process = builder.start();
    processes.add(process);
    Node node = new Node(process, port, log);

    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("the node exited with " + process.exitValue() + " before it was ready; " + log(node));
      }
      try {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(uri(node, "/v2/health/ready"))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return node;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    return fail("the node was not ready within " + START_TIMEOUT + "; " + log(node));
  }

  private static void kill9(Node node) throws InterruptedException {
    node.process().destroyForcibly(); // SIGKILL on Linux
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS), "the killed process is gone");
    assertEquals(137, node.process().exitValue(), "exit status of a process killed by signal 9");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String log(Node node) {
    try {
      String text = Files.readString(node.log(), StandardCharsets.UTF_8);
      return "node log " + node.log() + ":\n" + (text.length() > 8000 ? text.substring(text.length() - 8000) : text);
    } catch (IOException e) {
      return "node log unreadable: " + e;
    }
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private static URI uri(Node node, String path) {
    return URI.create("http://127.0.0.1:" + node.port() + path);
  }

  private HttpResponse<String> send(Node node, String method, String path, String json)
      throws IOException, InterruptedException {
    HttpRequest.BodyPublisher body = json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json);
    return http.send(HttpRequest.newBuilder(uri(node, path)).timeout(REQUEST_TIMEOUT)
        .header("content-type", "application/json").method(method, body).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject deploy(Node node, String name, byte[] model) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(node, "/v1/functions/" + name + "/versions"))
        .timeout(REQUEST_TIMEOUT).header("content-type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(model)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private JsonObject get(Node node, String path) throws IOException, InterruptedException {
    HttpResponse<String> response = send(node, "GET", path, null);
    assertEquals(200, response.statusCode(), () -> path + ": " + response.body() + "; " + log(node));
    return new JsonObject(response.body());
  }

  private JsonObject post(Node node, String path, JsonObject body) throws IOException, InterruptedException {
    HttpResponse<String> response = send(node, "POST", path, body.encode());
    assertEquals(200, response.statusCode(), () -> path + ": " + response.body() + "; " + log(node));
    return new JsonObject(response.body());
  }

  private JsonObject infer(Node node, String path) throws IOException, InterruptedException {
    return post(node, path, TestModels.addRequest());
  }

  private List<Integer> versions(Node node, String name) throws IOException, InterruptedException {
    List<Integer> versions = new ArrayList<>();
    get(node, "/v1/functions/" + name).getJsonArray("versions")
        .forEach(v -> versions.add(((JsonObject) v).getInteger("version")));
    return versions;
  }

  private static float addedConstant(JsonObject response) {
    return TestModels.addedConstant(response);
  }

  private static JsonObject output(JsonObject response, String name) {
    for (Object o : response.getJsonArray("outputs")) {
      if (((JsonObject) o).getString("name").equals(name)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no output " + name + " in " + response);
  }
}
