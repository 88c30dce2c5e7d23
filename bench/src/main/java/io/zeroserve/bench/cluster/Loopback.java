package io.zeroserve.bench.cluster;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keep-alive HTTP/1.1 clients of nodes on 127.0.0.1, all on one Vert.x instance with one event
 * loop, so the benchmark's client work stays on one thread. Load runs on that event loop (each
 * answer sends the next request), so no benchmark thread sits in the timed path. Latencies include
 * the client's own cost: the loopback socket and reading the whole answer. Thread-safe.
 */
final class Loopback implements AutoCloseable {

  static final String HOST = "127.0.0.1";
  /** The longest a client waits for one answer; longer counts as a failed request. */
  static final long REQUEST_TIMEOUT_MS = 60_000;

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
  private final List<Client> clients = new CopyOnWriteArrayList<>();

  /** One request, as sent. */
  record Request(HttpMethod method, String uri, String contentType, Buffer body) {
    static Request get(String uri) {
      return new Request(HttpMethod.GET, uri, null, null);
    }

    static Request json(String uri, String body) {
      return new Request(HttpMethod.POST, uri, "application/json", Buffer.buffer(body));
    }

    static Request bytes(String uri, byte[] body) {
      return new Request(HttpMethod.POST, uri, "application/octet-stream", Buffer.buffer(body));
    }
  }

  /** A whole answer. */
  record Reply(int status, Buffer body) {
    boolean ok() {
      return status / 100 == 2;
    }

    JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** A client of one node, with at most one connection: one request in flight at a time. */
  Client client(int port) {
    Client client = new Client(port);
    clients.add(client);
    return client;
  }

  /** Requests that have waited for an answer longer than {@code nanos}: where, since when, over which local port. */
  List<String> stuck(long nanos) {
    List<String> stuck = new ArrayList<>();
    long now = System.nanoTime();
    for (Client c : clients) {
      long since = c.inFlightSince;
      if (since != 0 && now - since > nanos) {
        stuck.add(c.inFlightUri + " to port " + c.port + " from local port " + c.inFlightLocalPort + ", waiting "
            + (now - since) / 1_000_000 + " ms");
      }
    }
    return stuck;
  }

  final class Client implements AutoCloseable {

    private final int port;
    private final HttpClientAgent http;
    /** The request now in flight, for reports of stuck requests; 0 when none. */
    private volatile long inFlightSince;
    private volatile String inFlightUri;
    private volatile int inFlightLocalPort;

    private Client(int port) {
      this.port = port;
      this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(-1));
    }

    int port() {
      return port;
    }

    Future<Reply> send(Request r) {
      RequestOptions options = new RequestOptions().setMethod(r.method()).setHost(HOST).setPort(port)
          .setURI(r.uri()).setIdleTimeout(REQUEST_TIMEOUT_MS);
      if (r.contentType() != null) {
        options.putHeader("content-type", r.contentType());
      }
      inFlightSince = System.nanoTime();
      inFlightUri = r.method() + " " + r.uri();
      inFlightLocalPort = -1;
      return http.request(options)
          .compose(req -> {
            inFlightLocalPort = req.connection().localAddress().port();
            return r.body() == null ? req.send() : req.send(r.body());
          })
          .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b)))
          .andThen(ar -> inFlightSince = 0);
    }

    /** Sends one request and waits for its answer, whatever its status. */
    Reply call(Request r) {
      return await(send(r), REQUEST_TIMEOUT_MS / 1000 + 5);
    }

    /** Sends one request and waits for its answer; fails unless the status is 2xx. */
    Reply ok(Request r) {
      Reply reply = call(r);
      if (!reply.ok()) {
        throw new IllegalStateException(r.method() + " " + r.uri() + " on port " + port + " answered "
            + reply.status() + ": " + reply.body());
      }
      return reply;
    }

    /**
     * Sends {@code request} again as soon as each answer is read, one in flight, until
     * {@code untilNanos} (on the {@link System#nanoTime()} clock) or {@code max} requests, whichever
     * comes first. Every request is recorded in the answer, failed ones too.
     */
    Future<Samples> sequential(Request request, long untilNanos, int max) {
      Samples samples = new Samples(max);
      Promise<Samples> done = Promise.promise();
      Runnable[] next = new Runnable[1];
      next[0] = () -> {
        long start = System.nanoTime();
        if (start - untilNanos >= 0 || samples.count() >= max) {
          done.complete(samples);
          return;
        }
        send(request).onComplete(ar -> {
          long end = System.nanoTime();
          if (ar.succeeded()) {
            Reply reply = ar.result();
            samples.add(start, end - start, reply.status(), reply.status() == 200 ? null : reply.body().toString());
          } else {
            samples.add(start, end - start, 0, String.valueOf(ar.cause()));
          }
          next[0].run();
        });
      };
      vertx.runOnContext(v -> next[0].run());
      return done.future();
    }

    @Override
    public void close() {
      await(http.close(), 30);
    }

    /** Closes without waiting, say when a connection is stuck. */
    void closeNow() {
      http.close();
    }
  }

  /**
   * Sends {@code requests.get(i)} through {@code clients.get(i)} for each i in turn, one request in
   * flight overall, {@code rounds} times over; so each client's requests are spread over the same
   * span of time as the others', and background load on the machine hits them alike. Answers one
   * {@link Samples} per client, failed requests included.
   */
  Future<List<Samples>> alternating(List<Client> clients, List<Request> requests, int rounds) {
    List<Samples> samples = new ArrayList<>();
    clients.forEach(c -> samples.add(new Samples(rounds)));
    int total = rounds * clients.size();
    Promise<List<Samples>> done = Promise.promise();
    int[] sent = new int[1];
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      if (sent[0] == total) {
        done.complete(samples);
        return;
      }
      int which = sent[0]++ % clients.size();
      long start = System.nanoTime();
      clients.get(which).send(requests.get(which)).onComplete(ar -> {
        long end = System.nanoTime();
        if (ar.succeeded()) {
          Reply reply = ar.result();
          samples.get(which).add(start, end - start, reply.status(),
              reply.status() == 200 ? null : reply.body().toString());
        } else {
          samples.get(which).add(start, end - start, 0, String.valueOf(ar.cause()));
        }
        next[0].run();
      });
    };
    vertx.runOnContext(v -> next[0].run());
    return done.future();
  }

  static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + seconds + " s", e);
    }
  }

  @Override
  public void close() {
    await(vertx.close(), 30);
  }
}
