package io.zeroserve.bench;

import io.vertx.core.Vertx;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaState;
import io.zeroserve.host.NodeOptions;
import io.zeroserve.host.ZeroserveNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A node started in this JVM on a free port of 127.0.0.1, with its own Vert.x instance and a fresh
 * data directory that {@link #close} deletes. The bench reads the node's replica counters directly
 * (cold starts, load times) to check that it measured what it meant to.
 */
final class BenchNode implements AutoCloseable {

  static final long START_TIMEOUT_S = 120;

  private final Vertx vertx;
  private final ZeroserveNode node;
  private final Path dataDir;

  private BenchNode(Vertx vertx, ZeroserveNode node, Path dataDir) {
    this.vertx = vertx;
    this.node = node;
    this.dataDir = dataDir;
  }

  static BenchNode start() {
    Path dir;
    try {
      dir = Files.createTempDirectory("zs-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Vertx vertx = Vertx.vertx();
    try {
      NodeOptions options = NodeOptions.parse(new String[] {"--http-port", "0",
          "--data-dir", dir.toString()}, Map.of());
      ZeroserveNode node = new ZeroserveNode(vertx, options);
      await(node.start(), START_TIMEOUT_S);
      return new BenchNode(vertx, node, dir);
    } catch (Exception e) { // await() rethrows the cause as is, checked or not
      await(vertx.close(), 60); // its threads would keep the JVM alive
      deleteTree(dir);
      throw new IllegalStateException("the node did not start: " + e, e);
    }
  }

  int port() {
    return node.httpPort();
  }

  LocalReplicas replicas() {
    return node.services().replicas();
  }

  /** Replicas of a function that are READY or LOADING now. */
  long liveReplicas(String function) {
    return replicas().replicas().stream()
        .filter(r -> r.id().function().equals(function))
        .filter(r -> r.state() == ReplicaState.READY || r.state() == ReplicaState.LOADING)
        .count();
  }

  @Override
  public void close() {
    try {
      await(node.stop(), 60);
    } finally {
      await(vertx.close(), 60);
      deleteTree(dataDir);
    }
  }

  static <T> T await(io.vertx.core.Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + seconds + " s", e);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("could not delete " + root + ": " + e.getMessage());
    }
  }
}
