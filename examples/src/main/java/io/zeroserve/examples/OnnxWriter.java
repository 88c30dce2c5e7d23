package io.zeroserve.examples;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds one ONNX model ({@code ModelProto} bytes) from code: graph inputs and outputs, initializers
 * and nodes. It writes the protobuf wire format with {@link CodedOutputStream} and the field numbers
 * of {@code onnx/onnx.proto}, so neither protoc nor generated classes are needed.
 *
 * <p>The model declares IR version {@value #IR_VERSION} and imports the default domain at opset
 * {@value #DEFAULT_OPSET}. Initializers are stored as little-endian {@code raw_data}. The writer checks
 * the wire format, not the graph: a misspelt operator still makes a well-formed file that ONNX Runtime
 * rejects at load.
 *
 * <p>Not thread-safe; use one instance per model.
 */
public final class OnnxWriter {

    /** ONNX IR version written to {@code ModelProto.ir_version}. */
    public static final long IR_VERSION = 8;
    /** Opset version of the default domain ({@code ""}) unless {@link #opset} changes it. */
    public static final long DEFAULT_OPSET = 17;

    /** Tensor element types, with their {@code TensorProto.DataType} codes. */
    public enum DataType {
        FLOAT(1), UINT8(2), INT8(3), UINT16(4), INT16(5), INT32(6), INT64(7), STRING(8), BOOL(9),
        FLOAT16(10), DOUBLE(11), UINT32(12), UINT64(13);

        /** The {@code TensorProto.DataType} enum value. */
        public final int code;

        DataType(int code) {
            this.code = code;
        }
    }

    // onnx.proto field numbers, grouped by message.
    private static final int MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8;
    private static final int GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5,
            NODE_DOMAIN = 7;
    private static final int ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_S = 4, ATTR_FLOATS = 7, ATTR_INTS = 8,
            ATTR_TYPE = 20;
    private static final int ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_STRING = 3, ATTR_TYPE_FLOATS = 6,
            ATTR_TYPE_INTS = 7;
    private static final int TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9,
            TENSOR_EXTERNAL_DATA = 13, TENSOR_DATA_LOCATION = 14;
    private static final int DATA_LOCATION_EXTERNAL = 1;
    private static final int VALUE_INFO_NAME = 1, VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR_TYPE = 1, TENSOR_TYPE_ELEM_TYPE = 1, TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2;
    private static final int OPSET_DOMAIN = 1, OPSET_VERSION = 2;
    private static final int ENTRY_KEY = 1, ENTRY_VALUE = 2;

    private final String graphName;
    private final Map<String, Long> opsets = new LinkedHashMap<>();
    private final List<ByteString> inputs = new ArrayList<>();
    private final List<ByteString> outputs = new ArrayList<>();
    private final List<ByteString> initializers = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    /** Starts a model whose graph is called {@code graphName}. */
    public OnnxWriter(String graphName) {
        this.graphName = Objects.requireNonNull(graphName, "graphName cannot be null");
        opsets.put("", DEFAULT_OPSET);
    }

    /** Imports {@code domain} at {@code version}; {@code ""} is the default ONNX domain. */
    public OnnxWriter opset(String domain, long version) {
        opsets.put(Objects.requireNonNull(domain, "domain cannot be null"), version);
        return this;
    }

    /**
     * Declares a graph input. Each dim is an {@link Integer} or {@link Long} for a fixed size, or a
     * {@link String} for a symbolic one such as {@code "batch"}; no dims means a scalar.
     */
    public OnnxWriter input(String name, DataType type, Object... dims) {
        inputs.add(valueInfo(name, type, dims));
        return this;
    }

    /** Declares a graph output; dims as for {@link #input}. */
    public OnnxWriter output(String name, DataType type, Object... dims) {
        outputs.add(valueInfo(name, type, dims));
        return this;
    }

    /** Adds a FLOAT initializer of shape {@code dims} (row-major). */
    public OnnxWriter initializer(String name, float[] values, long... dims) {
        ByteBuffer raw = littleEndian(4 * values.length);
        raw.asFloatBuffer().put(values);
        return initializer(name, DataType.FLOAT, raw.array(), values.length, dims);
    }

    /** Adds an INT64 initializer of shape {@code dims} (row-major). */
    public OnnxWriter initializer(String name, long[] values, long... dims) {
        ByteBuffer raw = littleEndian(8 * values.length);
        raw.asLongBuffer().put(values);
        return initializer(name, DataType.INT64, raw.array(), values.length, dims);
    }

    /** Adds an INT32 initializer of shape {@code dims} (row-major). */
    public OnnxWriter initializer(String name, int[] values, long... dims) {
        ByteBuffer raw = littleEndian(4 * values.length);
        raw.asIntBuffer().put(values);
        return initializer(name, DataType.INT32, raw.array(), values.length, dims);
    }

    /**
     * Adds an initializer whose data lives outside the model ({@code data_location = EXTERNAL}):
     * {@code length} bytes from byte {@code offset} of {@code location}, a path relative to the model
     * file. The file itself is not written.
     */
    public OnnxWriter externalInitializer(String name, DataType type, String location, long offset, long length,
                                          long... dims) {
        initializers.add(message(out -> {
            tensorHeader(out, name, type, dims);
            for (String[] entry : new String[][] {
                    {"location", location}, {"offset", Long.toString(offset)}, {"length", Long.toString(length)}}) {
                out.writeBytes(TENSOR_EXTERNAL_DATA, message(e -> {
                    e.writeString(ENTRY_KEY, entry[0]);
                    e.writeString(ENTRY_VALUE, entry[1]);
                }));
            }
            out.writeInt32(TENSOR_DATA_LOCATION, DATA_LOCATION_EXTERNAL);
        }));
        return this;
    }

    /** Adds a node of the default domain; set its inputs, outputs and attributes on the returned {@link Node}. */
    public Node node(String opType) {
        Node node = new Node(opType, opType + "_" + nodes.size());
        nodes.add(node);
        return node;
    }

    /** Serializes the model as {@code ModelProto} bytes, ready for an {@code .onnx} file. */
    public byte[] toByteArray() {
        ByteString graph = message(out -> {
            for (Node node : nodes) {
                out.writeBytes(GRAPH_NODE, node.toByteString());
            }
            out.writeString(GRAPH_NAME, graphName);
            for (ByteString tensor : initializers) {
                out.writeBytes(GRAPH_INITIALIZER, tensor);
            }
            for (ByteString input : inputs) {
                out.writeBytes(GRAPH_INPUT, input);
            }
            for (ByteString output : outputs) {
                out.writeBytes(GRAPH_OUTPUT, output);
            }
        });
        return message(out -> {
            out.writeInt64(MODEL_IR_VERSION, IR_VERSION);
            out.writeString(MODEL_PRODUCER_NAME, "zeroserve-examples");
            out.writeBytes(MODEL_GRAPH, graph);
            for (Map.Entry<String, Long> opset : opsets.entrySet()) {
                out.writeBytes(MODEL_OPSET_IMPORT, message(o -> {
                    o.writeString(OPSET_DOMAIN, opset.getKey());
                    o.writeInt64(OPSET_VERSION, opset.getValue());
                }));
            }
        }).toByteArray();
    }

    /** One graph node under construction; its setters return {@code this} for chaining. */
    public static final class Node {
        private final String opType;
        private String name;
        private String domain = "";
        private final List<String> inputs = new ArrayList<>();
        private final List<String> outputs = new ArrayList<>();
        private final List<ByteString> attributes = new ArrayList<>();

        private Node(String opType, String name) {
            this.opType = Objects.requireNonNull(opType, "opType cannot be null");
            this.name = name;
        }

        /** Appends input names; {@code ""} marks an omitted optional input. */
        public Node inputs(String... names) {
            inputs.addAll(List.of(names));
            return this;
        }

        /** Appends output names. */
        public Node outputs(String... names) {
            outputs.addAll(List.of(names));
            return this;
        }

        /** Replaces the generated node name ({@code <opType>_<index>}). */
        public Node name(String name) {
            this.name = Objects.requireNonNull(name, "name cannot be null");
            return this;
        }

        /** Sets the operator domain; the model must import it with {@link OnnxWriter#opset}. */
        public Node domain(String domain) {
            this.domain = Objects.requireNonNull(domain, "domain cannot be null");
            return this;
        }

        /** Adds an INT attribute; an {@code int} argument lands here, not on the float overload. */
        public Node attr(String name, long value) {
            return attribute(name, ATTR_TYPE_INT, out -> out.writeInt64(ATTR_I, value));
        }

        /** Adds a FLOAT attribute. */
        public Node attr(String name, float value) {
            return attribute(name, ATTR_TYPE_FLOAT, out -> out.writeFloat(ATTR_F, value));
        }

        /** Adds a STRING attribute (UTF-8). */
        public Node attr(String name, String value) {
            return attribute(name, ATTR_TYPE_STRING, out -> out.writeString(ATTR_S, value));
        }

        /** Adds an INTS attribute. */
        public Node ints(String name, long... values) {
            return attribute(name, ATTR_TYPE_INTS, out -> {
                for (long value : values) {
                    out.writeInt64(ATTR_INTS, value);
                }
            });
        }

        /** Adds a FLOATS attribute. */
        public Node floats(String name, float... values) {
            return attribute(name, ATTR_TYPE_FLOATS, out -> {
                for (float value : values) {
                    out.writeFloat(ATTR_FLOATS, value);
                }
            });
        }

        private Node attribute(String name, int type, Body value) {
            attributes.add(message(out -> {
                out.writeString(ATTR_NAME, name);
                value.writeTo(out);
                out.writeInt32(ATTR_TYPE, type);
            }));
            return this;
        }

        private ByteString toByteString() {
            return message(out -> {
                for (String input : inputs) {
                    out.writeString(NODE_INPUT, input);
                }
                for (String output : outputs) {
                    out.writeString(NODE_OUTPUT, output);
                }
                out.writeString(NODE_NAME, name);
                out.writeString(NODE_OP_TYPE, opType);
                for (ByteString attribute : attributes) {
                    out.writeBytes(NODE_ATTRIBUTE, attribute);
                }
                if (!domain.isEmpty()) {
                    out.writeString(NODE_DOMAIN, domain);
                }
            });
        }
    }

    private OnnxWriter initializer(String name, DataType type, byte[] raw, int count, long[] dims) {
        long expected = 1;
        for (long dim : dims) {
            expected *= dim;
        }
        if (expected != count) {
            throw new IllegalArgumentException(
                    "initializer " + name + " has " + count + " values but its dims hold " + expected);
        }
        initializers.add(message(out -> {
            tensorHeader(out, name, type, dims);
            out.writeBytes(TENSOR_RAW_DATA, ByteString.copyFrom(raw));
        }));
        return this;
    }

    private static void tensorHeader(CodedOutputStream out, String name, DataType type, long[] dims)
            throws IOException {
        // onnx.proto is proto2, so repeated scalars are written unpacked, as protoc would.
        for (long dim : dims) {
            out.writeInt64(TENSOR_DIMS, dim);
        }
        out.writeInt32(TENSOR_DATA_TYPE, type.code);
        out.writeString(TENSOR_NAME, name);
    }

    private static ByteString valueInfo(String name, DataType type, Object[] dims) {
        Objects.requireNonNull(name, "name cannot be null");
        ByteString shape = message(out -> {
            for (Object dim : dims) {
                out.writeBytes(SHAPE_DIM, message(d -> {
                    if (dim instanceof Integer || dim instanceof Long) {
                        d.writeInt64(DIM_VALUE, ((Number) dim).longValue());
                    } else if (dim instanceof String param) {
                        d.writeString(DIM_PARAM, param);
                    } else {
                        throw new IllegalArgumentException(
                                "dims of " + name + " must be Integer, Long or String, was: " + dim);
                    }
                }));
            }
        });
        ByteString tensorType = message(out -> {
            out.writeInt32(TENSOR_TYPE_ELEM_TYPE, type.code);
            out.writeBytes(TENSOR_TYPE_SHAPE, shape);
        });
        return message(out -> {
            out.writeString(VALUE_INFO_NAME, name);
            out.writeBytes(VALUE_INFO_TYPE, message(t -> t.writeBytes(TYPE_TENSOR_TYPE, tensorType)));
        });
    }

    private static ByteBuffer littleEndian(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes the fields of one message. */
    @FunctionalInterface
    private interface Body {
        void writeTo(CodedOutputStream out) throws IOException;
    }

    /** Encodes one message, so that a parent can write it as a length-delimited field. */
    private static ByteString message(Body body) {
        ByteString.Output bytes = ByteString.newOutput();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.writeTo(out);
            out.flush();
        } catch (IOException e) {
            // ByteString.Output is in memory and never throws.
            throw new UncheckedIOException(e);
        }
        return bytes.toByteString();
    }
}
