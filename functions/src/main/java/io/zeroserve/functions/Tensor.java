package io.zeroserve.functions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor on its way into or out of a model. Fixed-size datatypes hold their elements in
 * {@code data}: a buffer in little-endian order positioned at 0 with limit = element count x size
 * (direct when it is headed for ONNX Runtime, so the runtime reads it in place). {@link DataType#BYTES}
 * holds {@code strings} instead. Not thread-safe; a tensor belongs to one request.
 */
public record Tensor(String name, DataType type, long[] shape, ByteBuffer data, String[] strings) {

  public Tensor {
    Objects.requireNonNull(name, "name cannot be null");
    Objects.requireNonNull(type, "type cannot be null");
    Objects.requireNonNull(shape, "shape cannot be null");
    if (type == DataType.BYTES) {
      Objects.requireNonNull(strings, "strings cannot be null for BYTES");
    } else {
      Objects.requireNonNull(data, "data cannot be null for " + type);
    }
  }

  public static Tensor ofBuffer(String name, DataType type, long[] shape, ByteBuffer data) {
    return new Tensor(name, type, shape, data.order(ByteOrder.LITTLE_ENDIAN), null);
  }

  public static Tensor ofStrings(String name, long[] shape, String[] strings) {
    return new Tensor(name, DataType.BYTES, shape, null, strings);
  }

  /** Number of elements the shape describes. */
  public long elementCount() {
    return Shapes.elementCount(shape);
  }

  @Override
  public String toString() {
    return "Tensor[" + name + ", " + type + ", " + Arrays.toString(shape) + "]";
  }
}
