package io.zeroserve.host.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.replica.InferenceCall;
import io.zeroserve.host.NodeServices;
import io.zeroserve.host.invoke.CallRouter;
import io.zeroserve.host.invoke.EncodedCall;
import io.zeroserve.host.invoke.FunctionInvoker;

/** The Open Inference Protocol endpoints and the plain JSON invoke. */
final class InferenceApi {

  static final String SERVER_NAME = "zeroserve";
  static final String SERVER_VERSION = "0.1.0";
  static final String PLATFORM = "onnxruntime_onnx";
  static final String HEADER_LENGTH = "inference-header-content-length";

  private final NodeServices services;
  private final FunctionInvoker invoker;
  private final CallRouter calls;

  InferenceApi(NodeServices services) {
    this.services = services;
    this.invoker = services.invoker();
    this.calls = services.calls();
  }

  void serverMetadata(RoutingContext ctx) {
    ManagementApi.json(ctx, 200, new JsonObject()
        .put("name", SERVER_NAME)
        .put("version", SERVER_VERSION)
        .put("extensions", new JsonArray().add("binary_tensor_data").add("model_repository").add("statistics")));
  }

  void live(RoutingContext ctx) {
    ManagementApi.json(ctx, 200, new JsonObject().put("live", true));
  }

  void ready(RoutingContext ctx) {
    boolean ready = services.ready().get();
    ManagementApi.json(ctx, ready ? 200 : 503, new JsonObject().put("ready", ready));
  }

  void modelMetadata(RoutingContext ctx) {
    try {
      String name = ManagementApi.name(ctx);
      FunctionRecord record = services.registry().get(name);
      FunctionVersion v = invoker.resolve(name, version(ctx, name));
      JsonArray versions = new JsonArray();
      record.versions().forEach(fv -> versions.add(String.valueOf(fv.version())));
      ManagementApi.json(ctx, 200, new JsonObject()
          .put("name", name)
          .put("versions", versions)
          .put("platform", PLATFORM)
          .put("inputs", FunctionVersion.specsToJson(v.signature().inputs()))
          .put("outputs", FunctionVersion.specsToJson(v.signature().outputs())));
    } catch (FunctionException e) {
      HttpErrors.respond(ctx, e);
    }
  }

  /**
   * A function is ready when it can serve: a scaled-to-zero version is ready too, since its first
   * request loads it.
   */
  void modelReady(RoutingContext ctx) {
    try {
      String name = ManagementApi.name(ctx);
      invoker.resolve(name, version(ctx, name));
      ManagementApi.json(ctx, 200, new JsonObject().put("name", name).put("ready", true));
    } catch (FunctionException e) {
      HttpErrors.respond(ctx, e);
    }
  }

  void infer(RoutingContext ctx) {
    call(ctx, EncodedCall.Protocol.V2);
  }

  void invokePlain(RoutingContext ctx) {
    call(ctx, EncodedCall.Protocol.PLAIN);
  }

  private void call(RoutingContext ctx, EncodedCall.Protocol protocol) {
    long arrival = System.nanoTime();
    EncodedCall call;
    try {
      String name = ManagementApi.name(ctx);
      Integer version = protocol == EncodedCall.Protocol.V2 ? version(ctx, name) : null;
      Buffer body = ctx.body().buffer();
      call = new EncodedCall(protocol, name, version, body == null ? Buffer.buffer() : body,
          protocol == EncodedCall.Protocol.V2 ? headerLength(ctx) : -1, arrival, cancelOnClose(ctx),
          RequestIds.of(ctx));
    } catch (FunctionException e) {
      HttpErrors.respond(ctx, e);
      return;
    }
    calls.invoke(call).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.respond(ctx, ar.cause());
        return;
      }
      EncodedCall.Answer answer = ar.result();
      ctx.response().putHeader("content-type", answer.contentType());
      if (answer.jsonHeaderLength() >= 0) {
        ctx.response().putHeader(HEADER_LENGTH, String.valueOf(answer.jsonHeaderLength()));
      }
      ctx.response().end(answer.body());
    });
  }

  /** A client that disconnects has its queued work dropped instead of run for nobody. */
  private static InferenceCall.Cancellation cancelOnClose(RoutingContext ctx) {
    InferenceCall.Cancellation cancellation = new InferenceCall.Cancellation();
    ctx.response().closeHandler(v -> cancellation.cancel());
    return cancellation;
  }

  private static Integer version(RoutingContext ctx, String name) {
    String text = ctx.pathParam("version");
    return text == null ? null : ManagementApi.version(text, name);
  }

  private static int headerLength(RoutingContext ctx) {
    String text = ctx.request().getHeader(HEADER_LENGTH);
    if (text == null) {
      return -1;
    }
    try {
      int n = Integer.parseInt(text.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw FunctionException.badRequest("Inference-Header-Content-Length must be a non-negative integer, was: " + text);
  }
}
