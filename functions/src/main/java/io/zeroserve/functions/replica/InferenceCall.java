package io.zeroserve.functions.replica;

import io.zeroserve.functions.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One request as a replica runs it: inputs checked against the model's signature, the outputs to
 * compute, and the deadline by which it must be answered.
 *
 * @param inputs model inputs by name
 * @param outputs output names; empty means all
 * @param deadlineNanos on the {@link System#nanoTime()} clock
 */
public record InferenceCall(Map<String, Tensor> inputs, List<String> outputs, long deadlineNanos) {
  public InferenceCall {
    Objects.requireNonNull(inputs, "inputs cannot be null");
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs cannot be null"));
  }
}
