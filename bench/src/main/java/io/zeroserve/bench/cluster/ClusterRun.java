package io.zeroserve.bench.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.bench.cluster.Loopback.Reply;
import io.zeroserve.bench.cluster.Loopback.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One benchmark's cluster of node processes under a fresh directory and a cluster name of its own,
 * and one client per node. The node jar is copied into the directory first, so that a build that
 * replaces {@code host/target/zeroserve.jar} meanwhile cannot change the nodes under a run.
 * {@link #close} stops every node and deletes the directory, unless {@code -Dkeep=true}. Not
 * thread-safe.
 */
final class ClusterRun implements AutoCloseable {

  static final long START_TIMEOUT_MS = 120_000;
  static final long POLL_MS = 10;
  /** How often readiness is polled while a node starts: the start-up times are measured from it. */
  static final long POLL_MS_FOR_START = 5;
  static final int START_ATTEMPTS = 3;
  /** A plain invoke of iris-mlp with one setosa row. */
  static final String IRIS_BODY = "{\"input\":[[5.1,3.5,1.4,0.2]]}";

  private final Path dir;
  private final Path jar;
  private final String clusterName;
  private final Loopback loopback = new Loopback();
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final Map<NodeProcess, Loopback.Client> clients = new HashMap<>();
  private boolean keep = Boolean.getBoolean("keep");

  ClusterRun(String benchmark) {
    try {
      dir = Files.createTempDirectory("zs-" + benchmark.toLowerCase() + "-");
      jar = Files.copy(sourceJar(), dir.resolve("node.jar"), StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.COPY_ATTRIBUTES);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    clusterName = "zs-bench-" + benchmark.toLowerCase() + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    System.out.println("node jar: " + describeJar());
  }

  /** Which build the nodes run: the source jar, when it was built, and the start of its SHA-256. */
  private String describeJar() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(jar)) {
        byte[] buffer = new byte[1 << 16];
        for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
          sha.update(buffer, 0, n);
        }
      }
      return sourceJar() + ", built " + Files.getLastModifiedTime(jar) + ", sha256 "
          + HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (IOException | NoSuchAlgorithmException e) {
      return jar + " (" + e.getMessage() + ")";
    }
  }

  /** {@code -Dzeroserve.jar}, else host/target/zeroserve.jar from the repository root or from bench/. */
  static Path sourceJar() {
    String configured = System.getProperty("zeroserve.jar");
    List<Path> candidates = configured != null ? List.of(Path.of(configured))
        : List.of(Path.of("host/target/zeroserve.jar"), Path.of("../host/target/zeroserve.jar"));
    for (Path p : candidates) {
      if (Files.isRegularFile(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalStateException("no node jar at " + candidates + "; build it with ./mvnw -q install -DskipTests"
        + " or pass -Dzeroserve.jar=PATH");
  }

  /** Starts a node that joins the given nodes; returns at once. */
  NodeProcess launch(String name, NodeProcess... join) {
    List<Integer> ports = Stream.of(join).map(NodeProcess::clusterPort).toList();
    NodeProcess node = NodeProcess.start(jar, dir, unique(name), clusterName, ports);
    nodes.add(node);
    clients.put(node, loopback.client(node.httpPort()));
    return node;
  }

  /** The name, or the name with a suffix when a node of that name was started before (a retry): a fresh data directory. */
  private String unique(String name) {
    long same = nodes.stream().filter(n -> n.name().equals(name) || n.name().startsWith(name + "-retry")).count();
    return same == 0 ? name : name + "-retry" + same;
  }

  /** Starts a node alone, in a cluster of its own with no one to join; returns at once. */
  NodeProcess launchAlone(String name) {
    NodeProcess node = NodeProcess.start(jar, dir, unique(name), clusterName + "-" + name, List.of());
    nodes.add(node);
    clients.put(node, loopback.client(node.httpPort()));
    return node;
  }

  /** Starts a node and waits until it is ready; starts it again if it exits first. */
  NodeProcess start(String name, NodeProcess... join) {
    return startRetrying(() -> launch(name, join)).node();
  }

  /** A node that is ready, and when the first 200 from its readiness probe arrived ({@link System#nanoTime()}). */
  record Ready(NodeProcess node, long readyNanos) {}

  /**
   * Launches a node with {@code launcher} and waits until it is ready. A node that exits before it is
   * ready (typically: a port taken between the bench's check and the node's bind) is launched again,
   * on fresh ports, up to {@link #START_ATTEMPTS} times in all; the retry is reported.
   */
  Ready startRetrying(Supplier<NodeProcess> launcher) {
    for (int attempt = 1; ; attempt++) {
      NodeProcess node = launcher.get();
      try {
        return new Ready(node, node.awaitReady(loopback, START_TIMEOUT_MS, POLL_MS_FOR_START, this::dumpThreads));
      } catch (NodeProcess.Exited e) {
        if (attempt == START_ATTEMPTS) {
          throw e;
        }
        System.out.println("(node " + node.name() + " exited before it was ready; starting it again: "
            + e.getMessage().lines().findFirst().orElse("") + ")");
      }
    }
  }

  Loopback loopback() {
    return loopback;
  }

  Loopback.Client client(NodeProcess node) {
    return clients.get(node);
  }

  /** A client of its own for one node, say for a second concurrent stream to it. */
  Loopback.Client newClient(NodeProcess node) {
    return loopback.client(node.httpPort());
  }

  /** Deploys model bytes as a new version of a function through {@code node}. */
  void deploy(NodeProcess node, String function, byte[] model) {
    guard(() -> client(node).ok(Request.bytes("/v1/functions/" + function + "/versions", model)));
  }

  /** Waits until {@code node} knows the function (its record has reached the node). */
  void awaitFunction(NodeProcess node, String function) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (System.nanoTime() - deadline < 0) {
      if (guard(() -> client(node).call(Request.get("/v1/functions/" + function))).status() == 200) {
        return;
      }
      NodeProcess.sleep(POLL_MS);
    }
    throw new IllegalStateException("node " + node.name() + " does not know " + function + " after "
        + START_TIMEOUT_MS + " ms");
  }

  /** Loads a replica of the function on {@code node} and waits until it is READY. */
  void load(NodeProcess node, String function) {
    guard(() -> client(node).ok(Request.json("/v2/repository/models/" + function + "/load", "{}")));
  }

  void unload(NodeProcess node, String function) {
    guard(() -> client(node).ok(Request.json("/v2/repository/models/" + function + "/unload", "{}")));
  }

  /** The replicas of the function on {@code node}, whatever their state, as the node lists them. */
  JsonArray replicas(NodeProcess node, String function) {
    Reply reply = guard(() -> client(node).ok(Request.get("/v1/functions/" + function)));
    return reply.json().getJsonArray("replicas", new JsonArray());
  }

  /** Replicas of the function on {@code node} that are LOADING or READY. */
  long liveReplicas(NodeProcess node, String function) {
    return replicas(node, function).stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("state").equals("READY") || r.getString("state").equals("LOADING")).count();
  }

  /**
   * Runs {@code work}; if it fails, saves a thread dump of every live node into the run's directory
   * (which is then kept) before passing the failure on, so that a call that hung leaves evidence.
   */
  <T> T guard(Supplier<T> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      dumpThreads();
      throw e;
    }
  }

  /**
   * Evidence for a call that got no answer: the bench's requests still waiting, {@code jcmd PID
   * Thread.print} of every live node and of the bench, and the host's TCP sockets ({@code ss -tnpi}),
   * into the run's directory, which is then kept.
   */
  void dumpThreads() {
    keep = true;
    System.err.println("requests still waiting: " + loopback.stuck(TimeUnit.SECONDS.toNanos(1)));
    run(dir.resolve("ss.txt"), "ss", "-tnpi");
    run(dir.resolve("bench-threads.txt"), Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(ProcessHandle.current().pid()), "Thread.print");
    for (NodeProcess node : nodes) {
      if (!node.isAlive()) {
        continue;
      }
      Path out = dir.resolve(node.name() + "-threads.txt");
      try {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
            String.valueOf(node.pid()), "Thread.print").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        jcmd.waitFor(30, TimeUnit.SECONDS);
        System.err.println("thread dump of node " + node.name() + " in " + out);
      } catch (IOException e) {
        System.err.println("no thread dump of " + node.name() + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void run(Path out, String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      p.waitFor(30, TimeUnit.SECONDS);
      System.err.println(String.join(" ", command) + " > " + out);
    } catch (IOException e) {
      System.err.println("could not run " + command[0] + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Path dir() {
    return dir;
  }

  String clusterName() {
    return clusterName;
  }

  @Override
  public void close() {
    for (NodeProcess node : nodes) {
      try {
        node.stop();
      } catch (RuntimeException e) {
        System.err.println("could not stop " + node.name() + ": " + e);
      }
    }
    clients.values().forEach(Loopback.Client::close);
    loopback.close();
    if (keep) {
      System.out.println("kept " + dir);
    } else {
      deleteTree(dir);
    }
  }

  static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("could not delete " + root + ": " + e.getMessage());
    }
  }

  /** One line: cores, CPU model, JVM, and the 1-minute load average (other work on the machine). */
  static String machine() {
    String model = "unknown CPU";
    String load = "?";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          model = line.substring(line.indexOf(':') + 1).strip();
          break;
        }
      }
      load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      // not Linux: leave them unknown
    }
    return Runtime.getRuntime().availableProcessors() + " cores, " + model + ", Java " + System.getProperty("java.version")
        + ", load average " + load;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }
}
