package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover between real node processes ({@code java -jar}, the jar named by the {@code zeroserve.jar}
 * system property that failsafe sets): three nodes on 127.0.0.1, each with its own data dir, HTTP
 * port and cluster port, nodes 2 and 3 joining node 1, under a cluster name of their own. A node is
 * killed with SIGKILL ({@link Process#destroyForcibly()} on Linux) while clients call the others:
 * clients must see latency, never an error. Every process is destroyed after each test and every
 * wait is bounded.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterFailoverIT {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final long POLL_MS = 100;

  @TempDir
  Path root;

  private final List<Node> nodes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private String clusterName;
  private int starts;

  /** One node process: its number in the test's prose, where it listens, its data and its log. */
  private record Node(int number, Process process, int httpPort, int clusterPort, Path dataDir, Path log) {

    String clusterAddress() {
      return "127.0.0.1:" + clusterPort;
    }

    @Override
    public String toString() {
      return "node " + number + " (pid " + process.pid() + ", http " + httpPort + ")";
    }
  }

  /** One client request: when it started, how long it took, and what went wrong, if anything. */
  private record Call(String client, long startNanos, long nanos, String failure) {}

  @BeforeEach
  void nameTheCluster() {
    clusterName = "zs-failover-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void destroyProcesses() throws InterruptedException {
    for (Node n : nodes) {
      n.process().destroyForcibly();
      n.process().waitFor(30, TimeUnit.SECONDS);
    }
  }

  // ---- kill -9 of the node that holds the replica, mid-stream ----------------------------------

  @Test
  void kill9OfTheNodeHoldingTheOnlyReplica_midStream_failsNoCall_andTheNodeRejoinsOnRestart() throws Exception {
    Node node1 = start(1, List.of());
    Node[] joined = startTogether(List.of(2, 3), List.of(node1));
    Node node2 = joined[0];
    Node node3 = joined[1];

    deploy(node1, "f", TestModels.addConstant(3));
    ClusterNodeFixture.awaitTrue("nodes 2 and 3 list f", () -> lists(node2, "f") && lists(node3, "f"));
    load(node2, "f");
    awaitForwarding(node1, "f", 3f);
    awaitForwarding(node3, "f", 3f);

    // Two clients, one per surviving node, each sending one call after the other; node 2 dies mid-way.
    AtomicBoolean stop = new AtomicBoolean();
    Queue<Call> calls = new ConcurrentLinkedQueue<>();
    List<Thread> clients = List.of(client("via node 1", node1, "f", 3f, calls, stop),
        client("via node 3", node3, "f", 3f, calls, stop));
    long killNanos;
    try {
      Thread.sleep(1_500);
      killNanos = System.nanoTime();
      kill9(node2);
      Thread.sleep(2_500);
    } finally {
      stop.set(true);
      for (Thread c : clients) {
        c.join(REQUEST_TIMEOUT.toMillis() + 5_000);
      }
    }
    for (Thread c : clients) {
      assertFalse(c.isAlive(), c.getName() + " stopped");
    }
    List<Call> all = List.copyOf(calls);
    List<String> failures = all.stream().filter(c -> c.failure() != null)
        .map(c -> c.client() + ": " + c.failure()).toList();
    assertEquals(List.of(), failures, "calls failed while node 2 died; " + log(node1) + "\n" + log(node3));
    long before = all.stream().filter(c -> c.startNanos() + c.nanos() < killNanos).count();
    long after = all.stream().filter(c -> c.startNanos() > killNanos).count();
    assertTrue(before >= 5 && after >= 5, "calls kept flowing: " + before + " before the kill, " + after + " after");
    printSpike("kill -9 of the node holding the only replica", all, killNanos);

    // Both survivors serve from a replica of their own now, or forward to each other.
    assertEquals(3f, inferConstant(node1, "f"));
    assertEquals(3f, inferConstant(node3, "f"));

    // Node 2 comes back on its data dir, rejoins, and takes part: it sees what was deployed while it
    // was gone, pulls the artifact from a peer and serves it.
    Node restarted = start(2, node2.dataDir(), List.of(node1, node3));
    deploy(node3, "after", TestModels.addConstant(4));
    ClusterNodeFixture.awaitTrue("the restarted node 2 lists what node 3 deployed while it was away",
        () -> lists(restarted, "after"));
    load(restarted, "after");
    assertEquals(4f, inferConstant(restarted, "after"));
    assertEquals(3f, inferConstant(restarted, "f"));
  }

  // ---- kill -9 of the deployer right after its 201 ---------------------------------------------

  @Test
  void kill9OfTheDeployer_rightAfterThe201_theFunctionServesFromTheOtherNodes() throws Exception {
    Node node1 = start(1, List.of());
    Node[] joined = startTogether(List.of(2, 3), List.of(node1));
    Node node2 = joined[0];
    Node node3 = joined[1];

    JsonObject deployed = deploy(node1, "survivor", TestModels.addConstant(8));
    kill9(node1);
    String sha = deployed.getString("sha256");
    boolean copied = Files.isRegularFile(artifact(node2, sha)) || Files.isRegularFile(artifact(node3, sha));
    assertTrue(copied, "the artifact was on node 2 or node 3 when node 1 died: the 201 waited for a second copy");

    for (Node n : List.of(node2, node3)) {
      ClusterNodeFixture.awaitTrue(n + " lists the function deployed on the dead node 1", () -> lists(n, "survivor"));
      assertEquals(1, get(n, "/v1/functions/survivor").getInteger("activeVersion"), n.toString());
      assertEquals(8f, inferConstant(n, "survivor"), n + "; " + log(n));
    }
    for (Node n : List.of(node2, node3)) {
      ClusterNodeFixture.awaitTrue(n + " holds an intact copy of the artifact", () -> {
        try {
          return Files.isRegularFile(artifact(n, sha))
              && sha.equals(TestModels.sha256(Files.readAllBytes(artifact(n, sha))));
        } catch (IOException e) {
          return false;
        }
      });
    }
  }

  // ---- SIGTERM: a graceful leave ---------------------------------------------------------------

  @Test
  void sigtermOfTheNodeHoldingTheReplica_midStream_failsNoCall_andTheProcessExitsPromptly() throws Exception {
    Node node1 = start(1, List.of());
    Node node2 = startTogether(List.of(2), List.of(node1))[0];
    deploy(node1, "g", TestModels.addConstant(6));
    ClusterNodeFixture.awaitTrue("node 2 lists g", () -> lists(node2, "g"));
    load(node2, "g");
    awaitForwarding(node1, "g", 6f);

    AtomicBoolean stop = new AtomicBoolean();
    Queue<Call> calls = new ConcurrentLinkedQueue<>();
    Thread client = client("via node 1", node1, "g", 6f, calls, stop);
    long termNanos;
    long exitNanos = -1;
    try {
      Thread.sleep(1_000);
      termNanos = System.nanoTime();
      node2.process().destroy(); // SIGTERM: the shutdown hook leaves the cluster
      if (node2.process().waitFor(5, TimeUnit.SECONDS)) {
        exitNanos = System.nanoTime() - termNanos;
      }
      Thread.sleep(500);
    } finally {
      stop.set(true);
      client.join(REQUEST_TIMEOUT.toMillis() + 5_000);
    }
    List<Call> all = List.copyOf(calls);
    assertEquals(List.of(), all.stream().filter(c -> c.failure() != null).map(Call::failure).toList(),
        "calls failed while node 2 left; " + log(node1));
    printSpike("SIGTERM (graceful leave) of the node holding the only replica", all, termNanos);
    assertEquals(6f, inferConstant(node1, "g"));
    assertTrue(exitNanos >= 0, "node 2 exited within 5 s of SIGTERM (Main's shutdown hook waits up to 30 s for "
        + "ZeroserveNode.close()); " + log(node2));
    System.out.printf("SIGTERM: node 2 exited %.1f s after the signal%n", exitNanos / 1e9);
  }

  // ---- clients ---------------------------------------------------------------------------------

  /** A started client thread that infers {@code function} on {@code node}, one call after another. */
  private Thread client(String name, Node node, String function, float expected, Queue<Call> calls,
                        AtomicBoolean stop) {
    Thread thread = new Thread(() -> {
      while (!stop.get()) {
        long start = System.nanoTime();
        String failure = null;
        try {
          HttpResponse<String> r = send(node, "POST", "/v2/models/" + function + "/infer",
              TestModels.addRequest().encode());
          if (r.statusCode() != 200) {
            failure = r.statusCode() + " " + r.body();
          } else if (TestModels.addedConstant(new JsonObject(r.body())) != expected) {
            failure = "wrong answer " + r.body();
          }
        } catch (IOException | RuntimeException | AssertionError e) {
          failure = e.toString();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        calls.add(new Call(name, start, System.nanoTime() - start, failure));
      }
    }, "client " + name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Prints the latency figures of a stream of calls around an event at {@code eventNanos}. */
  private static void printSpike(String event, List<Call> calls, long eventNanos) {
    List<Long> before = calls.stream().filter(c -> c.startNanos() + c.nanos() < eventNanos)
        .map(Call::nanos).sorted().toList();
    Call worst = calls.stream().max((a, b) -> Long.compare(a.nanos(), b.nanos())).orElseThrow();
    StringBuilder perClient = new StringBuilder();
    calls.stream().map(Call::client).distinct().sorted().forEach(client -> perClient.append(String.format(
        "; max %s %.1f ms", client, calls.stream().filter(c -> c.client().equals(client))
            .mapToLong(Call::nanos).max().orElse(0) / 1e6)));
    System.out.printf("failover figures, %s (sequential V2 infer of a tiny model, %d client(s), node processes "
            + "on 127.0.0.1): %d calls, %d failed; p50 before %.1f ms, p99 before %.1f ms; max latency %.1f ms "
            + "(%s, started %.0f ms %s the event)%s%n",
        event, calls.stream().map(Call::client).distinct().count(), calls.size(),
        calls.stream().filter(c -> c.failure() != null).count(),
        percentile(before, 50) / 1e6, percentile(before, 99) / 1e6, worst.nanos() / 1e6, worst.client(),
        Math.abs(worst.startNanos() - eventNanos) / 1e6, worst.startNanos() < eventNanos ? "before" : "after",
        perClient);
  }

  private static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  /**
   * Waits until calls on {@code node} are forwarded: it answers without a replica of its own. The
   * replica directory reaches other nodes shortly after a load; a call that came first made a local
   * replica, which is unloaded before the next try.
   */
  private void awaitForwarding(Node node, String function, float expected) throws InterruptedException {
    ClusterNodeFixture.awaitTrue(node + " forwards calls of " + function + " instead of loading a replica", () -> {
      try {
        assertEquals(expected, inferConstant(node, function));
        if (get(node, "/v1/functions/" + function).getJsonArray("replicas", new JsonArray()).isEmpty()) {
          return true;
        }
        send(node, "POST", "/v2/repository/models/" + function + "/unload", "{}");
        return false;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    });
  }

  // ---- process handling ------------------------------------------------------------------------

  /** Starts node {@code number} over {@code root/node-<number>}, joining {@code join}, and waits until it is ready. */
  private Node start(int number, List<Node> join) throws IOException, InterruptedException {
    Node node = launch(number, root.resolve("node-" + number), join);
    awaitReady(node);
    return node;
  }

  private Node start(int number, Path dataDir, List<Node> join) throws IOException, InterruptedException {
    Node node = launch(number, dataDir, join);
    awaitReady(node);
    return node;
  }

  /** Starts several nodes at once, each joining {@code join}, and waits until all are ready. */
  private Node[] startTogether(List<Integer> numbers, List<Node> join) throws IOException, InterruptedException {
    Node[] started = new Node[numbers.size()];
    for (int i = 0; i < started.length; i++) {
      started[i] = launch(numbers.get(i), root.resolve("node-" + numbers.get(i)), join);
    }
    for (Node n : started) {
      awaitReady(n);
    }
    return started;
  }

  private Node launch(int number, Path dataDir, List<Node> join) throws IOException {
    String jar = System.getProperty("zeroserve.jar");
    assertNotNull(jar, "system property zeroserve.jar (set by failsafe) names the shaded jar");
    assertTrue(Files.isRegularFile(Path.of(jar)), "the jar exists: " + jar + " (run after package)");
    int httpPort = freePort();
    int clusterPort = freePort();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m"));
    String nativeCache = System.getProperty("zeroserve.native.cache");
    if (nativeCache != null) {
      command.add("-Dzeroserve.native.cache=" + nativeCache);
    }
    command.addAll(List.of("-jar", jar, "--http-port", String.valueOf(httpPort), "--data-dir", dataDir.toString(),
        "--inference-threads", "1", "--cluster-name", clusterName, "--cluster-host", "127.0.0.1",
        "--cluster-port", String.valueOf(clusterPort)));
    if (!join.isEmpty()) {
      command.addAll(List.of("--join", String.join(",", join.stream().map(Node::clusterAddress).toList())));
    }
    Files.createDirectories(root.resolve("logs"));
    Path log = root.resolve("logs").resolve("node-" + number + "-" + (++starts) + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
    Node node = new Node(number, builder.start(), httpPort, clusterPort, dataDir, log);
    nodes.add(node);
    return node;
  }

  private void awaitReady(Node node) throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!node.process().isAlive()) {
        fail(node + " exited with " + node.process().exitValue() + " before it was ready; " + log(node));
      }
      try {
        if (send(node, "GET", "/v2/health/ready", null).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(POLL_MS);
    }
    fail(node + " was not ready within " + START_TIMEOUT.toSeconds() + " s; " + log(node));
  }

  private static void kill9(Node node) throws InterruptedException {
    node.process().destroyForcibly(); // SIGKILL on Linux
    assertTrue(node.process().waitFor(30, TimeUnit.SECONDS), node + " is gone after SIGKILL");
    assertEquals(137, node.process().exitValue(), "exit status of a process killed by signal 9");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Path artifact(Node node, String sha256) {
    return node.dataDir().resolve("artifacts").resolve(sha256 + ".onnx");
  }

  private static String log(Node node) {
    try {
      String text = Files.readString(node.log(), StandardCharsets.UTF_8);
      String tail = text.length() > 6000 ? text.substring(text.length() - 6000) : text;
      return "log of " + node + " " + node.log() + ":\n" + tail;
    } catch (IOException e) {
      return "log of " + node + " unreadable: " + e;
    }
  }

  // ---- waiting ---------------------------------------------------------------------------------

  // ---- HTTP ------------------------------------------------------------------------------------

  private HttpResponse<String> send(Node node, String method, String path, String json)
      throws IOException, InterruptedException {
    HttpRequest.BodyPublisher body = json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json);
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(REQUEST_TIMEOUT).header("content-type", "application/json").method(method, body).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject deploy(Node node, String name, byte[] model) throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/functions/" + name + "/versions");
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
        .header("content-type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(model)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, response.statusCode(), () -> "deploy of " + name + " on " + node + ": " + response.body());
    return new JsonObject(response.body());
  }

  private void load(Node node, String name) throws IOException, InterruptedException {
    HttpResponse<String> response = send(node, "POST", "/v2/repository/models/" + name + "/load", "{}");
    assertEquals(200, response.statusCode(), () -> "load of " + name + " on " + node + ": " + response.body());
  }

  private JsonObject get(Node node, String path) {
    try {
      HttpResponse<String> response = send(node, "GET", path, null);
      assertEquals(200, response.statusCode(), () -> "GET " + path + " on " + node + ": " + response.body());
      return new JsonObject(response.body());
    } catch (IOException e) {
      throw new IllegalStateException("GET " + path + " on " + node + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean lists(Node node, String function) {
    return get(node, "/v1/functions").getJsonArray("functions").stream()
        .anyMatch(f -> function.equals(((JsonObject) f).getString("name")));
  }

  private float inferConstant(Node node, String function) {
    try {
      HttpResponse<String> r = send(node, "POST", "/v2/models/" + function + "/infer",
          TestModels.addRequest().encode());
      assertEquals(200, r.statusCode(), () -> "infer of " + function + " on " + node + ": " + r.body());
      return TestModels.addedConstant(new JsonObject(r.body()));
    } catch (IOException e) {
      throw new IllegalStateException("infer on " + node + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
