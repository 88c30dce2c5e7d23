package io.zeroserve.host.stats;

import io.vertx.core.json.JsonObject;

/**
 * The executions of one model version at one batch size: Triton's {@code $batch_stats}. Each
 * duration's count is the number of executions. Immutable.
 *
 * @param batchSize rows along dimension 0 of the executed batch
 */
public record BatchStat(long batchSize, DurationStat computeInput, DurationStat computeInfer,
                        DurationStat computeOutput) {

  public BatchStat {
    if (batchSize < 0) {
      throw new IllegalArgumentException("batchSize must be >= 0, was: " + batchSize);
    }
  }

  public BatchStat plus(BatchStat other) {
    if (other.batchSize != batchSize) {
      throw new IllegalArgumentException("batch sizes differ: " + batchSize + " and " + other.batchSize);
    }
    return new BatchStat(batchSize, computeInput.plus(other.computeInput), computeInfer.plus(other.computeInfer),
        computeOutput.plus(other.computeOutput));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("batch_size", batchSize)
        .put("compute_input", computeInput.toJson())
        .put("compute_infer", computeInfer.toJson())
        .put("compute_output", computeOutput.toJson());
  }

  public static BatchStat fromJson(JsonObject json) {
    return new BatchStat(json.getLong("batch_size"), DurationStat.fromJson(json.getJsonObject("compute_input")),
        DurationStat.fromJson(json.getJsonObject("compute_infer")),
        DurationStat.fromJson(json.getJsonObject("compute_output")));
  }
}
