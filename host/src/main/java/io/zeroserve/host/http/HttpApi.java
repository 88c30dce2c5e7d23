package io.zeroserve.host.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.zeroserve.host.NodeServices;
import io.zeroserve.host.auth.AuthHandler;
import io.zeroserve.host.cluster.ArtifactPeers;
import io.zeroserve.host.auth.AuthHandler.Need;

/** The node's HTTP routes, as a table. Handlers live in {@link ManagementApi} and {@link InferenceApi}. */
public final class HttpApi {

  private HttpApi() {}

  public static Router router(Vertx vertx, NodeServices services) {
    Router router = Router.router(vertx);
    router.route().handler(new RequestIds());
    ManagementApi functions = new ManagementApi(services);
    InferenceApi inference = new InferenceApi(services);
    RepositoryApi repository = new RepositoryApi(services);
    ClusterApi cluster = new ClusterApi(services);
    StatisticsApi statistics = new StatisticsApi(services);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(services.options().maxRequestBytes());
    BodyHandler smallBody = BodyHandler.create(false).setBodyLimit(64 * 1024);
    AuthHandler auth = new AuthHandler(services.tokens(), services.options().clusterSecret());
    Handler<RoutingContext> admin = auth.require(Need.ADMIN);
    Handler<RoutingContext> anyToken = auth.require(Need.ANY_TOKEN);
    Handler<RoutingContext> invoke = auth.require(Need.INVOKE);

    // Management (JSON in and out). Uploads stream to disk, so that route takes no BodyHandler.
    router.get("/v1/functions").handler(anyToken).handler(functions::list);
    router.post("/v1/functions/:name/versions").handler(admin).handler(functions::deploy);
    router.get("/v1/functions/:name").handler(anyToken).handler(functions::get);
    router.put("/v1/functions/:name").handler(admin).handler(smallBody).handler(functions::configure);
    router.delete("/v1/functions/:name").handler(admin).handler(functions::delete);
    router.delete("/v1/functions/:name/versions/:version").handler(admin).handler(functions::deleteVersion);
    // The cluster as placement sees it: nodes, devices, replicas, estimates (the dashboard's map).
    router.get("/v1/cluster").handler(anyToken).handler(cluster::get);
    router.post("/v1/functions/:name/invoke").handler(invoke).handler(body).handler(inference::invokePlain);

    // Open Inference Protocol (KServe V2) with Triton's binary tensor extension. Health and server
    // metadata stay open: probes carry no tokens.
    router.get("/v2").handler(inference::serverMetadata);
    router.get("/v2/health/live").handler(inference::live);
    router.get("/v2/health/ready").handler(inference::ready);
    // Triton's statistics extension, summed over the cluster. Before /v2/models/:name, which would take "stats" for a name.
    router.get("/v2/models/stats").handler(anyToken).handler(statistics::stats);
    router.get("/v2/models/:name/stats").handler(invoke).handler(statistics::stats);
    router.get("/v2/models/:name/versions/:version/stats").handler(invoke).handler(statistics::stats);
    router.get("/v2/models/:name").handler(invoke).handler(inference::modelMetadata);
    router.get("/v2/models/:name/versions/:version").handler(invoke).handler(inference::modelMetadata);
    router.get("/v2/models/:name/ready").handler(invoke).handler(inference::modelReady);
    router.get("/v2/models/:name/versions/:version/ready").handler(invoke).handler(inference::modelReady);
    router.post("/v2/models/:name/infer").handler(invoke).handler(body).handler(inference::infer);
    router.post("/v2/models/:name/versions/:version/infer").handler(invoke).handler(body).handler(inference::infer);

    // Triton's model repository extension: warm-up and shut-down.
    router.post("/v2/repository/index").handler(anyToken).handler(smallBody).handler(repository::index);
    router.post("/v2/repository/models/:name/load").handler(admin).handler(smallBody).handler(repository::load);
    router.post("/v2/repository/models/:name/unload").handler(admin).handler(smallBody).handler(repository::unload);


    // Operations: Prometheus scrape (Vert.x, JVM and Zeroserve meters).
    router.get("/metrics").handler(anyToken).handler(PrometheusScrapingHandler.create(services.metrics().registry()));

    // Between nodes: model files by content hash, for replication and for loading a version a node lacks.
    // Peers present the cluster secret when tokens are on.
    router.get(ArtifactPeers.INTERNAL_PATH + ":sha256").handler(auth.require(Need.CLUSTER))
        .handler(services.artifactPeers()::serve);

    // The web dashboard: static files, open (the page asks for a token and sends it with API calls).
    Dashboard.routes(router, services);

    router.route().failureHandler(HttpApi::failure);
    router.errorHandler(404, ctx -> HttpErrors.respond(ctx, 404, "no route for " + ctx.request().method()
        + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> HttpErrors.respond(ctx, 405, "method " + ctx.request().method()
        + " is not allowed on " + ctx.request().path()));
    return router;
  }

  private static void failure(RoutingContext ctx) {
    if (ctx.failure() != null) {
      HttpErrors.respond(ctx, ctx.failure());
      return;
    }
    int status = ctx.statusCode();
    String message = switch (status) {
      case 413 -> "the request body is larger than the limit of the endpoint (--max-request-size)";
      case 400 -> "bad request";
      default -> "request failed with status " + status;
    };
    HttpErrors.respond(ctx, status, message);
  }
}
