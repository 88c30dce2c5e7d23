package io.zeroserve.functions;

import java.util.Locale;

/**
 * The Open Inference Protocol tensor datatypes, with what ONNX Runtime Java can carry.
 * Fixed-size types travel as little-endian bytes in direct buffers; {@link #BYTES} travels as
 * strings (ONNX {@code tensor(string)}).
 */
public enum DataType {
  BOOL(1, 9, true),
  UINT8(1, 2, true),
  UINT16(2, 4, false),
  UINT32(4, 12, false),
  UINT64(8, 13, false),
  INT8(1, 3, true),
  INT16(2, 5, true),
  INT32(4, 6, true),
  INT64(8, 7, true),
  FP16(2, 10, true),
  BF16(2, 16, true),
  FP32(4, 1, true),
  FP64(8, 11, true),
  /** Variable-length elements; ONNX strings. Size 0: not fixed. */
  BYTES(0, 8, true);

  private final int byteSize;
  private final int onnxElementType;
  private final boolean supportedByRuntime;

  DataType(int byteSize, int onnxElementType, boolean supportedByRuntime) {
    this.byteSize = byteSize;
    this.onnxElementType = onnxElementType;
    this.supportedByRuntime = supportedByRuntime;
  }

  /** Bytes per element, 0 for {@link #BYTES}. */
  public int byteSize() {
    return byteSize;
  }

  /** The ONNX {@code TensorProto.DataType} number. */
  public int onnxElementType() {
    return onnxElementType;
  }

  /** Whether ONNX Runtime's Java API can create and read tensors of this type. */
  public boolean supportedByRuntime() {
    return supportedByRuntime;
  }

  public boolean isFixedSize() {
    return byteSize > 0;
  }

  /** The V2 name, e.g. {@code FP32}. */
  public String v2Name() {
    return name();
  }

  /**
   * Parses a V2 datatype name.
   *
   * @throws FunctionException BAD_REQUEST naming the value when it is not a V2 datatype
   */
  public static DataType fromV2(String name) {
    if (name != null) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException ignored) {
        // fall through to the error below
      }
    }
    throw FunctionException.badRequest("datatype must be one of BOOL, UINT8, UINT16, UINT32, UINT64, "
        + "INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64, BYTES, was: " + name);
  }

  /** The datatype for an ONNX {@code TensorProto.DataType} number, or null when V2 has none. */
  public static DataType fromOnnx(int onnxElementType) {
    for (DataType t : values()) {
      if (t.onnxElementType == onnxElementType) {
        return t;
      }
    }
    return null;
  }
}
