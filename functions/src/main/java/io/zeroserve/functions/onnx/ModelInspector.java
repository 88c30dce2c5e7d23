package io.zeroserve.functions.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.codec.DecodeLimits;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an ONNX file's protobuf structure as a stream, skipping tensor payloads, to refuse models
 * that ONNX Runtime would load but a shared host must not: tensors whose data lives in external
 * files (a path outside the store) and operators from custom domains (native code the host does not
 * ship), graph inputs and outputs whose fixed dimensions declare a tensor beyond the node's request
 * limits (no request could fill them; an output would be allocated at that size), and initializers or
 * constants whose dims declare more bytes than the whole file holds (a self-contained tensor carries
 * its data, so such a tensor is malformed, and its dims are what a runtime would allocate by). Field numbers are
 * those of onnx.proto. Never holds more than one field header in memory, so a 1 GB model costs no
 * heap. Immutable and thread-safe.
 */
public final class ModelInspector {

  private final long maxTensorElements;
  private final long maxTensorBytes;

  /** An inspector with the default tensor limits of {@link DecodeLimits}. */
  public ModelInspector() {
    this(DecodeLimits.DEFAULT_MAX_ELEMENTS_PER_TENSOR, DecodeLimits.DEFAULT_MAX_BYTES_PER_TENSOR);
  }

  /**
   * @param maxTensorElements most elements a model may declare for one tensor
   * @param maxTensorBytes most bytes a model may declare for one tensor (elements x element size)
   */
  public ModelInspector(long maxTensorElements, long maxTensorBytes) {
    if (maxTensorElements < 1) {
      throw new IllegalArgumentException("maxTensorElements must be >= 1, was: " + maxTensorElements);
    }
    if (maxTensorBytes < 1) {
      throw new IllegalArgumentException("maxTensorBytes must be >= 1, was: " + maxTensorBytes);
    }
    this.maxTensorElements = maxTensorElements;
    this.maxTensorBytes = maxTensorBytes;
  }

  /** Operator domains ONNX Runtime implements itself. */
  public static final Set<String> BUILT_IN_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft");

  // ModelProto
  private static final int MODEL_IR_VERSION = 1;
  private static final int MODEL_GRAPH = 7;
  private static final int MODEL_OPSET_IMPORT = 8;
  private static final int MODEL_FUNCTIONS = 25;
  // GraphProto
  private static final int GRAPH_NODE = 1;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int GRAPH_SPARSE_INITIALIZER = 15;
  private static final int GRAPH_INPUT = 11;
  private static final int GRAPH_OUTPUT = 12;
  // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
  private static final int VALUE_INFO_NAME = 1;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR = 1;
  private static final int TYPE_SPARSE_TENSOR = 8;
  private static final int TENSOR_TYPE_ELEM_TYPE = 1;
  private static final int TENSOR_TYPE_SHAPE = 2;
  private static final int SHAPE_DIM = 1;
  private static final int DIM_VALUE = 1;
  // NodeProto
  private static final int NODE_ATTRIBUTE = 5;
  private static final int NODE_DOMAIN = 7;
  // AttributeProto
  private static final int ATTRIBUTE_T = 5;
  private static final int ATTRIBUTE_G = 6;
  private static final int ATTRIBUTE_TENSORS = 10;
  private static final int ATTRIBUTE_GRAPHS = 11;
  private static final int ATTRIBUTE_SPARSE_TENSOR = 22;
  private static final int ATTRIBUTE_SPARSE_TENSORS = 23;
  // TensorProto
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int TENSOR_DATA_LOCATION = 14;
  private static final int DATA_LOCATION_EXTERNAL = 1;
  // SparseTensorProto
  private static final int SPARSE_VALUES = 1;
  private static final int SPARSE_INDICES = 2;
  // OperatorSetIdProto and FunctionProto
  private static final int OPSET_DOMAIN = 1;
  private static final int FUNCTION_DOMAIN = 10;
  private static final int FUNCTION_NODE = 5;

