package io.zeroserve.host.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.host.logging.RequestLog;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The one place where failures become HTTP statuses and {@code {"error": "..."}} bodies. */
public final class HttpErrors {

  private static final Logger LOG = Logger.getLogger(HttpErrors.class.getName());

  private HttpErrors() {}

  public static int status(Reason reason) {
    return switch (reason) {
      case BAD_REQUEST -> 400;
      case UNAUTHORIZED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case PAYLOAD_TOO_LARGE -> 413;
      case UNSUPPORTED_MEDIA_TYPE -> 415;
      case OVERLOADED -> 429;
      case UNAVAILABLE -> 503;
      case TIMEOUT -> 504;
    };
  }

  /** The reason behind a status another node answered with; the inverse of {@link #status}. */
  public static Reason reason(int status) {
    for (Reason r : Reason.values()) {
      if (status(r) == status) {
        return r;
      }
    }
    return Reason.UNAVAILABLE;
  }

  /** Answers a failure; unexpected ones are logged with their stack and answered 500. */
  public static void respond(RoutingContext ctx, Throwable failure) {
    int status;
    String message;
    if (failure instanceof FunctionException fe) {
      status = status(fe.reason());
      message = fe.getMessage();
    } else if (failure instanceof DecodeException de) {
      status = 400;
      message = "malformed JSON: " + de.getMessage();
    } else {
      status = 500;
      message = "internal error: " + failure;
      RequestLog.withId(RequestIds.of(ctx), () -> LOG.log(Level.SEVERE, "unexpected failure on "
          + ctx.request().method() + " " + ctx.request().path() + " (request " + RequestIds.of(ctx) + ")", failure));
    }
    respond(ctx, status, message);
  }

  public static void respond(RoutingContext ctx, int status, String message) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      ctx.request().connection().close(); // a half-sent answer cannot become an error: cut it
      return;
    }
    response.setStatusCode(status).putHeader("content-type", "application/json");
    if (status == 429) {
      response.putHeader("retry-after", "1");
    }
    response.end(new JsonObject().put("error", message).encode());
  }
}
