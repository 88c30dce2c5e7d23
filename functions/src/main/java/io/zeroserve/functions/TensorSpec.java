package io.zeroserve.functions;

import java.util.Arrays;
import java.util.Objects;

/**
 * A model input or output as the model declares it: name, datatype and shape, where -1 marks a
 * dynamic dimension. Immutable.
 */
public record TensorSpec(String name, DataType type, long[] shape) {

  public TensorSpec {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(type, "type cannot be null");
    Objects.requireNonNull(shape, "shape cannot be null");
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Whether dimension 0 is dynamic, so requests can be concatenated along it into one batch. */
  public boolean hasDynamicBatch() {
    return shape.length > 0 && shape[0] < 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, Arrays.hashCode(shape));
  }

  @Override
  public String toString() {
    return name + ":" + type + Arrays.toString(shape);
  }
}
