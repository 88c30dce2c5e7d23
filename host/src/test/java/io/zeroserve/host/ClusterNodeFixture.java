package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.cluster.NodeInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A cluster of real {@link ZeroserveNode}s in this JVM: each one a Hazelcast member on 127.0.0.1
 * plus a clustered Vert.x, started with {@link ZeroserveNode#launch}, each over its own data dir
 * under {@code root}. Node 1 starts alone; every later node joins the nodes running at that moment.
 * The cluster name carries a random suffix, so members of other test classes, or leftovers, never
 * join it. Nodes are numbered from 1, as in the tests' prose. Every wait is bounded; {@link #close}
 * stops whatever still runs. Not thread-safe, except the HTTP helpers of {@link Member}.
 */
final class ClusterNodeFixture implements AutoCloseable {

  /** Bound on a condition that becomes true as the cluster converges; polled every {@link #POLL}. */
  static final Duration WAIT = Duration.ofSeconds(15);
  static final Duration POLL = Duration.ofMillis(100);
  /** Bound on a node's start or stop (a Hazelcast join or a graceful leave). */
  static final Duration LIFECYCLE_TIMEOUT = Duration.ofSeconds(60);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  static final String HOST = "127.0.0.1";

  private final Path root;
  private final String clusterName;
  private final List<String> extraArgs;
  private final List<Member> members = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private ClusterNodeFixture(Path root, String clusterName, List<String> extraArgs) {
    this.root = root;
    this.clusterName = clusterName;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /**
   * Starts {@code count} nodes: node 1 alone, then the others joining it (in parallel), each over
   * {@code root/node-<n>}; returns once each has joined and sees all of them.
   *
   * @param extraArgs further options for every node, e.g. {@code "--max-functions", "5"}
   */
  static ClusterNodeFixture start(Path root, int count, String... extraArgs) {
    ClusterNodeFixture cluster = new ClusterNodeFixture(root,
        "zs-test-" + UUID.randomUUID().toString().substring(0, 8), List.of(extraArgs));
    try {
      for (int i = 1; i <= count; i++) {
        cluster.members.add(cluster.new Member(i, root.resolve("node-" + i)));
      }
      cluster.startAll();
      return cluster;
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** Node {@code number}, counting from 1. */
  Member node(int number) {
    assertTrue(number >= 1 && number <= members.size(), "node number in 1.." + members.size() + ", was: " + number);
    return members.get(number - 1);
  }

  List<Member> nodes() {
    return List.copyOf(members);
  }

  List<Member> running() {
    return members.stream().filter(Member::running).toList();
  }

  /** Starts one more node over a new data dir, joining the running nodes; waits until all see it. */
  Member addNode() {
    Member member = new Member(members.size() + 1, root.resolve("node-" + (members.size() + 1)));
    members.add(member);
    await(member.launch(joinAddresses()), "start of node " + member.number);
    awaitMembership();
    return member;
  }

  /**
   * Starts every stopped node over its data dir: the first one alone when none runs, the others
   * joining (in parallel). Waits until every running node sees all of them.
   */
  void startAll() {
    start(members);
  }

  /** Like {@link #startAll}, for those of {@code which} that are stopped. */
  void start(List<Member> which) {
    List<Member> stopped = which.stream().filter(m -> !m.running()).toList();
    if (stopped.isEmpty()) {
      return;
    }
    int from = 0;
    if (running().isEmpty()) {
      await(stopped.get(0).launch(List.of()), "start of node " + stopped.get(0).number);
      from = 1;
    }
    List<String> join = joinAddresses();
    List<Future<ZeroserveNode>> starts = new ArrayList<>();
    for (Member m : stopped.subList(from, stopped.size())) {
      starts.add(m.launch(join));
    }
    for (int i = 0; i < starts.size(); i++) {
      await(starts.get(i), "start of node " + stopped.get(from + i).number);
    }
    awaitMembership();
  }

  /** Stops those of {@code which} that run, gracefully, one after another. */
  void stop(List<Member> which) {
    for (Member m : which) {
      m.stop();
    }
  }

  /** Waits until every running node lists exactly the running nodes as live, not leaving, members. */
  void awaitMembership() {
    awaitTrue("every running node sees the " + running().size() + " running nodes", () -> {
      List<String> ids = running().stream().map(Member::nodeId).sorted().toList();
      for (Member m : running()) {
        List<String> seen = m.node().cluster().nodes().stream().filter(n -> !n.leaving())
            .map(NodeInfo::nodeId).sorted().toList();
        if (!seen.equals(ids)) {
          return false;
        }
      }
      return true;
    });
  }

  /**
   * Waits until every running node lists {@code version} of {@code function}. Nodes learn of records
   * other nodes wrote through cluster events, a moment after the writer's answer; a test whose next
   * step goes to another node waits here ({@code MultiNodeTest#a201_isServedAtOnceByEveryOtherNode_...}
   * is the test that does not).
   */
  void awaitVersionEverywhere(String function, int version) {
    for (Member m : running()) {
      awaitTrue(m + " lists version " + version + " of " + function, () -> {
        Reply reply = m.get("/v1/functions/" + function);
        return reply.status() == 200 && reply.json().getJsonArray("versions").stream()
            .anyMatch(v -> ((JsonObject) v).getInteger("version") == version);
      });
    }
  }

  @Override
  public void close() {
    // Leave one after another: the last member to go takes the cluster down with it.
    RuntimeException first = null;
    for (Member m : members) {
      try {
        m.stop();
      } catch (RuntimeException | AssertionError e) {
        if (first == null) {
          first = new RuntimeException("closing node " + m.number + " failed", e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private List<String> joinAddresses() {
    return running().stream().map(m -> HOST + ":" + m.clusterPort).toList();
  }

  // ---- one node ----------------------------------------------------------------------------------

  /** One node of the cluster: its data dir, its ports while it runs, and a blocking HTTP client. */
  final class Member {

    final int number;
    final Path dataDir;
    private ZeroserveNode node;
    private Vertx vertx;
    private int clusterPort;

    private Member(int number, Path dataDir) {
      this.number = number;
      this.dataDir = dataDir;
    }

    private Future<ZeroserveNode> launch(List<String> join) {
      assertTrue(node == null, "node " + number + " is not running yet");
      clusterPort = freePort();
      List<String> args = new ArrayList<>(List.of("--http-port", "0", "--data-dir", dataDir.toString(),
          "--inference-threads", "1", "--cluster-name", clusterName, "--cluster-host", HOST,
          "--cluster-port", String.valueOf(clusterPort)));
      if (!join.isEmpty()) {
        args.addAll(List.of("--join", String.join(",", join)));
      }
      args.addAll(extraArgs);
      return ZeroserveNode.launch(NodeOptions.parse(args.toArray(String[]::new), Map.of())).map(n -> {
        // launch() completes on a thread of the node's own Vert.x; keep that Vert.x, see stop().
        Context context = Vertx.currentContext();
        assertTrue(context != null, "launch() of node " + number + " completes on a Vert.x thread");
        vertx = context.owner();
        node = n;
        return n;
      });
    }

    boolean running() {
      return node != null;
    }

    ZeroserveNode node() {
      assertTrue(node != null, "node " + number + " is running");
      return node;
    }

    String nodeId() {
      return node().nodeId();
    }

    int httpPort() {
      return node().httpPort();
    }

    /**
     * Leaves the cluster gracefully: stops the node, then closes its Vert.x (and so its Hazelcast
     * member) from this thread, which is what {@link ZeroserveNode#close} does. close() itself has its
     * own test ({@code MultiNodeTest#close_ofALaunchedNode_notifiesItsWaiters_andTheNodeLeavesTheCluster}),
     * so that a close() whose future never notifies its waiters fails that test instead of stalling
     * every other. No-op when stopped.
     */
    void stop() {
      ZeroserveNode stopping = node;
      Vertx closing = vertx;
      node = null;
      vertx = null;
      try {
        if (stopping != null) {
          await(stopping.stop(), "stop of node " + number);
        }
      } finally {
        if (closing != null) {
          await(closing.close(), "close of the Vert.x of node " + number);
        }
      }
    }

    /**
     * Calls {@link ZeroserveNode#close} itself and returns its future; the node counts as stopped, and
     * a later {@link #stop} closes its Vert.x should close() not have.
     */
    Future<Void> closeNode() {
      ZeroserveNode closing = node();
      node = null;
      return closing.close();
    }

    Path artifact(String sha256) {
      return dataDir.resolve("artifacts").resolve(sha256 + ".onnx");
    }

    // ---- HTTP ----

    Reply send(String method, String path, String contentType, byte[] body) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort() + path))
          .timeout(REQUEST_TIMEOUT)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      if (contentType != null) {
        request.header("content-type", contentType);
      }
      try {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), method + " " + path + " on node " + number);
      } catch (IOException e) {
        throw new UncheckedIOException(method + " " + path + " on node " + number + " failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted during " + method + " " + path, e);
      }
    }

    Reply get(String path) {
      return send("GET", path, null, null);
    }

    Reply postJson(String path, JsonObject body) {
      return send("POST", path, "application/json", body.encode().getBytes(StandardCharsets.UTF_8));
    }

    Reply putJson(String path, String body) {
      return send("PUT", path, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    /** POST /v1/functions/{name}/versions with the model bytes; asserts 201 and returns the body. */
    JsonObject deploy(String name, byte[] model) {
      return deployReply(name, model).expect(201);
    }

    Reply deployReply(String name, byte[] model) {
      return send("POST", "/v1/functions/" + name + "/versions", "application/octet-stream", model);
    }

    /** GET /v1/functions/{name}; asserts 200. It lists the replicas on this node. */
    JsonObject describe(String name) {
      return get("/v1/functions/" + name).expect(200);
    }

    /** The names GET /v1/functions lists, in its order. */
    List<String> functionNames() {
      List<String> names = new ArrayList<>();
      for (Object f : get("/v1/functions").expect(200).getJsonArray("functions")) {
        names.add(((JsonObject) f).getString("name"));
      }
      return names;
    }

    /** The replicas of {@code name} on this node, any state. */
    JsonArray replicas(String name) {
      JsonArray replicas = describe(name).getJsonArray("replicas");
      return replicas == null ? new JsonArray() : replicas;
    }

    /** POST /v2/repository/models/{name}/load: a READY replica of the active version on this node. */
    void load(String name) {
      postJson("/v2/repository/models/" + name + "/load", new JsonObject()).expect(200);
    }

    /** V2 infer of {@link TestModels#addRequest}; returns the reply, whatever its status. */
    Reply infer(String name) {
      return postJson("/v2/models/" + name + "/infer", TestModels.addRequest());
    }

    /** The constant the serving {@link TestModels#addConstant} model of {@code name} added; asserts 200. */
    float inferConstant(String name) {
      return TestModels.addedConstant(infer(name).expect(200));
    }

    @Override
    public String toString() {
      return "node " + number
          + (node == null ? " (stopped)" : " (http " + node.httpPort() + ", id " + node.nodeId() + ")");
    }
  }

  /** One HTTP answer, fully read. */
  record Reply(int status, String body, String what) {

    JsonObject json() {
      try {
        return new JsonObject(body);
      } catch (RuntimeException e) {
        return fail(what + " answered " + status + " with a body that is not a JSON object: " + body);
      }
    }

    /** Asserts the status and returns the JSON body. */
    JsonObject expect(int expectedStatus) {
      assertEquals(expectedStatus, status, () -> what + " answered " + status + ": " + body);
      return json();
    }
  }

  // ---- waiting -----------------------------------------------------------------------------------

  /** Polls {@code condition} every {@link #POLL} until it holds; fails after {@link #WAIT}. */
  static void awaitTrue(String what, BooleanSupplier condition) {
    awaitValue(what, () -> condition.getAsBoolean() ? Boolean.TRUE : null);
  }

  /** Polls until {@code probe} returns non-null; fails after {@link #WAIT} with the last problem seen. */
  static <T> T awaitValue(String what, Supplier<T> probe) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Throwable last = null;
    while (true) {
      try {
        T value = probe.get();
        if (value != null) {
          return value;
        }
      } catch (RuntimeException | AssertionError e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        AssertionError error = new AssertionError(what + ": not within " + WAIT.toSeconds() + " s"
            + (last == null ? "" : "; last problem: " + last));
        if (last != null) {
          error.addSuppressed(last);
        }
        throw error;
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting until " + what, e);
      }
    }
  }

  /** Waits for a future from a non-Vert.x thread, at most {@link #LIFECYCLE_TIMEOUT}. */
  static <T> T await(Future<T> future, String what) {
    try {
      return future.await(LIFECYCLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return fail(what + " did not complete within " + LIFECYCLE_TIMEOUT.toSeconds() + " s");
    }
  }

  /** A port that was free a moment ago on 127.0.0.1 (closed again before the node binds it). */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }
}
