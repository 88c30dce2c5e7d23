package io.zeroserve.functions;

import java.util.List;
import java.util.Objects;

/**
 * The outputs of one inference, in the order the client asked for (or the model's order).
 *
 * @param modelName the function's name
 * @param modelVersion the version that served the request, as text (V2 uses strings)
 * @param id the request's id, or null
 * @param outputs the output tensors
 */
public record InferenceResponse(String modelName, String modelVersion, String id, List<Tensor> outputs) {
  public InferenceResponse {
    Objects.requireNonNull(modelName, "modelName cannot be null");
    Objects.requireNonNull(modelVersion, "modelVersion cannot be null");
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs cannot be null"));
  }
}
