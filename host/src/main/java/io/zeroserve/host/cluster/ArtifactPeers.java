package io.zeroserve.host.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.store.ArtifactStore;
import io.zeroserve.functions.store.Sha256;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * Moves model files between nodes. A deploy is acknowledged only once its artifact is durable on
 * min(2, cluster size) nodes ({@link #replicate}); a node that must load a version it lacks pulls
 * it from a peer ({@link #verifiedArtifact}). Transfers stream to a temp file and are checked
 * against their SHA-256 before they enter the store: never whole in the heap, never unverified.
 * Blocking methods run on workers. Thread-safe.
 */
public final class ArtifactPeers {

  public static final String INTERNAL_PATH = "/internal/v1/artifacts/";
  static final String FETCH_ADDRESS_PREFIX = "zeroserve.artifacts.fetch.";
  private static final Logger LOG = Logger.getLogger(ArtifactPeers.class.getName());
  private static final long REPLICATION_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(10);

  private final Vertx vertx;
  private final ClusterState cluster;
  private final ArtifactStore artifacts;
  private final WorkerExecutor executor;
  private final HttpClient http;
  private final String scheme;
  private final String clusterSecret;

  /** Peers over plain HTTP, without a cluster secret. */
  public ArtifactPeers(Vertx vertx, ClusterState cluster, ArtifactStore artifacts, WorkerExecutor executor) {
    this(vertx, cluster, artifacts, executor, null, null);
  }

  /**
   * @param tls trust for peers' HTTPS certificates ({@link PeerTls}); null: peers serve plain HTTP.
   *     Every node of a cluster serves the same scheme
   * @param clusterSecret sent to peers as a bearer token; null sends none (peers without API tokens)
   */
  public ArtifactPeers(Vertx vertx, ClusterState cluster, ArtifactStore artifacts, WorkerExecutor executor,
                       SSLContext tls, String clusterSecret) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.artifacts = artifacts;
    this.executor = executor;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
    this.scheme = tls == null ? "http" : "https";
    this.clusterSecret = clusterSecret;
  }

  private io.vertx.core.eventbus.MessageConsumer<JsonObject> consumer;

  /** Lets peers ask this node to fetch an artifact from them. */
  public void start() {
    rebind();
  }

  /** Listens under this node's current id; called again when the id changes (a healed split brain). */
  public void rebind() {
    if (consumer != null) {
      consumer.unregister();
    }
    consumer = vertx.eventBus().<JsonObject>consumer(FETCH_ADDRESS_PREFIX + cluster.localNodeId(), message -> {
      String sha = message.body().getString("sha256");
      String from = message.body().getString("from");
      executor.executeBlocking(() -> {
        NodeInfo source = cluster.nodes().stream().filter(n -> n.nodeId().equals(from)).findFirst()
            .orElseThrow(() -> FunctionException.unavailable("node " + from + " is not in the cluster"));
        return fetch(sha, source);
      }, false).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(new JsonObject().put("stored", sha));
        } else {
          message.fail(503, "fetching " + sha + " failed: " + ar.cause().getMessage());
        }
      });
    });
  }

  /** Serves an artifact to a peer: content-addressed, streamed from disk without copies. */
  public void serve(RoutingContext ctx) {
    String sha = ctx.pathParam("sha256");
    if (!Sha256.isHex(sha) || !artifacts.contains(sha)) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    ctx.response().putHeader("content-type", "application/octet-stream").sendFile(artifacts.path(sha).toString());
  }

  /**
   * Makes an artifact durable on a second node before a deploy is acknowledged; with no other node
   * in the cluster, this node alone is min(2, 1). Blocking.
   *
   * @throws FunctionException UNAVAILABLE when no peer could store it
   */
  public void replicate(String sha256) {
    List<NodeInfo> peers = peers();
    if (peers.isEmpty()) {
      return;
    }
    List<String> errors = new ArrayList<>();
    for (NodeInfo peer : peers) {
      try {
        vertx.eventBus().request(FETCH_ADDRESS_PREFIX + peer.nodeId(),
                new JsonObject().put("sha256", sha256).put("from", cluster.localNodeId()),
                new DeliveryOptions().setSendTimeout(REPLICATION_TIMEOUT_MS))
            .toCompletionStage().toCompletableFuture().get(REPLICATION_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        return;
      } catch (Exception e) {
        errors.add(peer.nodeId() + ": " + e.getMessage());
      }
    }
    throw FunctionException.unavailable("the model could not be stored on a second node " + errors);
  }

  /**
   * The verified artifact, pulled from a peer first when this node lacks it or holds a damaged copy.
   * Blocking.
   */
  public Path verifiedArtifact(String sha256) {
    String localProblem;
    try {
      return artifacts.verified(sha256);
    } catch (FunctionException e) {
      localProblem = e.getMessage(); // missing or corrupt here: a peer may have a good copy
    }
    List<NodeInfo> peers = peers();
    if (peers.isEmpty()) {
      throw FunctionException.unavailable(localProblem);
    }
    LOG.warning(localProblem + "; fetching a good copy from a peer");
    List<String> errors = new ArrayList<>();
    for (NodeInfo peer : peers) {
      try {
        fetch(sha256, peer);
        return artifacts.verified(sha256);
      } catch (RuntimeException | IOException e) {
        errors.add(peer.nodeId() + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw FunctionException.unavailable("interrupted while fetching artifact " + sha256);
      }
    }
    throw FunctionException.unavailable(localProblem + ", and no peer has a good copy " + errors);
  }

  private Path fetch(String sha256, NodeInfo source) throws IOException, InterruptedException {
    if (artifacts.contains(sha256) && Sha256.of(artifacts.path(sha256)).equals(sha256)) {
      return artifacts.path(sha256);
    }
    Path temp = artifacts.newTempFile("fetch");
    try {
      URI uri = URI.create(scheme + "://" + source.httpHost() + ":" + source.httpPort() + INTERNAL_PATH + sha256);
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10));
      if (clusterSecret != null) {
        request.header("authorization", "Bearer " + clusterSecret);
      }
      HttpResponse<Path> response = http.send(request.build(), HttpResponse.BodyHandlers.ofFile(temp));
      if (response.statusCode() == 401 || response.statusCode() == 403) {
        throw new IOException("node " + source.nodeId() + " answered " + response.statusCode()
            + ": every node needs the same cluster secret (ZS_CLUSTER_SECRET) when API tokens are on");
      }
      if (response.statusCode() != 200) {
        throw new IOException("node " + source.nodeId() + " answered " + response.statusCode());
      }
      String actual = Sha256.of(temp);
      if (!actual.equals(sha256)) {
        throw new IOException("node " + source.nodeId() + " sent content hashing to " + actual);
      }
      return artifacts.commit(temp, sha256);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Live peers in random order, so replicas of many deploys spread over the cluster. */
  private List<NodeInfo> peers() {
    List<NodeInfo> peers = new ArrayList<>();
    for (NodeInfo n : cluster.nodes()) {
      if (!n.nodeId().equals(cluster.localNodeId()) && !n.leaving()) {
        peers.add(n);
      }
    }
    Collections.shuffle(peers);
    return peers;
  }
}
