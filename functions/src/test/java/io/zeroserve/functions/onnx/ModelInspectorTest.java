package io.zeroserve.functions.onnx;

import static io.zeroserve.functions.onnx.ProtoBytes.ATTRIBUTE_G;
import static io.zeroserve.functions.onnx.ProtoBytes.ATTRIBUTE_GRAPHS;
import static io.zeroserve.functions.onnx.ProtoBytes.ATTRIBUTE_T;
import static io.zeroserve.functions.onnx.ProtoBytes.FUNCTION_DOMAIN;
import static io.zeroserve.functions.onnx.ProtoBytes.FUNCTION_NODE;
import static io.zeroserve.functions.onnx.ProtoBytes.GRAPH_INITIALIZER;
import static io.zeroserve.functions.onnx.ProtoBytes.GRAPH_NODE;
import static io.zeroserve.functions.onnx.ProtoBytes.GRAPH_SPARSE_INITIALIZER;
import static io.zeroserve.functions.onnx.ProtoBytes.MODEL_FUNCTIONS;
import static io.zeroserve.functions.onnx.ProtoBytes.MODEL_GRAPH;
import static io.zeroserve.functions.onnx.ProtoBytes.MODEL_IR_VERSION;
import static io.zeroserve.functions.onnx.ProtoBytes.NODE_ATTRIBUTE;
import static io.zeroserve.functions.onnx.ProtoBytes.SPARSE_VALUES;
import static io.zeroserve.functions.onnx.ProtoBytes.TENSOR_DATA_LOCATION;
import static io.zeroserve.functions.onnx.ProtoBytes.TENSOR_DATA_TYPE;
import static io.zeroserve.functions.onnx.ProtoBytes.TENSOR_DIMS;
import static io.zeroserve.functions.onnx.ProtoBytes.TENSOR_NAME;
import static io.zeroserve.functions.onnx.ProtoBytes.TENSOR_RAW_DATA;
import static io.zeroserve.functions.onnx.ProtoBytes.concat;
import static io.zeroserve.functions.onnx.ProtoBytes.field;
import static io.zeroserve.functions.onnx.ProtoBytes.graphWithNode;
import static io.zeroserve.functions.onnx.ProtoBytes.node;
import static io.zeroserve.functions.onnx.ProtoBytes.string;
import static io.zeroserve.functions.onnx.ProtoBytes.subgraphAttribute;
import static io.zeroserve.functions.onnx.ProtoBytes.varint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.WireFormat;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.examples.OnnxWriter;
import io.zeroserve.functions.TestModels;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelInspectorTest {

  private static final String EXTERNAL = "the model references tensor data in external files; "
      + "upload a self-contained model (all weights inside the .onnx file)";

  private final ModelInspector inspector = new ModelInspector();

  @TempDir
  Path dir;

  private ModelInspector.Findings inspect(byte[] model) {
    return inspector.inspect(TestModels.write(dir.resolve("model-" + System.nanoTime() + ".onnx"), model));
  }

  private FunctionException refused(byte[] model) {
    FunctionException e = assertThrows(FunctionException.class, () -> inspect(model));
    assertEquals(Reason.BAD_REQUEST, e.reason(), e.getMessage());
    return e;
  }

  static Stream<Arguments> exampleModels() {
    return Stream.of(
        Arguments.of("iris-mlp", TestModels.IRIS),
        Arguments.of("multi-io", TestModels.MULTI_IO),
        Arguments.of("heavy-mlp", TestModels.heavy()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exampleModels")
  void exampleModel_isAccepted(String name, byte[] model) {
    ModelInspector.Findings findings = inspect(model);
    assertEquals(8, findings.irVersion());
    assertEquals(Set.of(""), findings.domains());
  }

  @Test
  void externalData_isRefusedWithAClearMessage() {
    assertEquals(EXTERNAL, refused(TestModels.EXTERNAL_DATA).getMessage());
  }

  @Test
  void customOperatorDomain_isRefusedNamingTheDomain() {
    assertEquals("the model uses operators from custom domains [com.example.custom]; only the built-in domains "
        + "[, ai.onnx, ai.onnx.ml, com.microsoft] are allowed", refused(TestModels.CUSTOM_DOMAIN).getMessage());
  }

  @Test
  void randomBytes_areRefused() {
    Random random = new Random(7);
    for (int i = 0; i < 50; i++) {
      byte[] junk = new byte[1 + random.nextInt(4096)];
      random.nextBytes(junk);
      refused(junk);
    }
  }

  @Test
  void emptyFile_isRefusedAsNotAModel() {
    assertEquals("the upload is not an ONNX model: it has no graph", refused(new byte[0]).getMessage());
  }

  @Test
  void text_isRefusedAsNotAModel() {
    assertTrue(refused("{\"not\": \"a model\"}\n".getBytes()).getMessage().startsWith("the upload is not"));
  }

  @Test
  void truncatedModel_isRefusedAsTruncatedOrCorrupt() {
    String message = refused(TestModels.truncatedIris()).getMessage();
    assertTrue(message.startsWith("the upload is not a valid ONNX model (truncated or corrupt protobuf: "), message);
  }

  @Test
  void prefixesOfAModel_areEitherAcceptedOrBadRequest_neverAnotherFailure() {
    byte[] model = TestModels.MULTI_IO;
    Path file = dir.resolve("prefix.onnx");
    for (int n = 0; n < model.length; n += n < 64 ? 1 : 5) {
      try {
        inspector.inspect(TestModels.write(file, Arrays.copyOf(model, n)));
      } catch (FunctionException e) {
        assertEquals(Reason.BAD_REQUEST, e.reason(), "prefix of " + n + " bytes: " + e.getMessage());
      }
    }
  }

  @Test
  void singleByteCorruptions_areEitherAcceptedOrBadRequest_neverAnotherFailure() {
    byte[] model = TestModels.IRIS;
    Path file = dir.resolve("corrupt.onnx");
    int[] masks = {0x01, 0x80, 0xFF};
    for (int i = 0; i < model.length; i += 3) {
      int mask = masks[(i / 3) % masks.length];
      byte[] bad = model.clone();
      bad[i] ^= (byte) mask;
      try {
        inspector.inspect(TestModels.write(file, bad));
      } catch (FunctionException e) {
        assertEquals(Reason.BAD_REQUEST, e.reason(), "byte " + i + " ^ " + mask + ": " + e.getMessage());
      }
    }
  }

  @Test
  void graphWithoutIrVersion_isRefused() {
    assertEquals("the upload is not an ONNX model: it has no ir_version",
        refused(field(MODEL_GRAPH, new byte[0])).getMessage());
  }

  @Test
  void deeplyNestedSubgraphs_areRefused() {
    byte[] graph = new byte[0];
    for (int level = 0; level < 40; level++) {
      graph = field(GRAPH_NODE, node("If", "", subgraphAttribute(ATTRIBUTE_G, graph)));
    }
    byte[] model = concat(varint(MODEL_IR_VERSION, 8), field(MODEL_GRAPH, graph));
    assertEquals("the model nests messages deeper than 64 levels", refused(model).getMessage());
  }

  @Test
  void subgraphsNestedWithinTheLimit_areScanned() {
    byte[] graph = new byte[0];
    for (int level = 0; level < 15; level++) {
      graph = field(GRAPH_NODE, node("If", "", subgraphAttribute(ATTRIBUTE_G, graph)));
    }
    assertEquals(Set.of(""), inspect(concat(varint(MODEL_IR_VERSION, 8), field(MODEL_GRAPH, graph))).domains());
  }

  @Test
  void deeplyNestedUnknownGroups_areRefused_notAStackOverflow() {
    // Unknown fields are skipped by protobuf itself; nested groups in them recurse there.
    byte[] groups = ProtoBytes.message(out -> {
      for (int i = 0; i < 200_000; i++) {
        out.writeTag(99, WireFormat.WIRETYPE_START_GROUP);
      }
      for (int i = 0; i < 200_000; i++) {
        out.writeTag(99, WireFormat.WIRETYPE_END_GROUP);
      }
    });
    String message = refused(concat(TestModels.IRIS, groups)).getMessage();
    assertTrue(message.startsWith("the upload is not a valid ONNX model (truncated or corrupt protobuf: "), message);
  }

  @Test
  void customDomainInASubgraph_isRefused() {
    byte[] inner = field(GRAPH_NODE, node("Frobnicate", "com.evil"));
    byte[] extra = graphWithNode(node("If", "", subgraphAttribute(ATTRIBUTE_G, inner)));
    assertTrue(refused(concat(TestModels.IRIS, extra)).getMessage().contains("[com.evil]"));
  }

  @Test
  void customDomainInALoopBodyListedUnderGraphs_isRefused() {
    byte[] inner = field(GRAPH_NODE, node("Frobnicate", "com.evil"));
    byte[] extra = graphWithNode(node("Loop", "", subgraphAttribute(ATTRIBUTE_GRAPHS, inner)));
    assertTrue(refused(concat(TestModels.IRIS, extra)).getMessage().contains("[com.evil]"));
  }

  @Test
  void customDomainInAModelLocalFunctionBody_isRefused() {
    byte[] function = concat(string(FUNCTION_DOMAIN, "com.example.local"),
        field(FUNCTION_NODE, node("Frobnicate", "com.evil")));
    assertTrue(refused(concat(TestModels.IRIS, field(MODEL_FUNCTIONS, function))).getMessage()
        .contains("[com.evil]"));
  }

  @Test
  void domainOfAModelLocalFunction_isAllowed() {
    byte[] function = concat(string(FUNCTION_DOMAIN, "com.example.local"), field(FUNCTION_NODE, node("Relu", "")));
    byte[] caller = graphWithNode(node("MyOp", "com.example.local"));
    ModelInspector.Findings findings = inspect(concat(TestModels.IRIS, field(MODEL_FUNCTIONS, function), caller));
    assertTrue(findings.domains().contains("com.example.local"));
  }

  @Test
  void builtInDomains_areAllowed() {
    byte[] extra = concat(graphWithNode(node("FusedMatMul", "com.microsoft")),
        graphWithNode(node("LinearClassifier", "ai.onnx.ml")), graphWithNode(node("Relu", "ai.onnx")));
    assertEquals(Set.of("", "com.microsoft", "ai.onnx.ml", "ai.onnx"), inspect(concat(TestModels.IRIS, extra)).domains());
  }

  @Test
  void externalDataInAnInitializer_isRefused() {
    byte[] extra = field(MODEL_GRAPH, field(GRAPH_INITIALIZER, ProtoBytes.externalTensor()));
    assertEquals(EXTERNAL, refused(concat(TestModels.IRIS, extra)).getMessage());
  }

  @Test
  void externalDataInANodeAttributeTensor_isRefused() {
    byte[] extra = graphWithNode(concat(string(ProtoBytes.NODE_OP_TYPE, "Constant"),
        field(NODE_ATTRIBUTE, field(ATTRIBUTE_T, ProtoBytes.externalTensor()))));
    assertEquals(EXTERNAL, refused(concat(TestModels.IRIS, extra)).getMessage());
  }

  @Test
  void externalDataInASparseInitializer_isRefused() {
    byte[] extra = field(MODEL_GRAPH, field(GRAPH_SPARSE_INITIALIZER, field(SPARSE_VALUES, ProtoBytes.externalTensor())));
    assertEquals(EXTERNAL, refused(concat(TestModels.IRIS, extra)).getMessage());
  }

  @Test
  void externalDataInASubgraphInitializer_isRefused() {
    byte[] inner = field(GRAPH_INITIALIZER, ProtoBytes.externalTensor());
    byte[] extra = graphWithNode(node("If", "", subgraphAttribute(ATTRIBUTE_G, inner)));
    assertEquals(EXTERNAL, refused(concat(TestModels.IRIS, extra)).getMessage());
  }

  @Test
  void defaultDataLocationWrittenOut_isAllowed() {
    byte[] tensor = concat(string(TENSOR_NAME, "w"), varint(TENSOR_DATA_TYPE, 1), varint(TENSOR_DIMS, 1),
        field(TENSOR_RAW_DATA, new byte[4]), varint(TENSOR_DATA_LOCATION, 0));
    inspect(concat(TestModels.IRIS, field(MODEL_GRAPH, field(GRAPH_INITIALIZER, tensor))));
  }

  @Test
  void initializerLargerThanTheHeap_isScannedWithoutReadingItIn() throws IOException {
    // A 1.5 GB raw_data payload, more than the test JVM's -Xmx1g: scanning can only succeed if the
    // payload is skipped rather than read into memory. The file is sparse, so it costs no disk.
    long rawLength = 1_500_000_000L;
    byte[] tensorHead = concat(string(TENSOR_NAME, "w"), varint(TENSOR_DATA_TYPE, 1),
        varint(TENSOR_DIMS, rawLength / 4), tagAndLength(TENSOR_RAW_DATA, rawLength));
    long tensorLength = tensorHead.length + rawLength;
    byte[] graphHead = tagAndLength(GRAPH_INITIALIZER, tensorLength);
    long graphLength = graphHead.length + tensorLength;
    byte[] head = concat(varint(MODEL_IR_VERSION, 8), tagAndLength(MODEL_GRAPH, graphLength), graphHead, tensorHead);
    Path model = dir.resolve("huge.onnx");
    try (RandomAccessFile file = new RandomAccessFile(model.toFile(), "rw")) {
      file.write(head);
      file.setLength(head.length + rawLength);
    }
    ModelInspector.Findings findings = inspector.inspect(model);
    assertEquals(8, findings.irVersion());
  }

  @Test
  void inputWithFixedDimensionsBeyondTheElementLimit_isRefusedNamingItAndTheOption() {
    OnnxWriter model = new OnnxWriter("big_input")
        .input("x", OnnxWriter.DataType.FLOAT, 100_000, 100_000)
        .output("y", OnnxWriter.DataType.FLOAT, 100_000, 100_000);
    model.node("Relu").inputs("x").outputs("y");
    FunctionException e = refused(model.toByteArray());
    assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("--max-tensor-elements"), e.getMessage());
  }

  @Test
  void outputWithFixedDimensionsBeyondTheByteLimit_isRefused() {
    ModelInspector small = new ModelInspector(1_000_000, 1_000);
    OnnxWriter model = new OnnxWriter("big_output")
        .input("x", OnnxWriter.DataType.FLOAT, "batch", 4)
        .output("y", OnnxWriter.DataType.FLOAT, 1000, 4);
    model.node("Relu").inputs("x").outputs("y");
    Path file = TestModels.write(dir.resolve("big-output.onnx"), model.toByteArray());
    FunctionException e = assertThrows(FunctionException.class, () -> small.inspect(file));
    assertTrue(e.getMessage().contains("'y'") && e.getMessage().contains("--max-tensor-size"), e.getMessage());
  }

  @Test
  void dynamicDimensions_areLeftToTheRequestChecks() {
    ModelInspector tiny = new ModelInspector(8, 32);
    OnnxWriter model = new OnnxWriter("dynamic")
        .input("x", OnnxWriter.DataType.FLOAT, "batch", 4)
        .output("y", OnnxWriter.DataType.FLOAT, "batch", 4);
    model.node("Relu").inputs("x").outputs("y");
    tiny.inspect(TestModels.write(dir.resolve("dynamic.onnx"), model.toByteArray()));
  }

  @Test
  void initializerDeclaringMoreBytesThanTheFile_isRefused() {
    byte[] tensor = concat(string(TENSOR_NAME, "w"), varint(TENSOR_DATA_TYPE, 1), varint(TENSOR_DIMS, 1L << 40),
        field(TENSOR_RAW_DATA, new byte[16]));
    FunctionException e = refused(concat(TestModels.IRIS, field(MODEL_GRAPH, field(GRAPH_INITIALIZER, tensor))));
    assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("whole file"), e.getMessage());
  }

  @Test
  void initializerWhoseDimensionsOverflowALong_isRefused() {
    byte[] tensor = concat(string(TENSOR_NAME, "w"), varint(TENSOR_DATA_TYPE, 1), varint(TENSOR_DIMS, 1L << 62),
        varint(TENSOR_DIMS, 1L << 62), field(TENSOR_RAW_DATA, new byte[16]));
    refused(concat(TestModels.IRIS, field(MODEL_GRAPH, field(GRAPH_INITIALIZER, tensor))));
  }

  @Test
  void initializerWithANegativeDimension_isRefused() {
    byte[] tensor = concat(string(TENSOR_NAME, "w"), varint(TENSOR_DATA_TYPE, 1), varint(TENSOR_DIMS, -4),
        field(TENSOR_RAW_DATA, new byte[16]));
    FunctionException e = refused(concat(TestModels.IRIS, field(MODEL_GRAPH, field(GRAPH_INITIALIZER, tensor))));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  private static byte[] tagAndLength(int field, long length) {
    return ProtoBytes.message(out -> {
      out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag((int) length);
    });
  }

  @Test
  void missingFile_isBadRequest() {
    FunctionException e = assertThrows(FunctionException.class, () -> inspector.inspect(dir.resolve("nope.onnx")));
    assertEquals(Reason.BAD_REQUEST, e.reason());
  }
}
