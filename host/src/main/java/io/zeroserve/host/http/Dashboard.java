package io.zeroserve.host.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.zeroserve.host.NodeServices;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The web dashboard: static files under {@code /ui/} from this jar ({@code zeroserve-ui/}), its chart
 * library from the uPlot WebJar under {@code /ui/vendor/uplot/}, and {@code /} redirecting there.
 *
 * <p>The files themselves need no token, so the page can load and ask for one; every API call it
 * makes carries it. {@code /ui/config.json} tells the page whether the node wants tokens at all,
 * so that it never makes a call bound to fail (and to show up as an error in the browser console).
 */
final class Dashboard {

  static final String PREFIX = "/ui/";
  private static final String UPLOT_PROPERTIES = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
  /**
   * Scripts and styles only from this node; uPlot sets element styles from script, which CSP allows.
   * Images may be data: URIs (the favicon).
   */
  private static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
      + "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

  private Dashboard() {}

  static void routes(Router router, NodeServices services) {
    router.get("/").handler(ctx -> redirect(ctx, PREFIX));
    router.get("/ui").handler(ctx -> { // Vert.x matches "/ui/" here too: only the bare path moves
      if (ctx.request().path().equals("/ui")) {
        redirect(ctx, PREFIX);
      } else {
        ctx.next();
      }
    });
    JsonObject config = new JsonObject().put("authRequired", !services.tokens().isEmpty());
    router.get(PREFIX + "config.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store").end(config.encode()));
    router.get(PREFIX + "*").handler(Dashboard::securityHeaders);
    router.get(PREFIX + "vendor/uplot/*").handler(StaticHandler.create(
        "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist").setMaxAgeSeconds(86_400));
    // The dashboard's own files change with the jar: revalidate rather than cache for a day.
    router.get(PREFIX + "*").handler(StaticHandler.create("zeroserve-ui").setMaxAgeSeconds(0)
        .setDirectoryListing(false).setIncludeHidden(false));
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("content-security-policy", CSP)
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer");
    ctx.next();
  }

  private static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(302).putHeader("location", location).end();
  }

  /** The WebJar's version, from its Maven metadata, so that the pom alone says which uPlot is served. */
  static String uplotVersion() {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(UPLOT_PROPERTIES)) {
      if (in == null) {
        throw new IllegalStateException("the uPlot WebJar is not on the class path (" + UPLOT_PROPERTIES + ")");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