  /** What the scan found. */
  public record Findings(long irVersion, Set<String> domains) {}

  /**
   * Scans a model file.
   *
   * @throws FunctionException BAD_REQUEST when the file is not an ONNX model, is truncated, or uses
   *     external data or a custom operator domain
   */
  public Findings inspect(Path model) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(model), 1 << 16)) {
      Scan scan = new Scan(maxTensorElements, maxTensorBytes, Files.size(model));
      CodedInputStream cis = CodedInputStream.newInstance(in);
      cis.setSizeLimit(Integer.MAX_VALUE);
      cis.setRecursionLimit(200);
      scan.model(cis);
      if (!scan.sawGraph || scan.irVersion <= 0) {
        throw FunctionException.badRequest("the upload is not an ONNX model: it has no "
            + (scan.sawGraph ? "ir_version" : "graph"));
      }
      Set<String> custom = new TreeSet<>(scan.domains);
      custom.removeAll(BUILT_IN_DOMAINS);
      custom.removeAll(scan.localFunctionDomains);
      if (!custom.isEmpty()) {
        throw FunctionException.badRequest("the model uses operators from custom domains " + custom
            + "; only the built-in domains " + new TreeSet<>(BUILT_IN_DOMAINS) + " are allowed");
      }
      return new Findings(scan.irVersion, Set.copyOf(scan.domains));
    } catch (FunctionException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // InvalidProtocolBufferException (truncated, malformed) is an IOException.
      throw FunctionException.badRequest("the upload is not a valid ONNX model (truncated or corrupt protobuf: "
          + e.getMessage() + ")");
    }
  }

  private static final class Scan {
    final long maxElements;
    final long maxBytes;
    final long fileBytes;
    long irVersion;
    boolean sawGraph;
    final Set<String> domains = new HashSet<>();
    final Set<String> localFunctionDomains = new HashSet<>();

    Scan(long maxElements, long maxBytes, long fileBytes) {
      this.maxElements = maxElements;
      this.maxBytes = maxBytes;
      this.fileBytes = fileBytes;
    }

    void model(CodedInputStream in) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == MODEL_IR_VERSION && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
          irVersion = in.readInt64();
        } else if (field == MODEL_GRAPH && isMessage(tag)) {
          sawGraph = true;
          nested(in, this::graph);
        } else if (field == MODEL_OPSET_IMPORT && isMessage(tag)) {
          nested(in, this::opset);
        } else if (field == MODEL_FUNCTIONS && isMessage(tag)) {
          nested(in, this::function);
        } else {
          in.skipField(tag);
        }
      }
    }

    void graph(CodedInputStream in) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == GRAPH_NODE && isMessage(tag)) {
          nested(in, this::node);
        } else if (field == GRAPH_INITIALIZER && isMessage(tag)) {
          nested(in, this::tensor);
        } else if (field == GRAPH_SPARSE_INITIALIZER && isMessage(tag)) {
          nested(in, this::sparseTensor);
        } else if ((field == GRAPH_INPUT || field == GRAPH_OUTPUT) && isMessage(tag)) {
          nested(in, this::valueInfo);
        } else {
          in.skipField(tag);
        }
      }
    }

    void node(CodedInputStream in) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == NODE_DOMAIN && isMessage(tag)) {
          domains.add(in.readStringRequireUtf8());
        } else if (field == NODE_ATTRIBUTE && isMessage(tag)) {
          nested(in, this::attribute);
        } else {
          in.skipField(tag);
        }
      }
    }

    void attribute(CodedInputStream in) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if ((field == ATTRIBUTE_T || field == ATTRIBUTE_TENSORS) && isMessage(tag)) {
          nested(in, this::tensor);
        } else if ((field == ATTRIBUTE_G || field == ATTRIBUTE_GRAPHS) && isMessage(tag)) {
          nested(in, this::graph); // subgraphs of If, Loop, Scan
        } else if ((field == ATTRIBUTE_SPARSE_TENSOR || field == ATTRIBUTE_SPARSE_TENSORS) && isMessage(tag)) {
          nested(in, this::sparseTensor);
        } else {
          in.skipField(tag);
        }
      }
    }

    void tensor(CodedInputStream in) throws IOException {
      List<Long> dims = new ArrayList<>();
      int dataType = 0;
      String name = "";
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == TENSOR_DIMS && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
          dims.add(in.readInt64());
        } else if (field == TENSOR_DIMS && isMessage(tag)) { // packed
          int old = in.pushLimit(in.readRawVarint32());
          while (in.getBytesUntilLimit() > 0) {
            dims.add(in.readInt64());
          }
          in.popLimit(old);
        } else if (field == TENSOR_DATA_TYPE && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
          dataType = in.readInt32();
        } else if (field == TENSOR_NAME && isMessage(tag)) {
          name = in.readStringRequireUtf8();
        } else if (field == TENSOR_DATA_LOCATION && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
          if (in.readEnum() == DATA_LOCATION_EXTERNAL) {
            throw externalData();
          }
        } else if (field == TENSOR_EXTERNAL_DATA && isMessage(tag)) {
          throw externalData();
        } else {
          in.skipField(tag); // raw_data and friends: skipped without being copied
        }
      }
      for (long d : dims) {
        if (d < 0) {
          throw FunctionException.badRequest("the model's tensor '" + name + "' has a negative dimension " + dims);
        }
      }
      long bytes = bytes(dims, dataType);
      if (bytes > fileBytes) {
        throw FunctionException.badRequest("the model's tensor '" + name + "' declares dimensions " + dims + ", "
            + (bytes == Long.MAX_VALUE ? "more bytes than a long counts" : bytes + " bytes")
            + ", more than the whole file (" + fileBytes + " bytes) holds");
      }
    }

    void valueInfo(CodedInputStream in) throws IOException {
      String[] name = {""};
      List<Long> dims = new ArrayList<>();
      int[] elemType = {0};
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == VALUE_INFO_NAME && isMessage(tag)) {
          name[0] = in.readStringRequireUtf8();
        } else if (field == VALUE_INFO_TYPE && isMessage(tag)) {
          nested(in, type -> typeProto(type, dims, elemType));
        } else {
          in.skipField(tag);
        }
      }
      checkSize("input or output", name[0], dims, elemType[0]);
    }

    /** Reads a TypeProto's tensor element type and fixed dimensions; other types (sequences, maps) are left be. */
    private void typeProto(CodedInputStream in, List<Long> dims, int[] elemType) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if ((field == TYPE_TENSOR || field == TYPE_SPARSE_TENSOR) && isMessage(tag)) {
          nested(in, tensorType -> {
            int t;
            while ((t = tensorType.readTag()) != 0) {
              int f = WireFormat.getTagFieldNumber(t);
              if (f == TENSOR_TYPE_ELEM_TYPE && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_VARINT) {
                elemType[0] = tensorType.readInt32();
              } else if (f == TENSOR_TYPE_SHAPE && isMessage(t)) {
                nested(tensorType, shape -> shape(shape, dims));
              } else {
                tensorType.skipField(t);
              }
            }
          });
        } else {
          in.skipField(tag);
        }
      }
    }

    private void shape(CodedInputStream in, List<Long> dims) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (WireFormat.getTagFieldNumber(tag) == SHAPE_DIM && isMessage(tag)) {
          nested(in, dim -> {
            int t;
            while ((t = dim.readTag()) != 0) {
              if (WireFormat.getTagFieldNumber(t) == DIM_VALUE && WireFormat.getTagWireType(t) == WireFormat.WIRETYPE_VARINT) {
                long value = dim.readInt64();
                if (value > 0) {
                  dims.add(value); // 0 and negative: unknown at load; requests are checked when they come
                }
              } else {
                dim.skipField(t); // dim_param: symbolic, decided per request
              }
            }
          });
        } else {
          in.skipField(tag);
        }
      }
    }

    /** Refuses a tensor whose declared element count or byte size is beyond the limits, overflow included. */
    private void checkSize(String what, String name, List<Long> dims, int dataType) {
      long elements = elements(dims);
      if (elements > maxElements) {
        throw FunctionException.badRequest("the model declares " + what + " '" + name + "' with dimensions " + dims
            + ", more than " + maxElements + " elements (--max-tensor-elements)");
      }
      long bytes = bytes(dims, dataType);
      if (bytes > maxBytes) {
        throw FunctionException.badRequest("the model declares " + what + " '" + name + "' with dimensions " + dims
            + ", " + bytes + " bytes, more than " + maxBytes + " (--max-tensor-size)");
      }
    }

    void sparseTensor(CodedInputStream in) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if ((field == SPARSE_VALUES || field == SPARSE_INDICES) && isMessage(tag)) {
          nested(in, this::tensor);
        } else {
          in.skipField(tag);
        }
      }
    }

    void opset(CodedInputStream in) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        if (WireFormat.getTagFieldNumber(tag) == OPSET_DOMAIN && isMessage(tag)) {
          domains.add(in.readStringRequireUtf8());
        } else {
          in.skipField(tag);
        }
      }
    }

    void function(CodedInputStream in) throws IOException {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == FUNCTION_DOMAIN && isMessage(tag)) {
          localFunctionDomains.add(in.readStringRequireUtf8());
        } else if (field == FUNCTION_NODE && isMessage(tag)) {
          nested(in, this::node);
        } else {
          in.skipField(tag);
        }
      }
    }

    /** Nesting bound: hostile models can nest subgraphs deeply enough to overflow the stack. */
    private static final int MAX_DEPTH = 64;
    private int depth;

    private void nested(CodedInputStream in, Reader reader) throws IOException {
      int length = in.readRawVarint32();
      if (length < 0) {
        throw new IOException("negative length");
      }
      if (++depth > MAX_DEPTH) {
        throw FunctionException.badRequest("the model nests messages deeper than " + MAX_DEPTH + " levels");
      }
      int old = in.pushLimit(length);
      reader.read(in);
      in.checkLastTagWas(0);
      in.popLimit(old);
      depth--;
    }

    private static FunctionException externalData() {
      return FunctionException.badRequest("the model references tensor data in external files; "
          + "upload a self-contained model (all weights inside the .onnx file)");
    }
  }

  /** The product of the dims; {@link Long#MAX_VALUE} when it overflows. */
  static long elements(List<Long> dims) {
    long elements = 1;
    try {
      for (long d : dims) {
        elements = Math.multiplyExact(elements, d);
      }
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
    return elements;
  }

  /** Elements x element size; {@link Long#MAX_VALUE} when it overflows. */
  static long bytes(List<Long> dims, int dataType) {
    long elements = elements(dims);
    return elements > Long.MAX_VALUE / 16 ? Long.MAX_VALUE : elements * elementSize(dataType);
  }

  /** Bytes per element of an ONNX TensorProto.DataType; 1 for strings and types this scan does not size. */
  static int elementSize(int dataType) {
    return switch (dataType) {
      case 4, 5, 10, 16 -> 2; // UINT16, INT16, FLOAT16, BFLOAT16
      case 1, 6, 12 -> 4; // FLOAT, INT32, UINT32
      case 7, 11, 13, 14 -> 8; // INT64, DOUBLE, UINT64, COMPLEX64
      case 15 -> 16; // COMPLEX128
      default -> 1;
    };
  }

  private interface Reader {
    void read(CodedInputStream in) throws IOException;
  }

  private static boolean isMessage(int tag) {
    return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }
}
