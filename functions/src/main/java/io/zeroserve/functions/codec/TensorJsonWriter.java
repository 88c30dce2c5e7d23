package io.zeroserve.functions.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.Shapes;
import io.zeroserve.functions.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes tensor elements as JSON values, flat (V2) or nested like the shape (plain). Stateless. */
final class TensorJsonWriter {

  private TensorJsonWriter() {}

  /** Element count of an output, checked against what its buffer holds. */
  static int elementCount(Tensor t) {
    long n = Shapes.elementCount(t.shape());
    long have = t.type() == DataType.BYTES ? t.strings().length : t.data().limit() / t.type().byteSize();
    if (n > have) {
      // A runtime or batching bug, not the client's: say so loudly.
      throw new IllegalStateException("output '" + t.name() + "' has shape " + Shapes.format(t.shape()) + " (" + n
          + " elements) but holds " + have);
    }
    return (int) n;
  }

  /** A little-endian view that leaves the tensor's own position and order alone. */
  static ByteBuffer view(Tensor t) {
    return t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Writes elements [0, n) as a flat JSON array. */
  static void writeFlat(JsonGenerator g, Tensor t, ByteBuffer data, int n) throws IOException {
    g.writeStartArray();
    switch (t.type()) {
      // The hot types get their own loops; the rest share the per-element switch.
      case FP32 -> {
        for (int i = 0; i < n; i++) {
          writeFloat(g, data.getFloat(i << 2));
        }
      }
      case FP64 -> {
        for (int i = 0; i < n; i++) {
          writeDouble(g, data.getDouble(i << 3));
        }
      }
      case INT64 -> {
        for (int i = 0; i < n; i++) {
          g.writeNumber(data.getLong(i << 3));
        }
      }
      default -> {
        for (int i = 0; i < n; i++) {
          writeElement(g, t, data, i);
        }
      }
    }
    g.writeEndArray();
  }

  /** Writes the tensor as arrays nested like its shape; a 0-d tensor is a bare value. */
  static void writeNested(JsonGenerator g, Tensor t) throws IOException {
    elementCount(t);
    ByteBuffer data = t.type() == DataType.BYTES ? null : view(t);
    long[] shape = t.shape();
    if (shape.length == 0) {
      writeElement(g, t, data, 0);
    } else {
      writeDimension(g, t, data, shape, 0, 0);
    }
  }

  private static int writeDimension(JsonGenerator g, Tensor t, ByteBuffer data, long[] shape, int dim, int flat)
      throws IOException {
    g.writeStartArray();
    if (dim == shape.length - 1) {
      for (long j = 0; j < shape[dim]; j++) {
        writeElement(g, t, data, flat++);
      }
    } else {
      for (long j = 0; j < shape[dim]; j++) {
        flat = writeDimension(g, t, data, shape, dim + 1, flat);
      }
    }
    g.writeEndArray();
    return flat;
  }

  static void writeElement(JsonGenerator g, Tensor t, ByteBuffer data, int i) throws IOException {
    switch (t.type()) {
      case BOOL -> g.writeBoolean(data.get(i) != 0);
      case UINT8 -> g.writeNumber(data.get(i) & 0xFF);
      case INT8 -> g.writeNumber(data.get(i));
      case UINT16 -> g.writeNumber(data.getShort(i << 1) & 0xFFFF);
      case INT16 -> g.writeNumber(data.getShort(i << 1));
      case UINT32 -> g.writeNumber(data.getInt(i << 2) & 0xFFFF_FFFFL);
      case INT32 -> g.writeNumber(data.getInt(i << 2));
      case UINT64 -> {
        long v = data.getLong(i << 3);
        if (v >= 0) {
          g.writeNumber(v);
        } else {
          g.writeNumber(Long.toUnsignedString(v));
        }
      }
      case INT64 -> g.writeNumber(data.getLong(i << 3));
      case FP16 -> writeFloat(g, HalfFloats.halfToFloat(data.getShort(i << 1)));
      case BF16 -> writeFloat(g, HalfFloats.bfloat16ToFloat(data.getShort(i << 1)));
      case FP32 -> writeFloat(g, data.getFloat(i << 2));
      case FP64 -> writeDouble(g, data.getDouble(i << 3));
      case BYTES -> g.writeString(t.strings()[i]);
      default -> throw new IllegalStateException("unhandled datatype " + t.type());
    }
  }

  // JSON has no NaN or infinity; V2 clients read these strings back.
  private static void writeFloat(JsonGenerator g, float v) throws IOException {
    if (Float.isFinite(v)) {
      g.writeNumber(v);
    } else {
      g.writeString(nonFinite(v));
    }
  }

  private static void writeDouble(JsonGenerator g, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumber(v);
    } else {
      g.writeString(nonFinite(v));
    }
  }

  private static String nonFinite(double v) {
    return Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  }
}
