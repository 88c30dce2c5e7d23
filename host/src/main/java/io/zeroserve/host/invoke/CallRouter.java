package io.zeroserve.host.invoke;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.replica.InferenceCall;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaState;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.host.http.HttpErrors;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.host.logging.RequestLog;
import io.zeroserve.host.placement.ForwardsInFlight;
import io.zeroserve.host.placement.Placements;
import io.zeroserve.scheduler.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Carries out placement for each call: runs it on this node, or forwards it, still encoded, over
 * the event bus to the node that holds a READY replica. A forward that finds its node gone (no
 * consumer, the node left the cluster, it died mid-call, or it discarded the call unanswered while
 * stopping) is retried once here, where a replica is loaded if need be: inference is idempotent, so
 * the client sees latency, not an error.
 * Thread-safe.
 */
public final class CallRouter {

  static final String ADDRESS_PREFIX = "zeroserve.invoke.";
  private static final Logger LOG = Logger.getLogger(CallRouter.class.getName());

  private final Vertx vertx;
  private final ClusterState cluster;
  private final FunctionRegistry registry;
  private final FunctionInvoker invoker;
  private final LocalReplicas replicas;
  private final LocalCalls local;
  private final Placements placements;
  private final CallMetrics metrics;
  private final io.vertx.core.WorkerExecutor storeExecutor;
  /** Forwards in flight, by target node, so that a node's death fails them at once. */
  private final Map<String, Set<Promise<EncodedCall.Answer>>> inFlight = new ConcurrentHashMap<>();
  private MessageConsumer<Buffer> consumer;

  /** A forward that never reached a live replica: safe to run elsewhere. */
  static final class NodeUnreachable extends RuntimeException {
    NodeUnreachable(String message) {
      super(message, null, false, false);
    }
  }

