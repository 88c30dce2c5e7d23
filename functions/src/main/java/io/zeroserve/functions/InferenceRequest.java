package io.zeroserve.functions;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A decoded inference request, whatever protocol it came in.
 *
 * @param id the client's request id, echoed in the response; null when absent
 * @param inputs the input tensors, in request order
 * @param outputs the outputs the client asked for; empty means all, in the model's order
 * @param binaryOutputByDefault V2 {@code binary_data_output}: outputs not listed explicitly come back as binary
 * @param timeoutMicros V2 {@code timeout} parameter in microseconds; empty when absent
 */
public record InferenceRequest(String id, List<Tensor> inputs, List<RequestedOutput> outputs,
                               boolean binaryOutputByDefault, OptionalLong timeoutMicros) {

  public InferenceRequest {
    inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs cannot be null"));
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs cannot be null"));
    Objects.requireNonNull(timeoutMicros, "timeoutMicros cannot be null");
  }

  /** A plain request: these inputs, every output, JSON out. */
  public static InferenceRequest of(List<Tensor> inputs) {
    return new InferenceRequest(null, inputs, List.of(), false, OptionalLong.empty());
  }

  /**
   * An output the client asked for.
   *
   * @param name the output's name
   * @param binary whether it comes back in Triton's binary tensor extension; null means "as the
   *     request's {@code binary_data_output} says"
   */
  public record RequestedOutput(String name, Boolean binary) {
    public RequestedOutput {
      Objects.requireNonNull(name, "name cannot be null");
    }
  }
}
