package io.zeroserve.host.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.zeroserve.host.NodeServices;

/**
 * Serves the HTTP API. The node deploys one instance per event loop; they share the port and the
 * {@link NodeServices}.
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
    HttpServerOptions options = new HttpServerOptions()
        .setHost(services.options().httpHost())
        .setPort(port)
        .setCompressionSupported(false)
        .setIdleTimeout(120);
    return vertx.createHttpServer(options)
        .requestHandler(HttpApi.router(vertx, services))
        .listen()
        .onSuccess(s -> server = s);
  }

  public int actualPort() {
    return server.actualPort();
  }
}
