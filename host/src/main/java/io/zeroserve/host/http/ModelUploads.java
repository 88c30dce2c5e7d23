package io.zeroserve.host.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import java.nio.file.Path;

/**
 * Streams a model upload to a temp file with back-pressure and a size limit, so a 1 GB model costs
 * a few buffers of heap, not 1 GB. Reads {@code application/octet-stream} bodies and
 * {@code multipart/form-data} with a {@code model} part and an optional {@code config} part.
 */
final class ModelUploads {

  /** A config part larger than this is not a config. */
  private static final int MAX_CONFIG_BYTES = 64 * 1024;

  private final long maxUploadBytes;

  ModelUploads(long maxUploadBytes) {
    this.maxUploadBytes = maxUploadBytes;
  }

  /** What arrived: the model file (fully written, not yet fsynced) and the config, or null. */
  record Upload(Path model, JsonObject config) {}

  /**
   * Receives the request body into {@code target}. Must be called before the request is resumed
   * (the router hands it over paused).
   */
  Future<Upload> receive(RoutingContext ctx, Path target) {
    HttpServerRequest request = ctx.request();
    String contentLength = request.getHeader("content-length");
    if (contentLength != null) {
      try {
        if (Long.parseLong(contentLength) > maxUploadBytes) {
          return Future.failedFuture(tooLarge());
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(FunctionException.badRequest("Content-Length must be a number, was: " + contentLength));
      }
    }
    String contentType = request.getHeader("content-type");
    String type = contentType == null ? "" : contentType.toLowerCase();
    if (type.startsWith("multipart/form-data")) {
      return receiveMultipart(ctx, target);
    }
    if (type.isEmpty() || type.startsWith("application/octet-stream")) {
      return toFile(ctx, request, target).map(v -> new Upload(target, null));
    }
    return Future.failedFuture(new FunctionException(Reason.UNSUPPORTED_MEDIA_TYPE,
        "upload the model as application/octet-stream or multipart/form-data (part 'model'), not " + contentType));
  }

  private Future<Upload> receiveMultipart(RoutingContext ctx, Path target) {
    HttpServerRequest request = ctx.request();
    Promise<Upload> result = Promise.promise();
    Future<?>[] model = {null};
    Buffer[] configPart = {null};
    request.setExpectMultipart(true);
    request.uploadHandler(upload -> {
      switch (upload.name()) {
        case "model" -> {
          if (model[0] != null) {
            result.tryFail(FunctionException.badRequest("multipart upload has more than one 'model' part"));
            upload.handler(chunk -> { }); // discarded; the refusal bounds how long
            return;
          }
          model[0] = toFile(ctx, upload, target).onFailure(result::tryFail);
        }
        case "config" -> collectConfig(upload, configPart, result);
        default -> {
          result.tryFail(FunctionException.badRequest("unknown multipart part '" + upload.name()
              + "'; expected 'model' and optionally 'config'"));
          upload.handler(chunk -> { }); // discarded; the refusal bounds how long
        }
      }
    });
    request.exceptionHandler(result::tryFail);
    request.endHandler(v -> {
      if (model[0] == null) {
        result.tryFail(FunctionException.badRequest("multipart upload has no 'model' part"));
        return;
      }
      model[0].onComplete(ar -> {
        if (ar.failed()) {
          result.tryFail(ar.cause());
          return;
        }
        try {
          String attribute = request.getFormAttribute("config");
          Buffer config = configPart[0] != null ? configPart[0] : attribute != null ? Buffer.buffer(attribute) : null;
          result.tryComplete(new Upload(target, config == null ? null : parseConfig(config)));
        } catch (FunctionException e) {
          result.tryFail(e);
        }
      });
    });
    request.resume();
    return result.future();
  }

  private static void collectConfig(HttpServerFileUpload upload, Buffer[] into, Promise<Upload> result) {
    Buffer buffer = Buffer.buffer();
    into[0] = buffer;
    upload.handler(chunk -> {
      if (buffer.length() + chunk.length() > MAX_CONFIG_BYTES) {
        result.tryFail(FunctionException.tooLarge("the config part must be at most " + MAX_CONFIG_BYTES + " bytes"));
        return;
      }
      buffer.appendBuffer(chunk);
    });
  }

  static JsonObject parseConfig(Buffer config) {
    try {
      Object value = io.vertx.core.json.Json.decodeValue(config);
      if (value instanceof JsonObject object) {
        return object;
      }
      throw FunctionException.badRequest("config must be a JSON object, was: " + config);
    } catch (DecodeException e) {
      throw FunctionException.badRequest("config is not valid JSON: " + e.getMessage());
    }
  }

  /** Writes a stream to a new file with back-pressure; fails with 413 past the limit. */
  private Future<Void> toFile(RoutingContext ctx, ReadStream<Buffer> in, Path target) {
    in.pause();
    return ctx.vertx().fileSystem()
        .open(target.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
        .compose(file -> pump(in, file));
  }

  private Future<Void> pump(ReadStream<Buffer> in, AsyncFile file) {
    Promise<Void> done = Promise.promise();
    long[] received = {0};
    in.handler(chunk -> {
      received[0] += chunk.length();
      if (received[0] > maxUploadBytes) {
        in.handler(discard -> { }); // the rest is read and dropped for a bounded time by the refusal
        done.tryFail(tooLarge());
        return;
      }
      file.write(chunk);
      if (file.writeQueueFull()) {
        in.pause();
        file.drainHandler(v -> in.resume());
      }
    });
    in.exceptionHandler(done::tryFail);
    in.endHandler(v -> done.tryComplete());
    in.resume();
    return done.future().transform(ar -> file.close().transform(closed -> ar.succeeded()
        ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause())));
  }

  private FunctionException tooLarge() {
    return FunctionException.tooLarge("the model is larger than the upload limit of " + maxUploadBytes
        + " bytes (--max-upload-size)");
  }
}
