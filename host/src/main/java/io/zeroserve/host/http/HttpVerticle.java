package io.zeroserve.host.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.zeroserve.host.NodeOptions;
import io.zeroserve.host.NodeServices;
import java.util.concurrent.TimeUnit;

/**
 * Serves the HTTP API, over TLS when the node has a certificate. The node deploys one instance per
 * event loop; they share the port and the {@link NodeServices}.
 */
public final class HttpVerticle extends VerticleBase {

  private final NodeServices services;
  private final int port;
  private HttpServer server;

  public HttpVerticle(NodeServices services, int port) {
    this.services = services;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    NodeOptions node = services.options();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(node.httpHost())
        .setPort(port)
        .setCompressionSupported(false)
        .setIdleTimeout((int) node.httpIdleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    if (node.tls().https()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(node.tls().certFile().toString())
          .setKeyPath(node.tls().keyFile().toString()));
    }
    Router router = HttpApi.router(vertx, services);
    HeaderDeadlines deadlines = new HeaderDeadlines(vertx, node.headerTimeout().toMillis());
    router.route().order(Integer.MIN_VALUE).handler(deadlines::headReceived);
    return vertx.createHttpServer(options)
        .connectionHandler(deadlines::opened)
        .requestHandler(router)
        .invalidRequestHandler(HttpVerticle::invalidRequest)
        .listen()
        .onSuccess(s -> server = s);
  }

  /**
   * A request Netty could not parse (a head over the size limits, a broken request line, a bad
   * Content-Length): answered in the API's JSON error shape, then the connection closes.
   */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    String detail = cause == null ? "" : cause.getMessage();
    int status = 400;
    String message = "malformed HTTP request" + (detail == null || detail.isEmpty() ? "" : ": " + detail);
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      message = "the request line is too long: " + detail;
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      message = "the request headers are too large: " + detail;
    }
    request.response().setStatusCode(status).putHeader("content-type", "application/json")
        .putHeader("connection", "close")
        .end(new JsonObject().put("error", message).encode());
  }

  public int actualPort() {
    return server.actualPort();
  }
}