  public CallRouter(Vertx vertx, ClusterState cluster, FunctionRegistry registry, FunctionInvoker invoker,
                    LocalReplicas replicas, LocalCalls local, Placements placements, CallMetrics metrics,
                    io.vertx.core.WorkerExecutor storeExecutor) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.registry = registry;
    this.invoker = invoker;
    this.replicas = replicas;
    this.local = local;
    this.placements = placements;
    this.metrics = metrics;
    this.storeExecutor = storeExecutor;
  }

  /** Starts taking calls other nodes forward here. */
  public Future<Void> start() {
    // Listeners run on the cluster's event thread: the retries (decode, run) belong on Vert.x's.
    cluster.onMembershipChanged(() -> vertx.runOnContext(v -> failForwardsToLostNodes()));
    return rebind();
  }

  /**
   * Listens at this node's address under its current id. The id changes when the member rejoins
   * after a split brain; the node then calls this again.
   */
  public Future<Void> rebind() {
    Future<Void> previous = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return previous.transform(ignored -> {
      consumer = vertx.eventBus().consumer(ADDRESS_PREFIX + cluster.localNodeId(), this::serveForwarded);
      return consumer.completion();
    });
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  public Future<EncodedCall.Answer> invoke(EncodedCall call) {
    FunctionVersion v;
    try {
      v = invoker.resolve(call.function(), call.version());
    } catch (FunctionException e) {
      if (e.reason() == Reason.NOT_FOUND && registry.find(call.function()).isEmpty()) {
        // Maybe deployed elsewhere a moment ago, its event not here yet: read the cluster, then retry once.
        return storeExecutor.executeBlocking(() -> registry.getFresh(call.function()), false)
            .transform(ignored -> {
              try {
                return run(call, invoker.resolve(call.function(), call.version()));
              } catch (FunctionException again) {
                metrics.finished(call.function(), 0, again, System.nanoTime() - call.arrivalNanos());
                return Future.failedFuture(again);
              }
            });
      }
      metrics.finished(call.function(), 0, e, System.nanoTime() - call.arrivalNanos());
      return Future.failedFuture(e);
    }
    return run(call, v);
  }

  private Future<EncodedCall.Answer> run(EncodedCall call, FunctionVersion v) {
    return place(call.withVersion(v.version()), v).andThen(ar -> {
      try {
        metrics.finished(call.function(), v.version(), ar.cause(), System.nanoTime() - call.arrivalNanos());
      } catch (RuntimeException e) {
        LOG.warning("recording metrics failed: " + e); // a meter must never change an answer
      }
    });
  }

  private Future<EncodedCall.Answer> place(EncodedCall pinned, FunctionVersion version) {
    String self = cluster.localNodeId();
    FunctionConfig config = registry.find(pinned.function()).map(FunctionRecord::config).orElse(FunctionConfig.DEFAULTS);
    Placement placement;
    try {
      placement = placements.place(pinned.function(), version, config, pinned.body().length());
    } catch (RuntimeException e) {
      // A defect in placement must not cost the request: serve it here, as a node alone would.
      LOG.warning("placement failed for " + pinned.function() + " (request " + pinned.requestId() + "), running it "
          + "here: " + e);
      metrics.placed("fallback_local");
      return local.run(pinned);
    }
    if (placement instanceof Placement.Route route) {
      if (route.alsoStart() != null) {
        startAhead(pinned, version, route.alsoStart());
      }
      if (route.nodeId().equals(self)) {
        metrics.placed("route_local");
        return local.run(pinned);
      }
      metrics.placed("route_remote");
      return forwardOrRunHere(route.nodeId(), pinned, null);
    }
    if (placement instanceof Placement.ColdStart cold) {
      boolean here = cold.nodeId().equals(self);
      metrics.placed(here ? "cold_start" : "cold_start_remote");
      cold.evict().forEach(e -> metrics.placed("evict"));
      LocalReplicas.NewReplica order = new LocalReplicas.NewReplica(cold.deviceId(), localIds(cold.nodeId(), cold.evict()));
      return here ? local.run(pinned, order) : forwardOrRunHere(cold.nodeId(), pinned, order);
    }
    metrics.placed("no_capacity");
    return Future.failedFuture(FunctionException.unavailable(((Placement.NoCapacity) placement).reason()));
  }

  /**
   * Starts a replica for the requests to come, here or on its node (an event-bus message that carries
   * no call). Best effort: if it fails, the next decisions see no new replica and order again.
   */
  private void startAhead(EncodedCall pinned, FunctionVersion version, Placement.ColdStart cold) {
    metrics.placed("start_ahead");
    LocalReplicas.NewReplica order = new LocalReplicas.NewReplica(cold.deviceId(), localIds(cold.nodeId(), cold.evict()));
    if (cold.nodeId().equals(cluster.localNodeId())) {
      replicas.startAhead(pinned.function(), version, order).onFailure(e ->
          LOG.info("starting a replica of " + pinned.function() + " ahead of need failed: " + e.getMessage()));
      return;
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(5_000)
        .addHeader("start-ahead", "true")
        .addHeader("function", pinned.function())
        .addHeader("version", String.valueOf(version.version()));
    vertx.eventBus().send(ADDRESS_PREFIX + cold.nodeId(), Buffer.buffer(), withOrder(options, order));
  }

  /** Replica ids as the node that holds them knows them: cluster-wide ids are {@code nodeId/localId}. */
  private static List<String> localIds(String nodeId, List<String> clusterWideIds) {
    String prefix = nodeId + "/";
    return clusterWideIds.stream().filter(id -> id.startsWith(prefix)).map(id -> id.substring(prefix.length())).toList();
  }

  private Future<EncodedCall.Answer> forwardOrRunHere(String node, EncodedCall pinned, LocalReplicas.NewReplica order) {
    metrics.forwarded(false);
    return forward(node, pinned, order).recover(e -> {
      if (!(e instanceof NodeUnreachable) || pinned.cancellation().isCancelled()) {
        return Future.failedFuture(e);
      }
      RequestLog.withId(pinned.requestId(), () -> LOG.info("retrying " + pinned.function() + " here (request "
          + pinned.requestId() + "): " + e.getMessage()));
      metrics.forwarded(true);
      return local.run(pinned);
    });
  }

  private Future<EncodedCall.Answer> forward(String node, EncodedCall call, LocalReplicas.NewReplica order) {
    long timeoutNanos = registry.find(call.function()).map(f -> f.config().timeout().toNanos())
        .orElse(TimeUnit.SECONDS.toNanos(30));
    long elapsed = System.nanoTime() - call.arrivalNanos();
    long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos - elapsed));
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(remainingMs)
        .addHeader("protocol", call.protocol().name())
        .addHeader("function", call.function())
        .addHeader("version", String.valueOf(call.version()))
        .addHeader("header-length", String.valueOf(call.jsonHeaderLength()))
        .addHeader("elapsed-nanos", String.valueOf(elapsed))
        .addHeader("request-id", call.requestId());
    withOrder(options, order);
    Promise<EncodedCall.Answer> answer = Promise.promise();
    Set<Promise<EncodedCall.Answer>> forNode = inFlight.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet());
    forNode.add(answer);
    if (cluster.nodes().stream().noneMatch(n -> n.nodeId().equals(node))) {
      answer.tryFail(new NodeUnreachable("node " + node + " left the cluster"));
    }
    long sentAt = System.nanoTime();
    // A call to a replica there counts on it in this node's placements until its answer or failure is
    // in, however that comes (a node that left fails it before the event bus would); a cold start's
    // order counts as the pending replica Placements keeps.
    if (order == null) {
      ForwardsInFlight.Ticket ticket = placements.forwarding(node, call.function(), call.version());
      answer.future().onComplete(ar -> placements.answered(ticket));
    }
    Future<Message<Buffer>> sent;
    try {
      sent = vertx.eventBus().request(ADDRESS_PREFIX + node, call.body(), options);
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e); // fails the answer below like any failed forward
    }
    sent.onComplete(ar -> {
      forNode.remove(answer);
      if (ar.succeeded()) {
        Message<Buffer> reply = ar.result();
        answer.tryComplete(new EncodedCall.Answer(reply.body(), reply.headers().get("content-type"),
            Integer.parseInt(reply.headers().get("header-length"))));
      } else {
        answer.tryFail(failure(node, ar.cause(), beforeDeadline(System.nanoTime() - sentAt, remainingMs)));
      }
    });
    return answer.future();
  }

  /**
   * Whether a forward that failed {@code elapsedNanos} after it was sent failed well before its own
   * timer ({@code remainingMs}) could have fired: under 90% of it, a margin for timer skew.
   */
  static boolean beforeDeadline(long elapsedNanos, long remainingMs) {
    return elapsedNanos < TimeUnit.MILLISECONDS.toNanos(remainingMs) * 9 / 10;
  }

  /**
   * What a failed forward means for the caller.
   *
   * @param beforeDeadline whether it failed well before its deadline: a TIMEOUT then is not this node's
   *     timer but the other node discarding the call unanswered (Vert.x replies so for messages still
   *     queued at a consumer that is unregistered: the node is stopping), so the call never ran there
   */
  static Throwable failure(String node, Throwable cause, boolean beforeDeadline) {
    if (cause instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        return new FunctionException(HttpErrors.reason(re.failureCode()), re.getMessage());
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return new NodeUnreachable("node " + node + " does not take calls");
      }
      if (re.failureType() == ReplyFailure.TIMEOUT && beforeDeadline) {
        return new NodeUnreachable("node " + node + " discarded the call unanswered: " + re.getMessage());
      }
      return new FunctionException(Reason.TIMEOUT, "node " + node + " did not answer within the deadline");
    }
    return new NodeUnreachable("forward to node " + node + " failed: " + cause.getMessage());
  }

  /** Carries a placement's order to start a replica (none when {@code order} is null) in the message's headers. */
  private static DeliveryOptions withOrder(DeliveryOptions options, LocalReplicas.NewReplica order) {
    return order == null ? options : options.addHeader("cold-start-device", order.deviceId())
        .addHeader("evict", String.join("\n", order.evict()));
  }

  /** The order {@link #withOrder} carried; null when there was none. */
  private static LocalReplicas.NewReplica order(io.vertx.core.MultiMap headers) {
    String device = headers.get("cold-start-device");
    if (device == null) {
      return null;
    }
    String evict = headers.get("evict");
    return new LocalReplicas.NewReplica(device, evict == null || evict.isEmpty() ? List.of() : List.of(evict.split("\n")));
  }

  /** Another node's placement asks this node to start a replica ahead of need. */
  private void serveStartAhead(Message<Buffer> message) {
    try {
      var h = message.headers();
      String function = h.get("function");
      FunctionVersion v = invoker.resolve(function, Integer.valueOf(h.get("version")));
      replicas.startAhead(function, v, order(h));
    } catch (RuntimeException e) {
      LOG.info("not starting a replica ahead of need: " + e.getMessage());
    }
  }

  private void failForwardsToLostNodes() {
    Set<String> live = ConcurrentHashMap.newKeySet();
    cluster.nodes().forEach(n -> live.add(n.nodeId()));
    inFlight.forEach((node, promises) -> {
      if (!live.contains(node)) {
        for (Promise<EncodedCall.Answer> p : List.copyOf(promises)) {
          p.tryFail(new NodeUnreachable("node " + node + " left the cluster during the call"));
        }
        inFlight.remove(node);
      }
    });
  }

  /** A call another node placed here: it runs here, never forwarded again. */
  private void serveForwarded(Message<Buffer> message) {
    if ("true".equals(message.headers().get("start-ahead"))) {
      serveStartAhead(message);
      return;
    }
    EncodedCall call;
    LocalReplicas.NewReplica order;
    try {
      var h = message.headers();
      order = order(h);
      long arrival = System.nanoTime() - Long.parseLong(h.get("elapsed-nanos"));
      call = new EncodedCall(EncodedCall.Protocol.valueOf(h.get("protocol")), h.get("function"),
          Integer.valueOf(h.get("version")), message.body(), Integer.parseInt(h.get("header-length")), arrival,
          new InferenceCall.Cancellation(), String.valueOf(h.get("request-id")));
    } catch (RuntimeException e) {
      message.fail(400, "malformed forwarded call: " + e.getMessage());
      return;
    }
    long started = System.nanoTime();
    local.run(call, order).onComplete(ar -> {
      RequestLog.withId(call.requestId(), () -> logForwarded(call, ar.cause(), started));
      if (ar.succeeded()) {
        EncodedCall.Answer a = ar.result();
        message.reply(a.body(), new DeliveryOptions().addHeader("content-type", a.contentType())
            .addHeader("header-length", String.valueOf(a.jsonHeaderLength())));
      } else if (ar.cause() instanceof FunctionException fe) {
        message.fail(HttpErrors.status(fe.reason()), fe.getMessage());
      } else {
        RequestLog.withId(call.requestId(), () -> LOG.warning("forwarded call to " + call.function()
            + " failed (request " + call.requestId() + "): " + ar.cause()));
        message.fail(500, "internal error on node " + cluster.localNodeId() + ": " + ar.cause());
      }
    });
  }

  /** The access line of a call that ran here for another node: the receiving node logs the HTTP side. */
  private static void logForwarded(EncodedCall call, Throwable failure, long startedNanos) {
    if (RequestLog.ACCESS.isInfoEnabled()) {
      long micros = (System.nanoTime() - startedNanos) / 1_000;
      String outcome = failure == null ? "ok"
          : failure instanceof FunctionException fe ? String.valueOf(HttpErrors.status(fe.reason())) : "error";
      RequestLog.ACCESS.info("forwarded {} v{} ran here: {} {}.{} ms", call.function(), call.version(), outcome,
          micros / 1000, String.format("%03d", micros % 1000));
    }
  }
}
