package io.zeroserve.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A keep-alive HTTP/1.1 client of one node on 127.0.0.1, on its own Vert.x instance with one event
 * loop, so the client's work stays on one thread beside the node's. Load runs entirely on that
 * event loop (each response sends the next request), so no benchmark thread sits in the timed path.
 * Every latency measured through it includes the client's own cost: encoding the request, the
 * loopback socket, and reading the whole response body.
 */
final class BenchClient implements AutoCloseable {

  static final String HOST = "127.0.0.1";
  static final long CALL_TIMEOUT_S = 120;

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final int port;
  private final Context context;

  /** @param connections the most connections kept open to the node; one per concurrent client */
  BenchClient(int port, int connections) {
    this.port = port;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    this.context = vertx.getOrCreateContext();
  }

  /** One request, as sent: method, path, content type, extra header (or null) and body. */
  record Request(HttpMethod method, String uri, String contentType, String headerName, String headerValue,
                 Buffer body) {
    static Request post(String uri, String contentType, Buffer body) {
      return new Request(HttpMethod.POST, uri, contentType, null, null, body);
    }

    static Request json(String uri, String body) {
      return post(uri, "application/json", Buffer.buffer(body));
    }

    Request withHeader(String name, String value) {
      return new Request(method, uri, contentType, name, value, body);
    }
  }

  /** A whole response. */
  record Reply(int status, Buffer body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /**
   * Sends a request from the client's event loop. A request made from another thread is handed to
   * the loop first: otherwise Vert.x may run the response callback on another context after the
   * body has already ended, and the body never arrives (seen as a rare hang of a blocking call).
   */
  Future<Reply> send(Request r) {
    if (Vertx.currentContext() != null) {
      return sendOnLoop(r);
    }
    Promise<Reply> reply = Promise.promise();
    context.runOnContext(v -> sendOnLoop(r).onComplete(reply));
    return reply.future();
  }

  private Future<Reply> sendOnLoop(Request r) {
    RequestOptions options = new RequestOptions().setMethod(r.method()).setHost(HOST).setPort(port).setURI(r.uri());
    if (r.contentType() != null) {
      options.putHeader("content-type", r.contentType());
    }
    if (r.headerName() != null) {
      options.putHeader(r.headerName(), r.headerValue());
    }
    return http.request(options)
        .compose(req -> r.body() == null ? req.send() : req.send(r.body()))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b)));
  }

  /** Sends one request and waits for the whole answer; fails unless the status is 2xx. */
  Reply call(Request r) {
    Reply reply = BenchNode.await(send(r), CALL_TIMEOUT_S);
    if (reply.status() / 100 != 2) {
      throw new IllegalStateException(r.method() + " " + r.uri() + " answered " + reply.status() + ": " + reply.body());
    }
    return reply;
  }

  /** Deploys model bytes as a new version of a function, then sets its whole config. */
  void deploy(String function, byte[] model, JsonObject config) {
    call(Request.post("/v1/functions/" + function + "/versions", "application/octet-stream", Buffer.buffer(model)));
    configure(function, config);
  }

  void configure(String function, JsonObject config) {
    call(new Request(HttpMethod.PUT, "/v1/functions/" + function, "application/json", null, null,
        Buffer.buffer(config.encode())));
  }

  /** Scales a function to zero now; answers once every replica has drained and closed its session. */
  void unload(String function) {
    call(Request.json("/v2/repository/models/" + function + "/unload", "{}"));
  }

  /** What a run of {@link #closedLoop} measured. */
  record LoadResult(long[] latencies, int count, int errors, long elapsedNanos, String firstError) {
    Latency latency() {
      return Latency.of(latencies, count);
    }

    double perSecond() {
      return elapsedNanos == 0 ? 0 : count / (elapsedNanos / 1e9);
    }
  }

  /**
   * Closed-loop load: {@code clients} request chains, each sending {@code request} again as soon as
   * its previous answer is read. Requests sent during {@code warmupNanos} are not recorded; after
   * that, requests are recorded until {@code measureNanos} has passed or {@code maxRequests} were
   * sent, whichever comes first. Throughput counts recorded requests over the time from the end of
   * warm-up to the last recorded answer. Blocks until every chain has stopped.
   */
  LoadResult closedLoop(Request request, int clients, long warmupNanos, long measureNanos, int maxRequests) {
    long[] latencies = new long[maxRequests];
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger recorded = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicLong lastAnswer = new AtomicLong();
    String[] firstError = new String[1];
    long begin = System.nanoTime();
    long measureFrom = begin + warmupNanos;
    long measureUntil = measureFrom + measureNanos;
    Promise<Void> done = Promise.promise();
    AtomicInteger running = new AtomicInteger(clients);
    Runnable[] chain = new Runnable[1];
    chain[0] = () -> {
      long start = System.nanoTime();
      boolean measured = start - measureFrom >= 0;
      if (start - measureUntil >= 0 || (measured && sent.incrementAndGet() > maxRequests)) {
        if (running.decrementAndGet() == 0) {
          done.complete();
        }
        return;
      }
      send(request).onComplete(ar -> {
        long end = System.nanoTime();
        boolean ok = ar.succeeded() && ar.result().status() == 200;
        if (!ok) {
          errors.incrementAndGet();
          synchronized (firstError) {
            if (firstError[0] == null) {
              firstError[0] = ar.succeeded() ? ar.result().status() + " " + ar.result().body() : String.valueOf(ar.cause());
            }
          }
        } else if (measured) {
          int i = recorded.getAndIncrement();
          latencies[i] = end - start;
          lastAnswer.accumulateAndGet(end, Math::max);
        }
        chain[0].run();
      });
    };
    context.runOnContext(v -> {
      for (int i = 0; i < clients; i++) {
        chain[0].run();
      }
    });
    BenchNode.await(done.future(), (warmupNanos + measureNanos) / 1_000_000_000L + CALL_TIMEOUT_S);
    int n = recorded.get();
    long elapsed = n == 0 ? 0 : lastAnswer.get() - measureFrom;
    return new LoadResult(latencies, n, errors.get(), elapsed, firstError[0]);
  }

  @Override
  public void close() {
    BenchNode.await(http.close(), 30);
    BenchNode.await(vertx.close(), 30);
  }
}
