package io.zeroserve.host.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.host.NodeServices;
import io.zeroserve.host.stats.ClusterStatistics;
import io.zeroserve.host.stats.ModelStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Triton's statistics extension, cluster-wide: {@code GET /v2/models/stats} and
 * {@code GET /v2/models/{name}[/versions/{v}]/stats}. The answer is Triton's
 * {@code {"model_stats": [...]}}, one entry per existing version asked for (zeros where nothing
 * happened yet), summed over every node that answered, plus {@code "cluster"}: which nodes are in the
 * sum and which did not answer in time.
 */
final class StatisticsApi {

  private final FunctionRegistry registry;
  private final ClusterStatistics statistics;

  StatisticsApi(NodeServices services) {
    this.registry = services.registry();
    this.statistics = services.statistics();
  }

  void stats(RoutingContext ctx) {
    List<ModelStats.Key> wanted;
    try {
      wanted = wanted(ctx);
    } catch (FunctionException e) {
      HttpErrors.respond(ctx, e);
      return;
    }
    statistics.gather(RequestIds.of(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.respond(ctx, ar.cause());
        return;
      }
      ClusterStatistics.Gathered gathered = ar.result();
      JsonArray models = new JsonArray();
      for (ModelStats.Key k : wanted) {
        models.add(gathered.stats().getOrDefault(k, ModelStats.empty(k.name(), k.version())).toJson());
      }
      ManagementApi.json(ctx, 200, new JsonObject()
          .put("model_stats", models)
          .put("cluster", new JsonObject()
              .put("answered", new JsonArray(gathered.answered()))
              .put("missing", new JsonArray(gathered.missing()))));
    });
  }

  /** The versions the path asks for, in name and version order; 404 for a function or version that does not exist. */
  private List<ModelStats.Key> wanted(RoutingContext ctx) {
    List<ModelStats.Key> keys = new ArrayList<>();
    if (ctx.pathParam("name") == null) {
      registry.list().stream().sorted((a, b) -> a.name().compareTo(b.name()))
          .forEach(f -> f.versions().forEach(v -> keys.add(new ModelStats.Key(f.name(), v.version()))));
      return keys;
    }
    String name = ManagementApi.name(ctx);
    FunctionRecord record = registry.get(name);
    String versionText = ctx.pathParam("version");
    if (versionText == null) {
      record.versions().forEach(v -> keys.add(new ModelStats.Key(name, v.version())));
      return keys;
    }
    int version = ManagementApi.version(versionText, name);
    FunctionVersion v = record.version(version).orElseThrow(() ->
        FunctionException.notFound("function '" + name + "' has no version " + version));
    keys.add(new ModelStats.Key(name, v.version()));
    return keys;
  }
}
