package io.zeroserve.host.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.host.NodeServices;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /v1/cluster}: every live node, its devices and its replicas, as this node knows them.
 *
 * <p>A stand-in until the scheduler publishes device inventories: each node shows one CPU device
 * whose capacity is this JVM's max heap (the answering node cannot see another's) and nothing reserved;
 * this node's replicas come with their live state and queue, other nodes' from the replica directory,
 * which holds only READY ones and no queue depth; there are no response-time estimates yet. The
 * shape is the one the real endpoint keeps.
 */
final class ClusterApi {

  private final NodeServices services;

  ClusterApi(NodeServices services) {
    this.services = services;
  }

  void get(RoutingContext ctx) {
    ClusterState cluster = services.cluster();
    String self = cluster.localNodeId();
    List<NodeInfo> nodes = new ArrayList<>(cluster.nodes());
    nodes.sort(Comparator.comparingLong(NodeInfo::startedAtMillis).thenComparing(NodeInfo::nodeId));
    List<ReplicaLocation> directory = List.copyOf(cluster.allReplicas());
    JsonArray nodesJson = new JsonArray();
    for (NodeInfo n : nodes) {
      JsonArray replicas = n.nodeId().equals(self) ? localReplicas(self) : remoteReplicas(n.nodeId(), directory);
      nodesJson.add(new JsonObject()
          .put("nodeId", n.nodeId())
          .put("httpHost", n.httpHost())
          .put("httpPort", n.httpPort())
          .put("startedAt", Instant.ofEpochMilli(n.startedAtMillis()).toString())
          .put("leaving", n.leaving())
          .put("devices", new JsonArray().add(cpuDevice()))
          .put("replicas", replicas));
    }
    JsonObject body = new JsonObject()
        .put("clusterName", services.options().cluster().clusterName())
        .put("self", self)
        .put("nodes", nodesJson)
        .put("estimates", new JsonArray());
    ManagementApi.json(ctx, 200, body);
  }

  private JsonArray localReplicas(String self) {
    JsonArray out = new JsonArray();
    for (LocalReplicas.ReplicaInfo r : services.replicas().replicas()) {
      out.add(replica(self + "/" + r.id(), r.id().function(), r.id().version(), r.state().name(), r.outstanding()));
    }
    return out;
  }

  private static JsonArray remoteReplicas(String nodeId, List<ReplicaLocation> directory) {
    JsonArray out = new JsonArray();
    directory.stream().filter(r -> r.nodeId().equals(nodeId))
        .sorted(Comparator.comparing(ReplicaLocation::function).thenComparing(ReplicaLocation::replicaId))
        .forEach(r -> out.add(replica(r.replicaId(), r.function(), r.version(), r.state(), 0)));
    return out;
  }

  private static JsonObject replica(String id, String function, int version, String state, int outstanding) {
    return new JsonObject().put("replicaId", id).put("function", function).put("version", version)
        .put("deviceId", "cpu").put("state", state).put("outstanding", outstanding).put("memoryBytes", 0L);
  }

  private static JsonObject cpuDevice() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new JsonObject().put("deviceId", "cpu").put("kind", "cpu").put("name", "CPU (" + cores + " cores)")
        .put("simulated", false).put("memoryCapacityBytes", Runtime.getRuntime().maxMemory())
        .put("memoryReservedBytes", 0L);
  }
}
