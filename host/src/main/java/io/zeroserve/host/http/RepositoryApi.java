package io.zeroserve.host.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaState;
import io.zeroserve.host.NodeServices;
import java.util.Set;

/**
 * Triton's model repository extension, as warm-up and shut-down for scale-to-zero functions:
 * {@code load} brings a replica of the active version READY now (it then idles out like any other
 * unless {@code minReplicas > 0}); {@code unload} drains and unloads every replica of the function
 * on this node. A function with no replica is still served: its next request loads one.
 */
final class RepositoryApi {

  private final NodeServices services;

  RepositoryApi(NodeServices services) {
    this.services = services;
  }

  void index(RoutingContext ctx) {
    LocalReplicas replicas = services.replicas();
    JsonArray models = new JsonArray();
    for (FunctionRecord f : services.registry().list()) {
      for (FunctionVersion v : f.versions()) {
        String state = "UNLOADED";
        for (LocalReplicas.ReplicaInfo r : replicas.replicas()) {
          if (r.id().function().equals(f.name()) && r.id().version() == v.version()) {
            if (r.state() == ReplicaState.READY) {
              state = "READY";
            } else if (r.state() == ReplicaState.LOADING && !state.equals("READY")) {
              state = "LOADING";
            }
          }
        }
        JsonObject model = new JsonObject().put("name", f.name()).put("version", String.valueOf(v.version()))
            .put("state", state);
        if (state.equals("UNLOADED")) {
          model.put("reason", "scaled to zero; the next request loads it");
        }
        models.add(model);
      }
    }
    ctx.response().putHeader("content-type", "application/json").end(models.encode());
  }

  void load(RoutingContext ctx) {
    String name;
    try {
      name = ManagementApi.name(ctx);
    } catch (FunctionException e) {
      HttpErrors.respond(ctx, e);
      return;
    }
    // Read through to the cluster first: the function may have been deployed elsewhere a moment ago.
    services.storeExecutor().executeBlocking(() -> services.registry().getFresh(name), false)
        .map(fresh -> services.invoker().resolve(name, null))
        .compose(active -> services.replicas().load(name, active))
        .onSuccess(v -> ManagementApi.json(ctx, 200, new JsonObject()))
        .onFailure(e -> HttpErrors.respond(ctx, e));
  }

  void unload(RoutingContext ctx) {
    try {
      String name = ManagementApi.name(ctx);
      services.registry().get(name);
      services.replicas().unloadExcept(name, Set.of())
          .onSuccess(v -> ManagementApi.json(ctx, 200, new JsonObject()))
          .onFailure(e -> HttpErrors.respond(ctx, e));
    } catch (FunctionException e) {
      HttpErrors.respond(ctx, e);
    }
  }
}
