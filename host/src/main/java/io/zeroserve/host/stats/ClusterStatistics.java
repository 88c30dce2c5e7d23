package io.zeroserve.host.stats;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.NodeInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Gathers the statistics of every node: each node answers requests at its own event-bus address
 * with its {@link InferenceStatistics#snapshot}; the node asked over HTTP sends one request to each
 * other node it knows, waits at most {@code timeoutMs} for each, and sums what came back. A node
 * that does not answer in time is named in the result and its counts are left out. Thread-safe.
 */
public final class ClusterStatistics {

  static final String ADDRESS_PREFIX = "zeroserve.stats.";
  /** How long the gatherer waits for each node's answer. */
  public static final long DEFAULT_TIMEOUT_MS = 2_000;
  private static final Logger LOG = Logger.getLogger(ClusterStatistics.class.getName());

  private final Vertx vertx;
  private final ClusterState cluster;
  private final InferenceStatistics local;
  private final long timeoutMs;
  private MessageConsumer<Buffer> consumer;

  /**
   * What a gather found.
   *
   * @param stats the sum of the answering nodes' statistics, by version
   * @param answered ids of the nodes whose counts are in the sum, this one included
   * @param missing ids of the nodes that did not answer in time
   */
  public record Gathered(Map<ModelStats.Key, ModelStats> stats, List<String> answered, List<String> missing) {

    public Gathered {
      stats = Map.copyOf(stats);
      answered = List.copyOf(answered);
      missing = List.copyOf(missing);
    }
  }

  public ClusterStatistics(Vertx vertx, ClusterState cluster, InferenceStatistics local, long timeoutMs) {
    if (timeoutMs < 1) {
      throw new IllegalArgumentException("timeoutMs must be >= 1, was: " + timeoutMs);
    }
    this.vertx = vertx;
    this.cluster = cluster;
    this.local = local;
    this.timeoutMs = timeoutMs;
  }

  /** Listens at this node's address under its current id; called again when the id changes. */
  public Future<Void> rebind() {
    Future<Void> previous = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return previous.transform(ignored -> {
      consumer = vertx.eventBus().consumer(ADDRESS_PREFIX + cluster.localNodeId(), this::answer);
      return consumer.completion();
    });
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void answer(Message<Buffer> message) {
    message.reply(encode(local.snapshot()));
  }

  /**
   * Every live node's statistics, summed.
   *
   * @param requestId carried to the other nodes, for their logs
   */
  public Future<Gathered> gather(String requestId) {
    String self = cluster.localNodeId();
    List<String> others = new ArrayList<>();
    for (NodeInfo n : cluster.nodes()) {
      if (!n.nodeId().equals(self)) {
        others.add(n.nodeId());
      }
    }
    List<Future<List<ModelStats>>> asks = new ArrayList<>(others.size());
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs).addHeader("request-id", requestId);
    for (String node : others) {
      asks.add(vertx.eventBus().<Buffer>request(ADDRESS_PREFIX + node, Buffer.buffer(), options)
          .map(reply -> decode(reply.body())));
    }
    List<ModelStats> mine = local.snapshot();
    return Future.join(asks).transform(ignored -> {
      List<List<ModelStats>> perNode = new ArrayList<>();
      perNode.add(mine);
      List<String> answered = new ArrayList<>(List.of(self));
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < asks.size(); i++) {
        Future<List<ModelStats>> ask = asks.get(i);
        if (ask.succeeded()) {
          perNode.add(ask.result());
          answered.add(others.get(i));
        } else {
          missing.add(others.get(i));
          LOG.info("node " + others.get(i) + " did not give its statistics (request " + requestId + "): "
              + ask.cause().getMessage());
        }
      }
      return Future.succeededFuture(new Gathered(ModelStats.sum(perNode), answered, missing));
    });
  }

  static Buffer encode(Collection<ModelStats> stats) {
    JsonArray array = new JsonArray();
    stats.forEach(s -> array.add(s.toJson()));
    return array.toBuffer();
  }

  static List<ModelStats> decode(Buffer body) {
    JsonArray array = new JsonArray(body);
    List<ModelStats> stats = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      stats.add(ModelStats.fromJson(array.getJsonObject(i)));
    }
    return stats;
  }
}
