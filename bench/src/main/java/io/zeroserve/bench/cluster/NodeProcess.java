package io.zeroserve.bench.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node in a JVM of its own: {@code java -jar zeroserve.jar} on free ports of 127.0.0.1, with its
 * own data directory and log file. Not thread-safe; one benchmark thread drives it.
 */
final class NodeProcess implements AutoCloseable {

  /** Flags of every node JVM; more come from the system property {@code node.jvm} (space-separated). */
  static final List<String> JVM_FLAGS = List.of("-Xmx1g", "-XX:+UseG1GC",
      // Log lines with milliseconds, so that a node's log can be laid beside the bench's timeline.
      "-Djava.util.logging.SimpleFormatter.format=%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
  static final long KILL_TIMEOUT_S = 30;
  static final long POLL_ANSWER_TIMEOUT_S = 2;
  private static final int LOW_PORTS_FROM = 20_000;
  private static final int LOW_PORTS_TO = 32_000;
  private static final Random RANDOM = new Random();
  /**
   * How long a SIGTERM'd node may take to exit before it is killed. A node leaves the cluster within
   * a second or two of SIGTERM (builds before d56e554 then lingered until their shutdown hook's 30 s
   * wait ran out: see RESULTS-cluster.md).
   */
  static final long STOP_GRACE_S = 5;

  private final String name;
  private final int httpPort;
  private final int clusterPort;
  private final Path log;
  private final Process process;
  private final long launchedNanos;
  private final LocalTime launchedAt;

  private NodeProcess(String name, int httpPort, int clusterPort, Path log, Process process, long launchedNanos,
                      LocalTime launchedAt) {
    this.launchedAt = launchedAt;
    this.name = name;
    this.httpPort = httpPort;
    this.clusterPort = clusterPort;
    this.log = log;
    this.process = process;
    this.launchedNanos = launchedNanos;
  }

  /**
   * Starts a node; returns at once, before it serves.
   *
   * @param join cluster ports of members on 127.0.0.1 to join; empty: start alone
   */
  static NodeProcess start(Path jar, Path runDir, String name, String clusterName, List<Integer> join) {
    int httpPort = freePort();
    int clusterPort = freePort();
    Path dataDir = runDir.resolve(name + "-data");
    Path log = runDir.resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    String extra = System.getProperty("node.jvm", "").strip();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.replace("{name}", name).split("\\s+")));
    }
    command.addAll(List.of("-jar", jar.toString(),
        "--http-port", String.valueOf(httpPort),
        "--data-dir", dataDir.toString(),
        "--cluster-name", clusterName,
        "--cluster-port", String.valueOf(clusterPort)));
    if (!join.isEmpty()) {
      command.add("--join");
      command.add(String.join(",", join.stream().map(p -> Loopback.HOST + ":" + p).toList()));
    }
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
    builder.environment().keySet().removeIf(k -> k.startsWith("ZS_")); // only the flags above count
    LocalTime launchedAt = LocalTime.now();
    long launched = System.nanoTime();
    try {
      return new NodeProcess(name, httpPort, clusterPort, log, builder.start(), launched, launchedAt);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node " + name, e);
    }
  }

  /**
   * Polls {@code GET /v2/health/ready} every {@code pollMs} until it answers 200. A poll that gets no
   * answer within {@link #POLL_ANSWER_TIMEOUT_S} is reported, {@code onStuck} runs (to save evidence),
   * and polling goes on over a new connection.
   *
   * @return when the first 200 arrived, on the {@link System#nanoTime()} clock
   */
  long awaitReady(Loopback loopback, long timeoutMs, long pollMs, Runnable onStuck) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    Loopback.Client client = loopback.client(httpPort);
    try {
      while (System.nanoTime() - deadline < 0) {
        if (!process.isAlive()) {
          throw new Exited("node " + name + " exited with " + process.exitValue() + " before it was ready; log:\n"
              + logTail());
        }
        long sent = System.nanoTime();
        try {
          Loopback.Reply reply = client.send(Loopback.Request.get("/v2/health/ready"))
              .await(POLL_ANSWER_TIMEOUT_S, TimeUnit.SECONDS);
          if (reply.status() == 200) {
            return System.nanoTime();
          }
        } catch (TimeoutException e) {
          System.out.printf("(node %s: a readiness poll sent %.0f ms after the start got no answer within %d s)%n",
              name, (sent - launchedNanos) / 1e6, POLL_ANSWER_TIMEOUT_S);
          onStuck.run();
          client.closeNow();
          client = loopback.client(httpPort);
        } catch (Exception e) { // await() rethrows the cause as is, checked or not
          // not listening yet
        }
        sleep(pollMs);
      }
    } finally {
      client.closeNow();
    }
    throw new IllegalStateException("node " + name + " not ready within " + timeoutMs + " ms; log:\n" + logTail());
  }

  /**
   * When the node's own log says it serves ("Zeroserve node serving"), in ms from the process start
   * by the wall clock (the log has ms resolution); -1 if it has not said so.
   */
  long servingAfterMs() {
    for (String line : logLines("Zeroserve node serving")) {
      try {
        LocalTime at = LocalTime.parse(line.substring(0, line.indexOf(' ')));
        return Duration.between(launchedAt, at).toMillis();
      } catch (RuntimeException e) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * The node exited before it was ready, typically because a port was taken between the bench's
   * check and the node's bind (builds before 91bb29c then exited 0 without a word: see
   * RESULTS-cluster.md), so this is worth one more try on other ports.
   */
  static final class Exited extends IllegalStateException {
    Exited(String message) {
      super(message);
    }
  }

  String name() {
    return name;
  }

  int httpPort() {
    return httpPort;
  }

  int clusterPort() {
    return clusterPort;
  }

  long pid() {
    return process.pid();
  }

  long launchedNanos() {
    return launchedNanos;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL (on Linux {@link Process#destroyForcibly} sends signal 9), then waits for the exit. */
  void kill() {
    process.destroyForcibly();
    waitFor(KILL_TIMEOUT_S);
  }

  /** SIGTERM: the node's shutdown hook drains and leaves the cluster; SIGKILL if it takes too long. */
  void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitFor(STOP_GRACE_S)) {
      kill();
    }
  }

  /** The last lines of the node's log, for error reports. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Lines of the log that contain {@code text}. */
  List<String> logLines(String text) {
    try {
      return Files.readAllLines(log).stream().filter(l -> l.contains(text)).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private boolean waitFor(long seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * A port of 127.0.0.1 that was free a moment ago; the node binds it a second or two later. It is
   * drawn below Linux's default ephemeral range (32768 and up), where no other process's port-0 bind
   * or outgoing connection can take it meanwhile; a node that still finds it taken exits, and
   * {@link ClusterRun} starts it again on other ports.
   */
  static int freePort() {
    for (int i = 0; i < 100; i++) {
      int port = LOW_PORTS_FROM + RANDOM.nextInt(LOW_PORTS_TO - LOW_PORTS_FROM);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException e) {
        // taken: draw another
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
