package io.zeroserve.host.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Cuts off connections that take longer than the header timeout to send a complete request head:
 * a slowloris client that sends its headers a byte at a time keeps the idle timeout from firing,
 * but not this one. The clock starts when a connection opens and again when an answer ends (so it
 * is also how long an idle keep-alive connection stays open), and stops when a request head has
 * arrived. One instance per HTTP server; every method runs on that server's event loop.
 */
final class HeaderDeadlines {

  private static final long NONE = -1;

  private final Vertx vertx;
  private final long timeoutMs;
  /** Open connections, each with the timer of the request head it waits for, or {@link #NONE}. */
  private final Map<HttpConnection, Long> open = new IdentityHashMap<>();

  HeaderDeadlines(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** A new connection: its first request head is due within the timeout. */
  void opened(HttpConnection connection) {
    open.put(connection, NONE);
    connection.closeHandler(v -> {
      cancel(connection);
      open.remove(connection);
    });
    arm(connection);
  }

  /**
   * A request head arrived: the clock stops, and starts again when this request's answer ends. The
   * router's first handler calls this (the router owns the response's end handler).
   */
  void headReceived(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    cancel(connection);
    ctx.addEndHandler(v -> arm(connection));
    ctx.next();
  }

  private void arm(HttpConnection connection) {
    if (!open.containsKey(connection)) {
      return; // closed already
    }
    cancel(connection);
    open.put(connection, vertx.setTimer(timeoutMs, t -> {
      open.put(connection, NONE);
      connection.close();
    }));
  }

  private void cancel(HttpConnection connection) {
    Long timer = open.get(connection);
    if (timer != null && timer != NONE) {
      vertx.cancelTimer(timer);
      open.put(connection, NONE);
    }
  }
}
