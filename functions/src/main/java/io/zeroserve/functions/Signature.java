package io.zeroserve.functions;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A model's inputs and outputs, in the model's order. Immutable. */
public record Signature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

  public Signature {
    inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs cannot be null"));
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs cannot be null"));
  }

  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public Optional<TensorSpec> output(String name) {
    return outputs.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
