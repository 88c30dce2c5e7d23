package io.zeroserve.host.auth;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.host.http.HttpErrors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Checks the bearer token of a request against what its route needs. With no tokens configured,
 * every request passes: the node then listens on loopback only (see {@code NodeOptions}).
 */
public final class AuthHandler {

  /** What a route needs. */
  public enum Need {
    /** Any valid token: listing and reading functions. */
    ANY_TOKEN,
    /** The admin scope: deploy, configure, delete, load and unload. */
    ADMIN,
    /** A scope that allows invoking the function named in the path. */
    INVOKE,
    /** Another node of the cluster (the cluster secret as the token), or an admin. */
    CLUSTER
  }

  private final ApiTokens tokens;
  private final byte[] clusterSecretHash;

  public AuthHandler(ApiTokens tokens) {
    this(tokens, null);
  }

  /**
   * @param clusterSecret the secret peers send to internal endpoints ({@code ZS_CLUSTER_SECRET}), or
   *     null when there is none: internal endpoints then take admin tokens only
   */
  public AuthHandler(ApiTokens tokens, String clusterSecret) {
    this.tokens = tokens;
    this.clusterSecretHash = clusterSecret == null ? null : sha256(clusterSecret);
  }

  /**
   * A handler for routes that need {@code need}. It is a {@link PlatformHandler} so that it runs
   * before the body handler: an unauthenticated client is refused before its body is buffered.
   */
  public PlatformHandler require(Need need) {
    return ctx -> {
      if (tokens.isEmpty()) {
        ctx.next();
        return;
      }
      String header = ctx.request().getHeader("authorization");
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        unauthorized(ctx, "this endpoint needs an API token: send Authorization: Bearer <token>");
        return;
      }
      String presented = header.substring(7).trim();
      if (need == Need.CLUSTER && clusterSecretHash != null
          && MessageDigest.isEqual(sha256(presented), clusterSecretHash)) { // equal-length digests: constant time
        ctx.next();
        return;
      }
      Optional<ApiTokens.Principal> principal = tokens.authenticate(presented);
      if (principal.isEmpty()) {
        unauthorized(ctx, "the API token is not valid");
        return;
      }
      ApiTokens.Principal p = principal.get();
      boolean allowed = switch (need) {
        case ANY_TOKEN -> true;
        case ADMIN, CLUSTER -> p.isAdmin();
        case INVOKE -> p.mayInvoke(String.valueOf(ctx.pathParam("name")));
      };
      if (!allowed) {
        HttpErrors.respond(ctx, new FunctionException(Reason.FORBIDDEN, "token '" + p.name() + "' has scopes "
            + p.scopes() + ", which do not allow this call (it needs " + (need != Need.INVOKE ? "admin" : "invoke on '"
            + ctx.pathParam("name") + "'") + ")"));
        return;
      }
      ctx.next();
    };
  }

  private static void unauthorized(RoutingContext ctx, String message) {
    ctx.response().putHeader("www-authenticate", "Bearer");
    HttpErrors.respond(ctx, new FunctionException(Reason.UNAUTHORIZED, message));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
