package io.zeroserve.host.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.functions.store.StoreProblem;
import io.zeroserve.host.NodeServices;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code /v1/functions}: deploy, list, configure and delete functions and versions. */
final class ManagementApi {

  private final NodeServices services;
  private final FunctionRegistry registry;
  private final ModelUploads uploads;

  ManagementApi(NodeServices services) {
    this.services = services;
    this.registry = services.registry();
    this.uploads = new ModelUploads(services.options().maxUploadBytes());
  }

  void list(RoutingContext ctx) {
    JsonArray functions = new JsonArray();
    registry.list().forEach(f -> functions.add(summary(f)));
    JsonArray problems = new JsonArray();
    for (StoreProblem p : registry.problems()) {
      problems.add(new JsonObject().put("path", p.path()).put("function", p.function()).put("error", p.message()));
    }
    JsonObject body = new JsonObject().put("functions", functions);
    if (!problems.isEmpty()) {
      body.put("problems", problems);
    }
    json(ctx, 200, body);
  }

  void get(RoutingContext ctx) {
    run(ctx, () -> {
      FunctionRecord f = registry.getFresh(name(ctx));
      JsonArray replicas = new JsonArray();
      for (LocalReplicas.ReplicaInfo r : services.replicas().replicas()) {
        if (r.id().function().equals(f.name())) {
          replicas.add(new JsonObject().put("id", r.id().toString()).put("version", r.id().version())
              .put("state", r.state().name()).put("outstanding", r.outstanding()));
        }
      }
      return describe(f).put("replicas", replicas);
    });
  }

  void deploy(RoutingContext ctx) {
    ctx.request().pause();
    String name;
    try {
      name = FunctionRecord.checkName(ctx.pathParam("name"));
    } catch (FunctionException e) {
      rejectUpload(ctx, e);
      return;
    }
    Path target = registry.artifacts().newTempFile("upload");
    uploads.receive(ctx, target)
        .compose(upload -> blocking(() -> registry.deploy(name, upload.model(), upload.config())))
        .onSuccess(deployed -> {
          FunctionVersion v = deployed.version();
          JsonObject body = new JsonObject()
              .put("name", name)
              .put("version", v.version())
              .put("sha256", v.sha256())
              .put("sizeBytes", v.sizeBytes())
              .put("inputs", FunctionVersion.specsToJson(v.signature().inputs()))
              .put("outputs", FunctionVersion.specsToJson(v.signature().outputs()));
          ctx.response().putHeader("location", "/v1/functions/" + name + "/versions/" + v.version());
          json(ctx, 201, body);
        })
        .onFailure(e -> {
          ctx.vertx().fileSystem().delete(target.toString()); // usually gone already; ignore the outcome
          rejectUpload(ctx, e);
        });
  }

  /** How long a refused upload's remaining body is read and discarded before the connection is cut. */
  private static final long DRAIN_TIMEOUT_MS = 2_000;

  /**
   * Answers a failed upload. A client still sending is not cut off at once, which would make it see
   * a reset instead of the answer: the rest of its body is read and discarded for a short while,
   * and the connection is closed only if it goes on longer.
   */
  private static void rejectUpload(RoutingContext ctx, Throwable e) {
    var request = ctx.request();
    if (!request.isEnded()) {
      long timer = ctx.vertx().setTimer(DRAIN_TIMEOUT_MS, t -> request.connection().close());
      request.handler(chunk -> { });
      request.exceptionHandler(ignored -> { });
      request.endHandler(v -> ctx.vertx().cancelTimer(timer));
      request.resume();
    }
    HttpErrors.respond(ctx, e);
  }

  void configure(RoutingContext ctx) {
    run(ctx, () -> {
      io.vertx.core.buffer.Buffer raw = ctx.body().buffer();
      Object body = raw == null || raw.length() == 0 ? new JsonObject() : io.vertx.core.json.Json.decodeValue(raw);
      if (!(body instanceof JsonObject config)) {
        throw FunctionException.badRequest("the config must be a JSON object");
      }
      return describe(registry.configure(name(ctx), FunctionConfig.fromJson(config)));
    });
  }

  void delete(RoutingContext ctx) {
    run(ctx, () -> {
      String name = name(ctx);
      registry.deleteFunction(name);
      return new JsonObject().put("deleted", name);
    });
  }

  void deleteVersion(RoutingContext ctx) {
    run(ctx, () -> {
      String name = name(ctx);
      int version = version(ctx.pathParam("version"), name);
      return describe(registry.deleteVersion(name, version));
    });
  }

  /** Runs store work on the store executor and answers 200 with its JSON, or the mapped error. */
  private void run(RoutingContext ctx, Callable<JsonObject> work) {
    blocking(work).onSuccess(body -> json(ctx, 200, body)).onFailure(e -> HttpErrors.respond(ctx, e));
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return services.storeExecutor().executeBlocking(work, false);
  }

  static String name(RoutingContext ctx) {
    return FunctionRecord.checkName(ctx.pathParam("name"));
  }

  /** Versions in paths: positive integers; anything else names no version. */
  static int version(String text, String function) {
    try {
      int v = Integer.parseInt(text);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new FunctionException(Reason.NOT_FOUND, "function '" + function + "' has no version '" + text
        + "'; versions are positive integers");
  }

  static JsonObject summary(FunctionRecord f) {
    JsonArray versions = new JsonArray();
    f.versions().forEach(v -> versions.add(v.version()));
    return new JsonObject()
        .put("name", f.name())
        .put("versions", versions)
        .put("activeVersion", f.activeVersion().map(FunctionVersion::version).orElse(null))
        .put("created", f.created().toString());
  }

  static JsonObject describe(FunctionRecord f) {
    JsonArray versions = new JsonArray();
    f.versions().forEach(v -> versions.add(v.toJson()));
    return new JsonObject()
        .put("name", f.name())
        .put("created", f.created().toString())
        .put("activeVersion", f.activeVersion().map(FunctionVersion::version).orElse(null))
        .put("config", f.config().toJson())
        .put("versions", versions);
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
