package io.zeroserve.functions.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.zeroserve.functions.FunctionException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an ONNX file's protobuf structure as a stream, skipping tensor payloads, to refuse models
 * that ONNX Runtime would load but a shared host must not: tensors whose data lives in external
 * files (a path outside the store) and operators from custom domains (native code the host does not
 * ship). Field numbers are those of onnx.proto. Never holds more than one field header in memory, so
 * a 1 GB model costs no heap. Stateless and thread-safe.
 */
public final class ModelInspector {

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
      Scan scan = new Scan();
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
    long irVersion;
    boolean sawGraph;
    final Set<String> domains = new HashSet<>();
    final Set<String> localFunctionDomains = new HashSet<>();

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
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == TENSOR_DATA_LOCATION && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
          if (in.readEnum() == DATA_LOCATION_EXTERNAL) {
            throw externalData();
          }
        } else if (field == TENSOR_EXTERNAL_DATA && isMessage(tag)) {
          throw externalData();
        } else {
          in.skipField(tag); // raw_data and friends: skipped without being copied
        }
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

  private interface Reader {
    void read(CodedInputStream in) throws IOException;
  }

  private static boolean isMessage(int tag) {
    return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }
}
