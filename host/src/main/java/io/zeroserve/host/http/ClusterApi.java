package io.zeroserve.host.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.cluster.DeviceInfo;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.host.NodeServices;
import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.NodeView;
import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Ewma;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /v1/cluster}: the cluster as placement sees it from this node: nodes, their devices
 * (capacity, reserved, simulated or not), the replicas on each device, and the learned estimates.
 */
final class ClusterApi {

  private final NodeServices services;

  ClusterApi(NodeServices services) {
    this.services = services;
  }

  void get(RoutingContext ctx) {
    ClusterSnapshot snapshot = services.placements().snapshot();
    Map<String, NodeInfo> infos = new HashMap<>();
    services.cluster().nodes().forEach(n -> infos.put(n.nodeId(), n));
    JsonArray nodes = new JsonArray();
    List<NodeView> views = snapshot.nodes().stream().sorted(Comparator.comparing(NodeView::nodeId)).toList();
    for (NodeView n : views) {
      NodeInfo info = infos.get(n.nodeId());
      if (info == null) {
        continue; // left since the snapshot
      }
      Map<String, DeviceInfo> deviceInfos = new HashMap<>();
      info.devices().forEach(d -> deviceInfos.put(d.deviceId(), d));
      JsonArray devices = new JsonArray();
      JsonArray replicas = new JsonArray();
      for (DeviceView d : n.devices()) {
        DeviceInfo di = deviceInfos.get(d.deviceId());
        devices.add(new JsonObject()
            .put("deviceId", d.deviceId())
            .put("kind", d.kind().text())
            .put("name", di == null ? d.deviceId() : di.name())
            .put("deviceClass", d.deviceClass())
            .put("simulated", d.simulated())
            .put("memoryCapacityBytes", d.capacityBytes())
            .put("memoryReservedBytes", d.reservedBytes())
            .put("parallelism", d.parallelism())
            .put("outstanding", d.outstanding()));
        for (ReplicaView r : snapshot.replicasOn(d.key())) {
          replicas.add(new JsonObject()
              .put("replicaId", r.replicaId())
              .put("function", r.function())
              .put("version", r.version())
              .put("deviceId", r.deviceId())
              .put("state", r.phase().name())
              .put("outstanding", r.outstanding())
              .put("memoryBytes", r.memoryBytes())
              // What its eviction is priced by (RequestForecast): its rate in use, how long it has been
              // idle, and from both, the chance that someone asks for it within the eviction horizon.
              .put("requestsPerSecondInUse", rounded(r.requestsPerSecondInUse()))
              .put("idleSeconds", rounded(r.idleSeconds(snapshot.nowNanos())))
              .put("requestChanceWithinHorizon",
                  rounded(r.chanceOfRequestWithin(snapshot.nowNanos(), ClusterSnapshot.EVICTION_HORIZON_SECONDS))));
        }
      }
      nodes.add(new JsonObject()
          .put("nodeId", n.nodeId())
          .put("httpHost", info.httpHost())
          .put("httpPort", info.httpPort())
          .put("startedAt", Instant.ofEpochMilli(info.startedAtMillis()).toString())
          .put("leaving", n.leaving())
          .put("devices", devices)
          .put("replicas", replicas));
    }
    Map<String, Ewma> learned = services.cluster().estimates();
    ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject()
            .put("clusterName", services.options().cluster().clusterName())
            .put("self", services.cluster().localNodeId())
            .put("forwardsInFlight", services.placements().forwardsInFlight())
            .put("nodes", nodes)
            .put("estimates", estimates(learned))
            .put("priorScales", priorScales(learned))
            .encode());
  }

  /**
   * Per device class, how measured load and service times compare with the built-in priors (1 = as
   * the priors say): what a model never run on that class is expected to take, relative to its prior.
   */
  static JsonObject priorScales(Map<String, Ewma> learned) {
    Map<String, JsonObject> byClass = new TreeMap<>();
    parsed(learned).forEach((key, mean) -> {
      if (key.kind() == EstimateKey.Kind.LOAD_SCALE || key.kind() == EstimateKey.Kind.SERVICE_SCALE) {
        byClass.computeIfAbsent(key.deviceClass(), c -> new JsonObject())
            .put(key.kind() == EstimateKey.Kind.LOAD_SCALE ? "load" : "service", mean);
      }
    });
    JsonObject out = new JsonObject();
    byClass.forEach(out::put);
    return out;
  }

  /** One entry per (function, version, device class): load time and service time by batch size. */
  static JsonArray estimates(Map<String, Ewma> learned) {
    Map<String, Double> loads = new HashMap<>();
    Map<List<Object>, Map<Integer, Double>> services = new TreeMap<>(Comparator.comparing(Object::toString));
    parsed(learned).forEach((key, mean) -> {
      if (key.kind() == EstimateKey.Kind.LOAD) {
        loads.put(key.function() + "|" + key.deviceClass(), mean);
      } else if (key.kind() == EstimateKey.Kind.SERVICE) {
        services.computeIfAbsent(List.of(key.function(), key.version(), key.deviceClass()), k -> new TreeMap<>())
            .put(key.batch(), mean);
      }
    });
    JsonArray out = new JsonArray();
    services.forEach((k, byBatch) -> {
      JsonObject batches = new JsonObject();
      byBatch.forEach((batch, nanos) -> batches.put(String.valueOf(batch), nanos / 1e6));
      Double load = loads.get(k.get(0) + "|" + k.get(2));
      out.add(new JsonObject().put("function", k.get(0)).put("version", k.get(1)).put("deviceClass", k.get(2))
          .put("loadMillis", load == null ? null : load / 1e6).put("serviceMillisByBatch", batches));
    });
    return out;
  }

  /** Three decimals: enough to read, without the noise of a double's last digits. */
  private static double rounded(double x) {
    return Math.round(x * 1000) / 1000.0;
  }

  /** The shared averages whose keys are estimate keys, by key: their means. */
  private static Map<EstimateKey, Double> parsed(Map<String, Ewma> learned) {
    Map<EstimateKey, Double> out = new HashMap<>();
    for (Map.Entry<String, Ewma> e : learned.entrySet()) {
      try {
        out.put(EstimateKey.parse(e.getKey()), e.getValue().mean());
      } catch (IllegalArgumentException notOurs) {
        // another writer's key: not shown
      }
    }
    return out;
  }
}
