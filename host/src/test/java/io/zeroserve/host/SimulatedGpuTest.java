package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Placement on GPUs, with simulated GPUs (this machine has none): device preferences, memory
 * reservation, eviction of the least valuable idle replica, and "simulated" shown everywhere.
 */
class SimulatedGpuTest {

  @TempDir
  Path dataDir;
  private NodeFixture node;

  @AfterEach
  void close() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void gpuFunction_runsOnASimulatedGpu_reservesItsMemory_andTheViewAndMetricsSaySimulated() {
    node = NodeFixture.start(dataDir, "--simulate-gpus", "2x1GiB");
    node.deploy("on-gpu", TestModels.addConstant(2));
    node.put("/v1/functions/on-gpu", "{\"device\": \"gpu\"}").expect(200);

    assertEquals(2f, TestModels.addedConstant(node.infer("on-gpu", TestModels.addRequest()).expect(200)));

    JsonObject self = onlyNode(node.get("/v1/cluster").expect(200));
    JsonArray devices = self.getJsonArray("devices");
    assertEquals(List.of("cpu", "simgpu0", "simgpu1"), devices.stream().map(d -> ((JsonObject) d).getString("deviceId"))
        .toList());
    JsonObject replica = self.getJsonArray("replicas").getJsonObject(0);
    assertTrue(replica.getString("deviceId").startsWith("simgpu"), replica.encode());
    JsonObject gpu = devices.stream().map(JsonObject.class::cast)
        .filter(d -> d.getString("deviceId").equals(replica.getString("deviceId"))).findFirst().orElseThrow();
    assertEquals(true, gpu.getBoolean("simulated"));
    assertEquals("gpu", gpu.getString("kind"));
    assertTrue(gpu.getString("name").startsWith("Simulated GPU"), gpu.getString("name"));
    assertEquals(replica.getLong("memoryBytes"), gpu.getLong("memoryReservedBytes"));
    assertTrue(replica.getLong("memoryBytes") > 0);

    String metrics = awaitMetric("zeroserve_device_memory_reserved_bytes{device=\"" + replica.getString("deviceId")
        + "\",kind=\"gpu\",simulated=\"true\"} " + (double) replica.getLong("memoryBytes"));
    assertTrue(metrics.contains("zeroserve_device_memory_capacity_bytes{device=\"simgpu1\",kind=\"gpu\",simulated=\"true\"} "
        + (double) (1L << 30)), "capacity meter");
  }

  @Test
  void gpuFull_ofAnIdleReplica_itIsEvictedForTheNextFunction_andEvictionsAreCounted() {
    // One simulated GPU with room for one replica of a tiny model (~64 MiB reserved), not two.
    node = NodeFixture.start(dataDir, "--simulate-gpus", "1x100MiB");
    for (String name : List.of("first", "second")) {
      node.deploy(name, TestModels.addConstant(name.length()));
      node.put("/v1/functions/" + name, "{\"device\": \"gpu\"}").expect(200);
    }
    assertEquals(5f, TestModels.addedConstant(node.infer("first", TestModels.addRequest()).expect(200)));

    assertEquals(6f, TestModels.addedConstant(node.infer("second", TestModels.addRequest()).expect(200)));

    JsonObject self = onlyNode(node.get("/v1/cluster").expect(200));
    List<String> functions = self.getJsonArray("replicas").stream()
        .map(r -> ((JsonObject) r).getString("function")).toList();
    assertEquals(List.of("second"), functions, "first was evicted to make room");
    awaitMetric("zeroserve_evictions_total 1.0");
    awaitMetric("zeroserve_scheduler_decisions_total{kind=\"evict\"} 1.0");
  }

  @Test
  void gpuFunction_onANodeWithoutGpus_isRefusedWithAClearError() {
    node = NodeFixture.start(dataDir);
    node.deploy("wants-gpu", TestModels.addConstant(1));
    node.put("/v1/functions/wants-gpu", "{\"device\": \"gpu\"}").expect(200);

    node.infer("wants-gpu", TestModels.addRequest()).expectError(503, "needs a gpu device");
  }

  private static JsonObject onlyNode(JsonObject view) {
    assertEquals(1, view.getJsonArray("nodes").size(), view.encode());
    return view.getJsonArray("nodes").getJsonObject(0);
  }

  private String awaitMetric(String line) {
    String[] last = {""};
    ClusterNodeFixture.awaitTrue("/metrics shows " + line, () -> {
      last[0] = node.get("/metrics").body().toString();
      return last[0].contains(line);
    });
    return last[0];
  }
}
