package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton's statistics extension on one node: counts after a known sequence of requests. */
class StatisticsHttpTest {

  @TempDir
  Path dir;

  static JsonObject rows(int n) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < 4 * n; i++) {
      data.add(i);
    }
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "x").put("datatype", "FP32").put("shape", new JsonArray().add(n).add(4)).put("data", data)));
  }

  static JsonObject only(JsonObject stats) {
    JsonArray models = stats.getJsonArray("model_stats");
    assertEquals(1, models.size(), () -> "one model stat in " + stats);
    return models.getJsonObject(0);
  }

  static long count(JsonObject model, String field) {
    return model.getJsonObject("inference_stats").getJsonObject(field).getLong("count");
  }

  static long ns(JsonObject model, String field) {
    return model.getJsonObject("inference_stats").getJsonObject(field).getLong("ns");
  }

  @Test
  void countsMatch_aKnownSequenceOfSuccessesAndFailures() {
    try (NodeFixture node = NodeFixture.start(dir)) {
      node.deploy("add", TestModels.addConstant(1));
      JsonObject before = only(node.get("/v2/models/add/stats").expect(200));
      assertEquals("add", before.getString("name"));
      assertEquals("1", before.getString("version"));
      assertEquals(0L, before.getLong("inference_count"));
      assertEquals(0L, before.getLong("last_inference"));

      long startedMs = System.currentTimeMillis();
      for (int i = 0; i < 3; i++) {
        node.infer("add", rows(1)).expect(200);
      }
      node.infer("add", rows(3)).expect(200);
      node.invoke("add", new JsonObject().put("x", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4))
          .add(new JsonArray().add(5).add(6).add(7).add(8)))).expect(200);
      // Failures after the version is known: a wrong shape, a malformed body.
      node.infer("add", new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "x")
          .put("datatype", "FP32").put("shape", new JsonArray().add(1).add(5))
          .put("data", new JsonArray().add(1).add(2).add(3).add(4).add(5))))).expectError(400);
      node.postJson("/v2/models/add/infer", "{not json").expectError(400);
      // Not counted against any version: a function or version that does not exist.
      node.infer("nope", rows(1)).expectError(404);
      node.inferVersion("add", 7, rows(1)).expectError(404);
      long endedMs = System.currentTimeMillis();

      JsonObject stats = node.get("/v2/models/add/stats").expect(200);
      JsonObject s = only(stats);
      assertEquals(5, count(s, "success"));
      assertEquals(2, count(s, "fail"));
      assertTrue(ns(s, "success") > 0 && ns(s, "fail") > 0, () -> "durations are measured: " + s);
      assertEquals(5, count(s, "queue"));
      for (String phase : List.of("compute_input", "compute_infer", "compute_output")) {
        assertEquals(5, count(s, phase), phase);
      }
      assertTrue(ns(s, "compute_infer") > 0, () -> "compute_infer is measured: " + s);
      assertEquals(0, count(s, "cache_hit"));
      assertEquals(3 + 3 + 2, s.getLong("inference_count"), "rows of the successful requests");
      assertEquals(5, s.getLong("execution_count"), "one at a time: no batching by default");
      long last = s.getLong("last_inference");
      assertTrue(last >= startedMs && last <= endedMs, () -> "last_inference " + last + " within the test's run");

      JsonArray batches = s.getJsonArray("batch_stats");
      assertEquals(List.of(1L, 2L, 3L), batchSizes(batches));
      assertEquals(List.of(3L, 1L, 1L), batchCounts(batches));

      assertEquals(new JsonObject().put("answered", new JsonArray().add(node.node().nodeId()))
          .put("missing", new JsonArray()), stats.getJsonObject("cluster"));
    }
  }

  @Test
  void batchedCalls_chargeEachRequest_andCountEachExecutionOnce() throws Exception {
    try (NodeFixture node = NodeFixture.start(dir)) {
      node.deploy("batched", TestModels.addConstant(2));
      node.put("/v1/functions/batched", "{\"maxBatchSize\": 8, \"maxQueueDelay\": \"50ms\"}").expect(200);
      int requests = 12;
      ExecutorService clients = Executors.newFixedThreadPool(6);
      try {
        List<Future<NodeFixture.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
          replies.add(clients.submit(() -> node.infer("batched", rows(1))));
        }
        for (Future<NodeFixture.Reply> r : replies) {
          r.get().expect(200);
        }
      } finally {
        clients.shutdownNow();
      }

      JsonObject s = only(node.get("/v2/models/batched/versions/1/stats").expect(200));
      assertEquals(requests, count(s, "success"));
      assertEquals(requests, s.getLong("inference_count"));
      assertEquals(requests, count(s, "compute_infer"), "each request is charged its batch's time");
      long executions = s.getLong("execution_count");
      assertTrue(executions >= 1 && executions <= requests, "executions: " + executions);
      // However the requests were grouped, each execution is in batch_stats once and each row once.
      JsonArray batches = s.getJsonArray("batch_stats");
      long executed = 0;
      long rows = 0;
      for (int i = 0; i < batches.size(); i++) {
        JsonObject b = batches.getJsonObject(i);
        long n = b.getJsonObject("compute_infer").getLong("count");
        assertEquals(n, b.getJsonObject("compute_input").getLong("count"));
        assertEquals(n, b.getJsonObject("compute_output").getLong("count"));
        executed += n;
        rows += n * b.getLong("batch_size");
      }
      assertEquals(executions, executed);
      assertEquals(requests, rows);
    }
  }

  @Test
  void allModelsAndVersions_areListed_andUnknownOnesAre404() {
    try (NodeFixture node = NodeFixture.start(dir)) {
      node.deploy("b-fn", TestModels.addConstant(1));
      node.deploy("a-fn", TestModels.addConstant(2));
      node.deploy("a-fn", TestModels.addConstant(3));
      node.inferVersion("a-fn", 1, rows(1)).expect(200);

      JsonArray all = node.get("/v2/models/stats").expect(200).getJsonArray("model_stats");
      List<String> listed = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        listed.add(all.getJsonObject(i).getString("name") + "/" + all.getJsonObject(i).getString("version"));
      }
      assertEquals(List.of("a-fn/1", "a-fn/2", "b-fn/1"), listed);
      assertEquals(1, count(all.getJsonObject(0), "success"));
      assertEquals(0, count(all.getJsonObject(1), "success"));

      assertEquals(2, node.get("/v2/models/a-fn/stats").expect(200).getJsonArray("model_stats").size());
      JsonObject v2 = only(node.get("/v2/models/a-fn/versions/2/stats").expect(200));
      assertEquals("2", v2.getString("version"));

      node.get("/v2/models/nope/stats").expectError(404, "nope");
      node.get("/v2/models/a-fn/versions/9/stats").expectError(404, "9");
      node.get("/v2/models/a-fn/versions/x/stats").expectError(404, "x");
      assertTrue(node.get("/v2").expect(200).getJsonArray("extensions").contains("statistics"));
    }
  }

  private static List<Long> batchSizes(JsonArray batches) {
    List<Long> sizes = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      sizes.add(batches.getJsonObject(i).getLong("batch_size"));
    }
    return sizes;
  }

  private static List<Long> batchCounts(JsonArray batches) {
    List<Long> counts = new ArrayList<>();
    for (int i = 0; i < batches.size(); i++) {
      counts.add(batches.getJsonObject(i).getJsonObject("compute_infer").getLong("count"));
    }
    return counts;
  }
}
