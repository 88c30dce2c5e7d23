package io.zeroserve.host.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.zeroserve.host.logging.RequestLog;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it is a sane token, a new one
 * otherwise. It is echoed in the response, travels with a call forwarded to another node, and is
 * in the MDC of the log lines written about the request (see {@link RequestLog}). When the answer
 * is sent, one access line is logged: method, path, status, time, bytes.
 */
public final class RequestIds implements PlatformHandler {

  public static final String HEADER = "x-request-id";
  static final String KEY = "zeroserve.requestId";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String given = ctx.request().getHeader(HEADER);
    String id = given != null && SANE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    ctx.addEndHandler(ar -> RequestLog.withId(id, () -> access(ctx, start, ar.succeeded())));
    RequestLog.withId(id, ctx::next); // the handlers' synchronous part; async continuations set it themselves
  }

  private static void access(RoutingContext ctx, long startNanos, boolean sent) {
    HttpServerRequest request = ctx.request();
    String path = request.path();
    boolean quiet = path.startsWith("/v2/health/") || path.equals("/metrics");
    if (quiet ? !RequestLog.ACCESS.isDebugEnabled() : !RequestLog.ACCESS.isInfoEnabled()) {
      return;
    }
    long micros = (System.nanoTime() - startNanos) / 1_000;
    String line = "{} {} {} {}.{} ms {} B{}";
    Object[] args = {request.method().name(), path, ctx.response().getStatusCode(), micros / 1000,
        String.format("%03d", micros % 1000), ctx.response().bytesWritten(), sent ? "" : " (connection closed before the answer was sent)"};
    if (quiet) {
      RequestLog.ACCESS.debug(line, args);
    } else {
      RequestLog.ACCESS.info(line, args);
    }
  }

  /** The request's id, or "-" before this handler ran. */
  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
