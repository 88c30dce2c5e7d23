package io.zeroserve.functions.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Hand-written protobuf wire bytes for shaping ONNX structures that the example writer cannot make.
 * Concatenating two encodings of one message merges them (repeated fields append), so a piece
 * appended to a whole model adds nodes, initializers or functions to it.
 */
final class ProtoBytes {

  private ProtoBytes() {}

  interface Body {
    void write(CodedOutputStream out) throws IOException;
  }

  static byte[] message(Body body) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      body.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One length-delimited field holding {@code payload}. */
  static byte[] field(int number, byte[] payload) {
    return message(out -> out.writeByteArray(number, payload));
  }

  static byte[] varint(int number, long value) {
    return message(out -> out.writeInt64(number, value));
  }

  static byte[] string(int number, String value) {
    return message(out -> out.writeString(number, value));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  // onnx.proto field numbers used by the tests.
  static final int MODEL_IR_VERSION = 1;
  static final int MODEL_GRAPH = 7;
  static final int MODEL_OPSET_IMPORT = 8;
  static final int MODEL_FUNCTIONS = 25;
  static final int GRAPH_NODE = 1;
  static final int GRAPH_INITIALIZER = 5;
  static final int GRAPH_SPARSE_INITIALIZER = 15;
  static final int NODE_OP_TYPE = 4;
  static final int NODE_ATTRIBUTE = 5;
  static final int NODE_DOMAIN = 7;
  static final int ATTRIBUTE_T = 5;
  static final int ATTRIBUTE_G = 6;
  static final int ATTRIBUTE_GRAPHS = 11;
  static final int TENSOR_DIMS = 1;
  static final int TENSOR_DATA_TYPE = 2;
  static final int TENSOR_NAME = 8;
  static final int TENSOR_RAW_DATA = 9;
  static final int TENSOR_EXTERNAL_DATA = 13;
  static final int TENSOR_DATA_LOCATION = 14;
  static final int SPARSE_VALUES = 1;
  static final int FUNCTION_NODE = 5;
  static final int FUNCTION_DOMAIN = 10;

  static byte[] graphWithNode(byte[] node) {
    return field(MODEL_GRAPH, field(GRAPH_NODE, node));
  }

  static byte[] node(String opType, String domain, byte[]... attributes) {
    return concat(string(NODE_OP_TYPE, opType), string(NODE_DOMAIN, domain), concat(attributes));
  }

  static byte[] subgraphAttribute(int field, byte[] graph) {
    return field(NODE_ATTRIBUTE, field(field, graph));
  }

  static byte[] externalTensor() {
    return concat(string(TENSOR_NAME, "w"), varint(TENSOR_DATA_TYPE, 1), varint(TENSOR_DIMS, 4),
        field(TENSOR_EXTERNAL_DATA, concat(string(1, "location"), string(2, "/etc/passwd"))),
        varint(TENSOR_DATA_LOCATION, 1));
  }
}
