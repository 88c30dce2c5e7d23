package io.zeroserve.host.stats;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The statistics of one function version, in the shape of Triton's statistics extension
 * ({@code $model_stat}), so that stock clients read them. Immutable; {@link #plus} sums two nodes'
 * statistics of the same version.
 *
 * @param lastInference when the last request for it ended, in milliseconds since the epoch; 0 if never
 * @param inferenceCount rows (dimension 0) of the requests answered successfully
 * @param executionCount model executions (batches) that answered at least one request
 * @param success requests answered, with their end-to-end time on the node that received them
 * @param fail requests that failed after their version was resolved
 * @param queue requests that left a replica's queue, with their time in it
 * @param computeInput per answered request, the time its batch took to prepare inputs for ONNX Runtime
 * @param computeInfer per answered request, the time its batch ran in ONNX Runtime
 * @param computeOutput per answered request, the time its batch took to read and split the outputs
 * @param batches one entry per executed batch size, ascending
 */
public record ModelStats(String name, int version, long lastInference, long inferenceCount, long executionCount,
                         DurationStat success, DurationStat fail, DurationStat queue, DurationStat computeInput,
                         DurationStat computeInfer, DurationStat computeOutput, List<BatchStat> batches) {

  public ModelStats {
    Objects.requireNonNull(name, "name cannot be null");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, was: " + version);
    }
    batches = batches.stream().sorted(Comparator.comparingLong(BatchStat::batchSize)).toList();
  }

  /** A version nothing has happened to yet. */
  public static ModelStats empty(String name, int version) {
    return new ModelStats(name, version, 0, 0, 0, DurationStat.ZERO, DurationStat.ZERO, DurationStat.ZERO,
        DurationStat.ZERO, DurationStat.ZERO, DurationStat.ZERO, List.of());
  }

  /** The sum of this version's statistics and another node's of the same version. */
  public ModelStats plus(ModelStats other) {
    if (!other.name.equals(name) || other.version != version) {
      throw new IllegalArgumentException("cannot add statistics of " + other.name + " v" + other.version
          + " to those of " + name + " v" + version);
    }
    Map<Long, BatchStat> merged = new TreeMap<>();
    for (BatchStat b : batches) {
      merged.put(b.batchSize(), b);
    }
    for (BatchStat b : other.batches) {
      merged.merge(b.batchSize(), b, BatchStat::plus);
    }
    return new ModelStats(name, version, Math.max(lastInference, other.lastInference),
        inferenceCount + other.inferenceCount, executionCount + other.executionCount, success.plus(other.success),
        fail.plus(other.fail), queue.plus(other.queue), computeInput.plus(other.computeInput),
        computeInfer.plus(other.computeInfer), computeOutput.plus(other.computeOutput), List.copyOf(merged.values()));
  }

  /** Sums several nodes' statistics, version by version. */
  public static Map<Key, ModelStats> sum(Collection<List<ModelStats>> perNode) {
    Map<Key, ModelStats> total = new LinkedHashMap<>();
    for (List<ModelStats> node : perNode) {
      for (ModelStats s : node) {
        total.merge(new Key(s.name, s.version), s, ModelStats::plus);
      }
    }
    return total;
  }

  /** A function version. */
  public record Key(String name, int version) {}

  /**
   * Triton's {@code $model_stat}. {@code response_stats} and {@code memory_usage} are present and
   * empty: there are no decoupled models, and device memory is reported at /metrics.
   */
  public JsonObject toJson() {
    JsonArray batchJson = new JsonArray();
    batches.forEach(b -> batchJson.add(b.toJson()));
    return new JsonObject()
        .put("name", name)
        .put("version", String.valueOf(version))
        .put("last_inference", lastInference)
        .put("inference_count", inferenceCount)
        .put("execution_count", executionCount)
        .put("inference_stats", new JsonObject()
            .put("success", success.toJson())
            .put("fail", fail.toJson())
            .put("queue", queue.toJson())
            .put("compute_input", computeInput.toJson())
            .put("compute_infer", computeInfer.toJson())
            .put("compute_output", computeOutput.toJson())
            .put("cache_hit", DurationStat.ZERO.toJson())
            .put("cache_miss", DurationStat.ZERO.toJson()))
        .put("response_stats", new JsonObject())
        .put("batch_stats", batchJson)
        .put("memory_usage", new JsonArray());
  }

  /**
   * Reads {@link #toJson}'s form.
   *
   * @throws IllegalArgumentException (or a ClassCastException) when it is not that form
   */
  public static ModelStats fromJson(JsonObject json) {
    JsonObject inference = json.getJsonObject("inference_stats", new JsonObject());
    List<BatchStat> batches = new ArrayList<>();
    JsonArray batchJson = json.getJsonArray("batch_stats", new JsonArray());
    for (int i = 0; i < batchJson.size(); i++) {
      batches.add(BatchStat.fromJson(batchJson.getJsonObject(i)));
    }
    return new ModelStats(json.getString("name"), Integer.parseInt(json.getString("version")),
        json.getLong("last_inference", 0L), json.getLong("inference_count", 0L), json.getLong("execution_count", 0L),
        DurationStat.fromJson(inference.getJsonObject("success")), DurationStat.fromJson(inference.getJsonObject("fail")),
        DurationStat.fromJson(inference.getJsonObject("queue")),
        DurationStat.fromJson(inference.getJsonObject("compute_input")),
        DurationStat.fromJson(inference.getJsonObject("compute_infer")),
        DurationStat.fromJson(inference.getJsonObject("compute_output")), batches);
  }
}
