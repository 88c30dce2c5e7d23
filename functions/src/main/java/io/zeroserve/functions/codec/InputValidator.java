package io.zeroserve.functions.codec;

import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceRequest.RequestedOutput;
import io.zeroserve.functions.Shapes;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks decoded inputs against a model's {@link Signature}, whatever codec decoded them: every
 * input known and present, datatypes equal, shapes matching (a declared -1 matches any size), and
 * requested outputs known. Every failure is {@link FunctionException} BAD_REQUEST naming the tensor.
 * Stateless and thread-safe.
 */
public final class InputValidator {

  private InputValidator() {}

  /**
   * Validates a request's inputs and requested outputs.
   *
   * @return the inputs by name, in the model's input order, ready for the runtime
   */
  public static LinkedHashMap<String, Tensor> validate(Signature signature, InferenceRequest request) {
    Objects.requireNonNull(request, "request cannot be null");
    LinkedHashMap<String, Tensor> inputs = validateInputs(signature, request.inputs());
    validateOutputs(signature, request.outputs());
    return inputs;
  }

  /**
   * Validates inputs.
   *
   * @return the inputs by name, in the model's input order, ready for the runtime
   */
  public static LinkedHashMap<String, Tensor> validateInputs(Signature signature, List<Tensor> inputs) {
    Objects.requireNonNull(signature, "signature cannot be null");
    Objects.requireNonNull(inputs, "inputs cannot be null");
    Map<String, Tensor> byName = new HashMap<>();
    for (Tensor t : inputs) {
      TensorSpec spec = signature.input(t.name()).orElseThrow(() -> FunctionException.badRequest(
          "input '" + t.name() + "' is not an input of this model; its inputs are: " + names(signature.inputs())));
      if (byName.put(t.name(), t) != null) {
        throw FunctionException.badRequest("input '" + t.name() + "' must be given once, was: repeated");
      }
      if (t.type() != spec.type()) {
        throw FunctionException.badRequest("input '" + t.name() + "' has datatype " + t.type()
            + " but the model expects " + spec.type());
      }
      if (!Shapes.matches(spec.shape(), t.shape())) {
        throw FunctionException.badRequest("input '" + t.name() + "' has shape " + Shapes.format(t.shape())
            + " but the model expects " + Shapes.format(spec.shape()));
      }
    }
    LinkedHashMap<String, Tensor> ordered = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (TensorSpec spec : signature.inputs()) {
      Tensor t = byName.get(spec.name());
      if (t == null) {
        missing.add(spec.name());
      } else {
        ordered.put(spec.name(), t);
      }
    }
    if (missing.size() == 1) {
      throw FunctionException.badRequest("input '" + missing.get(0) + "' is required by the model but missing; "
          + "its inputs are: " + names(signature.inputs()));
    }
    if (!missing.isEmpty()) {
      throw FunctionException.badRequest("inputs " + missing + " are required by the model but missing; its inputs are: "
          + names(signature.inputs()));
    }
    return ordered;
  }

  /** Checks that every requested output exists; an empty list means all outputs. */
  public static void validateOutputs(Signature signature, List<RequestedOutput> outputs) {
    Objects.requireNonNull(signature, "signature cannot be null");
    Objects.requireNonNull(outputs, "outputs cannot be null");
    for (RequestedOutput o : outputs) {
      if (signature.output(o.name()).isEmpty()) {
        throw FunctionException.badRequest("output '" + o.name() + "' is not an output of this model; its outputs are: "
            + names(signature.outputs()));
      }
    }
  }

  private static List<String> names(List<TensorSpec> specs) {
    List<String> names = new ArrayList<>(specs.size());
    for (TensorSpec s : specs) {
      names.add(s.name());
    }
    return names;
  }
}
