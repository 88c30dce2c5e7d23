package io.zeroserve.host.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.replica.ReplicaId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelStatsTest {

  private static ModelStats stats(long lastInference, long inferences, long executions, long successNs,
                                  List<BatchStat> batches) {
    return new ModelStats("f", 1, lastInference, inferences, executions, new DurationStat(inferences, successNs),
        new DurationStat(1, 10), new DurationStat(inferences, 5), new DurationStat(inferences, 1),
        new DurationStat(inferences, 2), new DurationStat(inferences, 3), batches);
  }

  private static BatchStat batch(long size, long count, long ns) {
    return new BatchStat(size, new DurationStat(count, ns), new DurationStat(count, 2 * ns), new DurationStat(count, 3 * ns));
  }

  @Test
  void when_twoNodesStatsAreAdded_then_countsAndTimesSum_batchSizesMerge_andLastInferenceIsTheLatest() {
    ModelStats a = stats(1_000, 4, 3, 400, List.of(batch(1, 2, 10), batch(2, 1, 30)));
    ModelStats b = stats(2_000, 2, 1, 100, List.of(batch(2, 1, 20)));

    ModelStats sum = a.plus(b);

    assertEquals(2_000, sum.lastInference());
    assertEquals(6, sum.inferenceCount());
    assertEquals(4, sum.executionCount());
    assertEquals(new DurationStat(6, 500), sum.success());
    assertEquals(new DurationStat(2, 20), sum.fail());
    assertEquals(List.of(batch(1, 2, 10), batch(2, 2, 50)), sum.batches());
    assertEquals(sum, b.plus(a), "order does not matter");
  }

  @Test
  void when_statsOfDifferentVersionsAreAdded_then_itIsRefused() {
    ModelStats v1 = ModelStats.empty("f", 1);
    ModelStats v2 = ModelStats.empty("f", 2);
    assertThrows(IllegalArgumentException.class, () -> v1.plus(v2));
  }

  @Test
  void json_hasTritonsShape_andReadsBackEqual() {
    ModelStats s = stats(1_234, 3, 2, 900, List.of(batch(1, 1, 7), batch(2, 1, 9)));
    JsonObject json = s.toJson();

    assertEquals("f", json.getString("name"));
    assertEquals("1", json.getString("version"), "Triton's version is a string");
    assertEquals(1_234L, json.getLong("last_inference"));
    assertEquals(3L, json.getLong("inference_count"));
    assertEquals(2L, json.getLong("execution_count"));
    JsonObject inference = json.getJsonObject("inference_stats");
    for (String field : List.of("success", "fail", "queue", "compute_input", "compute_infer", "compute_output",
        "cache_hit", "cache_miss")) {
      JsonObject d = inference.getJsonObject(field);
      assertEquals(List.of("count", "ns"), List.copyOf(d.fieldNames()), field);
    }
    assertEquals(new JsonObject().put("count", 3L).put("ns", 900L), inference.getJsonObject("success"));
    JsonObject firstBatch = json.getJsonArray("batch_stats").getJsonObject(0);
    assertEquals(1L, firstBatch.getLong("batch_size"));
    assertEquals(new JsonObject().put("count", 1L).put("ns", 14L), firstBatch.getJsonObject("compute_infer"));
    assertEquals(s, ModelStats.fromJson(new JsonObject(json.encode())));
  }

  @Test
  void sum_addsEachVersionAcrossNodes() {
    Map<ModelStats.Key, ModelStats> total = ModelStats.sum(List.of(
        List.of(stats(1, 1, 1, 10, List.of()), ModelStats.empty("g", 2)),
        List.of(stats(5, 2, 1, 20, List.of()))));
    assertEquals(2, total.size());
    assertEquals(3, total.get(new ModelStats.Key("f", 1)).inferenceCount());
    assertEquals(ModelStats.empty("g", 2), total.get(new ModelStats.Key("g", 2)));
  }

  @Test
  void recorder_chargesEachAnsweredRequestTheBatchTime_andCountsExecutionsPerBatchSize() {
    InferenceStatistics recorder = new InferenceStatistics(() -> 42);
    ReplicaId id = new ReplicaId("f", 1, 0);
    recorder.queued(id, 100);
    recorder.queued(id, 300);
    recorder.executed(id, 2, 3, 2, 3, 10, 20, 30); // two requests, 1 + 2 rows, one batch
    recorder.executed(id, 1, 1, 0, 0, 10, 20, 30); // a batch that answered nobody: not an execution
    recorder.finished("f", 1, null, 1_000);
    recorder.finished("f", 1, null, 2_000);
    recorder.finished("f", 1, new IllegalStateException("x"), 50);
    recorder.finished("nope", 0, new IllegalStateException("x"), 50); // never resolved: not counted

    List<ModelStats> snapshot = recorder.snapshot();
    assertEquals(1, snapshot.size());
    ModelStats s = snapshot.get(0);
    assertEquals(42, s.lastInference());
    assertEquals(3, s.inferenceCount());
    assertEquals(1, s.executionCount());
    assertEquals(new DurationStat(2, 3_000), s.success());
    assertEquals(new DurationStat(1, 50), s.fail());
    assertEquals(new DurationStat(2, 400), s.queue());
    assertEquals(new DurationStat(2, 20), s.computeInput());
    assertEquals(new DurationStat(2, 40), s.computeInfer());
    assertEquals(new DurationStat(2, 60), s.computeOutput());
    assertEquals(List.of(new BatchStat(3, new DurationStat(1, 10), new DurationStat(1, 20), new DurationStat(1, 30))),
        s.batches());

    recorder.retain((function, version) -> false);
    assertEquals(List.of(), recorder.snapshot());
  }
}
