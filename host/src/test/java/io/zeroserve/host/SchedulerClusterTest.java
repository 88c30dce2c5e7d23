package io.zeroserve.host;

import static io.zeroserve.host.ClusterNodeFixture.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.host.ClusterNodeFixture.Member;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler across real nodes (three Hazelcast members in one JVM, on 127.0.0.1): a compute-heavy
 * function under load spreads over nodes, then scales back to zero when the load stops, and gives
 * its memory back; /v1/cluster shows it all.
 */
class SchedulerClusterTest {

  @TempDir
  static Path root;
  private static ClusterNodeFixture cluster;

  @BeforeAll
  static void startCluster() {
    cluster = ClusterNodeFixture.start(root, 3);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void computeHeavyFunction_spreadsAcrossNodesUnderLoad_andScalesBackToZeroWhenTheLoadStops() throws Exception {
    Member entry = cluster.node(1);
    entry.deploy("heavy", ExampleModels.heavyMlp());
    entry.putJson("/v1/functions/heavy", "{\"idleTimeout\": \"2s\", \"maxReplicas\": 3, \"maxQueue\": 10000}")
        .expect(200);
    cluster.awaitVersionEverywhere("heavy", 1);
    JsonObject request = heavyRequest();

    // 24 clients on node 1 only: one replica would queue ~24 x 8 ms, more than a load costs.
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger answered = new AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService clients = Executors.newFixedThreadPool(24);
    List<Future<?>> running = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      running.add(clients.submit(() -> {
        while (!stop.get()) {
          ClusterNodeFixture.Reply reply = entry.postJson("/v2/models/heavy/infer", request);
          if (reply.status() == 200) {
            answered.incrementAndGet();
          } else {
            failures.add(reply.status() + " " + reply.body());
          }
        }
      }));
    }
    Set<String> nodesWithReplicas = new HashSet<>();
    try {
      awaitTrue("replicas of heavy on at least two nodes", () -> {
        nodesWithReplicas.clear();
        nodesWithReplicas.addAll(nodesHolding(entry, "heavy"));
        if (nodesWithReplicas.size() < 2) {
          throw new AssertionError("replicas on " + nodesWithReplicas + "; decisions: " + entry.get("/metrics").body()
              .lines().filter(l -> l.startsWith("zeroserve_scheduler_decisions_total")).toList() + "; view: "
              + entry.get("/v1/cluster").body());
        }
        return true;
      });
    } finally {
      stop.set(true);
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
      clients.shutdown();
    }
    assertEquals(List.of(), failures, "every request under load is answered");
    assertTrue(answered.get() > 0);
    assertTrue(entry.get("/metrics").body().contains("zeroserve_scheduler_decisions_total{kind=\"cold_start_remote\"}"),
        "node 1 ordered a cold start on another node");

    // Load stopped: after the 2 s idle timeout every replica goes, everywhere, and its memory with it.
    awaitTrue("no replica of heavy left in the cluster", () -> nodesHolding(entry, "heavy").isEmpty());
    awaitTrue("heavy's reservations given back on every node", () -> {
      for (Member m : cluster.running()) {
        Map<String, Long> held = m.node().cluster().reservations(m.nodeId(), "cpu");
        if (held.keySet().stream().anyMatch(id -> id.contains("/heavy@"))) {
          throw new AssertionError(m + " still holds " + held + " with replicas " + m.node().services().replicas()
              .replicas());
        }
      }
      for (Object n : entry.get("/v1/cluster").expect(200).getJsonArray("nodes")) {
        JsonObject node = (JsonObject) n;
        for (Object d : node.getJsonArray("devices")) {
          JsonObject device = (JsonObject) d;
          long listed = node.getJsonArray("replicas").stream().map(JsonObject.class::cast)
              .filter(r -> r.getString("deviceId").equals(device.getString("deviceId")))
              .mapToLong(r -> r.getLong("memoryBytes")).sum();
          if (device.getLong("memoryReservedBytes") != listed) {
            throw new AssertionError("/v1/cluster shows " + device + " holding other than its replicas' " + listed);
          }
        }
      }
      return true;
    });

    // What was measured under load is shared: every node knows heavy's service and load times now.
    for (Member m : cluster.running()) {
      awaitTrue(m + " has learned heavy's times", () -> m.get("/v1/cluster").expect(200).getJsonArray("estimates")
          .stream().map(JsonObject.class::cast).anyMatch(e -> e.getString("function").equals("heavy")
              && e.getValue("loadMillis") != null && e.getJsonObject("serviceMillisByBatch").containsKey("1")));
      // ... and how this hardware compares with the priors, for models never run on it yet.
      awaitTrue(m + " has calibrated the cpu priors", () -> {
        JsonObject cpu = m.get("/v1/cluster").expect(200).getJsonObject("priorScales").getJsonObject("cpu");
        return cpu != null && cpu.getDouble("load", 0.0) > 0 && cpu.getDouble("service", 0.0) > 0;
      });
    }
  }

  @Test
  void clusterView_listsEveryNodeWithItsCpu_andTheReplicasOnIt() {
    Member entry = cluster.node(2);
    entry.deploy("shown", TestModels.addConstant(3));
    cluster.awaitVersionEverywhere("shown", 1);
    assertEquals(3f, entry.inferConstant("shown"));

    JsonObject view = entry.get("/v1/cluster").expect(200);

    assertEquals(entry.nodeId(), view.getString("self"));
    JsonArray nodes = view.getJsonArray("nodes");
    assertEquals(3, nodes.size());
    for (Object n : nodes) {
      JsonObject node = (JsonObject) n;
      JsonObject cpu = node.getJsonArray("devices").getJsonObject(0);
      assertEquals("cpu", cpu.getString("deviceId"));
      assertEquals(false, cpu.getBoolean("simulated"));
      assertTrue(cpu.getLong("memoryCapacityBytes") > 0);
    }
    awaitTrue("node 2's replica of shown is listed with its memory", () -> entry.get("/v1/cluster").expect(200)
        .getJsonArray("nodes").stream().map(JsonObject.class::cast)
        .filter(n -> n.getString("nodeId").equals(entry.nodeId()))
        .flatMap(n -> n.getJsonArray("replicas").stream().map(JsonObject.class::cast))
        .anyMatch(r -> r.getString("function").equals("shown") && r.getString("state").equals("READY")
            && r.getLong("memoryBytes") > 0));
  }

  /** The nodes whose replicas of {@code function} (any state) node {@code viewer}'s /v1/cluster lists. */
  private static Set<String> nodesHolding(Member viewer, String function) {
    Set<String> nodes = new HashSet<>();
    for (Object n : viewer.get("/v1/cluster").expect(200).getJsonArray("nodes")) {
      JsonObject node = (JsonObject) n;
      for (Object r : node.getJsonArray("replicas")) {
        if (((JsonObject) r).getString("function").equals(function)) {
          nodes.add(node.getString("nodeId"));
        }
      }
    }
    return nodes;
  }

  private static JsonObject heavyRequest() {
    JsonArray data = new JsonArray();
    for (int i = 0; i < ExampleModels.HEAVY_MLP_INPUTS; i++) {
      data.add((i % 17) / 17.0 - 0.5);
    }
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "input")
        .put("shape", new JsonArray().add(1).add(ExampleModels.HEAVY_MLP_INPUTS)).put("datatype", "FP32")
        .put("data", data)));
  }
}
