package io.zeroserve.functions.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import io.zeroserve.functions.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSessionTest {

  private static final long[] BATCH = {3};

  @TempDir
  static Path dir;

  private static ModelSession multiIo;
  private static ModelSession iris;

  @BeforeAll
  static void open() {
    multiIo = ModelSession.open(TestModels.write(dir.resolve("multi-io.onnx"), TestModels.MULTI_IO), SessionSettings.CPU);
    iris = ModelSession.open(TestModels.write(dir.resolve("iris.onnx"), TestModels.IRIS), SessionSettings.CPU);
  }

  @AfterAll
  static void close() {
    multiIo.close();
    iris.close();
  }

  // ---- little-endian direct buffers, positioned at 0 with limit = size, as the codecs hand them over

  private static ByteBuffer direct(int bytes, Consumer<ByteBuffer> fill) {
    ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    fill.accept(b);
    return b.flip();
  }

  private static Tensor fp32(String name, long[] shape, float... v) {
    return Tensor.ofBuffer(name, DataType.FP32, shape, direct(4 * v.length, b -> {
      for (float x : v) {
        b.putFloat(x);
      }
    }));
  }

  private static Tensor fp64(String name, long[] shape, double... v) {
    return Tensor.ofBuffer(name, DataType.FP64, shape, direct(8 * v.length, b -> {
      for (double x : v) {
        b.putDouble(x);
      }
    }));
  }

  private static Tensor int64(String name, long[] shape, long... v) {
    return Tensor.ofBuffer(name, DataType.INT64, shape, direct(8 * v.length, b -> {
      for (long x : v) {
        b.putLong(x);
      }
    }));
  }

  private static Tensor int32(String name, long[] shape, int... v) {
    return Tensor.ofBuffer(name, DataType.INT32, shape, direct(4 * v.length, b -> {
      for (int x : v) {
        b.putInt(x);
      }
    }));
  }

  private static Tensor shorts(String name, DataType type, long[] shape, int... v) {
    return Tensor.ofBuffer(name, type, shape, direct(2 * v.length, b -> {
      for (int x : v) {
        b.putShort((short) x);
      }
    }));
  }

  private static Tensor bytes(String name, DataType type, long[] shape, int... v) {
    return Tensor.ofBuffer(name, type, shape, direct(v.length, b -> {
      for (int x : v) {
        b.put((byte) x);
      }
    }));
  }

  /** One batch of three for every multi-io input; see ExampleModels.multiIo(). */
  private static Map<String, Tensor> multiIoInputs() {
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("x", fp32("x", new long[] {3, 4}, 1, 2, 3, 4, 0.5f, 0.25f, 0, -1, -1, -2, -3, 10));
    in.put("ids", int64("ids", BATCH, 1, -7, 1L << 40));
    in.put("mask", bytes("mask", DataType.BOOL, BATCH, 1, 0, 1));
    in.put("names", Tensor.ofStrings("names", BATCH, new String[] {"a", "", "zürich ✓"}));
    in.put("d", fp64("d", new long[] {3, 2}, 1.5, -2, 0, 1e300, -0.1, 3));
    in.put("small", int32("small", BATCH, 0, -1, Integer.MAX_VALUE - 1));
    in.put("bytes8", bytes("bytes8", DataType.UINT8, BATCH, 0, 127, 255));
    in.put("i8", bytes("i8", DataType.INT8, BATCH, 1, -5, -128));
    in.put("i16", shorts("i16", DataType.INT16, BATCH, -32768, 0, 32767));
    // Half-precision bits of 1.5, -2, 0.25, 3, 0.5, 1.
    in.put("h", shorts("h", DataType.FP16, new long[] {3, 2}, 0x3E00, 0xC000, 0x3400, 0x4200, 0x3800, 0x3C00));
    return in;
  }

  private static byte[] content(Tensor t) {
    ByteBuffer b = t.data().duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** Asserts an output's name, type, shape and exact little-endian bytes. */
  private static void assertOutput(Tensor expected, Tensor actual) {
    assertEquals(expected.name(), actual.name());
    assertEquals(expected.type(), actual.type(), expected.name());
    assertArrayEquals(expected.shape(), actual.shape(), expected.name());
    if (expected.type() == DataType.BYTES) {
      assertArrayEquals(expected.strings(), actual.strings(), expected.name());
    } else {
      assertEquals(0, actual.data().position(), expected.name());
      assertEquals(ByteOrder.LITTLE_ENDIAN, actual.data().order(), expected.name());
      assertArrayEquals(content(expected), content(actual), expected.name());
    }
  }

  private static FunctionException badRequest(Runnable call) {
    FunctionException e = assertThrows(FunctionException.class, call::run);
    assertEquals(Reason.BAD_REQUEST, e.reason(), e.getMessage());
    return e;
  }

  // ---- signatures

  private static List<String> describe(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::toString).toList();
  }

  @Test
  void irisSignature_namesTypesAndDynamicBatch() {
    Signature s = iris.signature();
    assertEquals(List.of("input:FP32[-1, 4]"), describe(s.inputs()));
    assertEquals(List.of("probabilities:FP32[-1, 3]", "label:INT64[-1]"), describe(s.outputs()));
    assertTrue(s.input("input").orElseThrow().hasDynamicBatch());
  }

  @Test
  void multiIoSignature_listsEveryInputAndOutputInModelOrder() {
    Signature s = multiIo.signature();
    assertEquals(List.of("x:FP32[-1, 4]", "ids:INT64[-1]", "mask:BOOL[-1]", "names:BYTES[-1]", "d:FP64[-1, 2]",
        "small:INT32[-1]", "bytes8:UINT8[-1]", "i8:INT8[-1]", "i16:INT16[-1]", "h:FP16[-1, 2]"), describe(s.inputs()));
    assertEquals(List.of("x_sum:FP32[-1]", "ids_times_two:INT64[-1]", "mask_not:BOOL[-1]", "names_out:BYTES[-1]",
        "d_neg:FP64[-1, 2]", "small_plus_one:INT32[-1]", "bytes8_out:UINT8[-1]", "i8_out:INT8[-1]",
        "i16_out:INT16[-1]", "h_double:FP16[-1, 2]"), describe(s.outputs()));
  }

  @Test
  void heavyMlpSignature() {
    try (ModelSession heavy = ModelSession.open(TestModels.write(dir.resolve("heavy.onnx"), TestModels.heavy()),
        SessionSettings.CPU)) {
      assertEquals(List.of("input:FP32[-1, 256]"), describe(heavy.signature().inputs()));
      assertEquals(List.of("output:FP32[-1, 16]"), describe(heavy.signature().outputs()));
    }
  }

  // ---- running

  @Test
  void multiIo_returnsExactValuesForEveryDatatype() {
    List<Tensor> out = multiIo.run(multiIoInputs(), List.of());

    assertEquals(10, out.size());
    assertOutput(fp32("x_sum", BATCH, 10, -0.25f, 4), out.get(0));
    assertOutput(int64("ids_times_two", BATCH, 2, -14, 1L << 41), out.get(1));
    assertOutput(bytes("mask_not", DataType.BOOL, BATCH, 0, 1, 0), out.get(2));
    assertOutput(Tensor.ofStrings("names_out", BATCH, new String[] {"a", "", "zürich ✓"}), out.get(3));
    assertOutput(fp64("d_neg", new long[] {3, 2}, -1.5, 2, -0.0, -1e300, 0.1, -3), out.get(4));
    assertOutput(int32("small_plus_one", BATCH, 1, 0, Integer.MAX_VALUE), out.get(5));
    assertOutput(bytes("bytes8_out", DataType.UINT8, BATCH, 0, 127, 255), out.get(6));
    assertOutput(bytes("i8_out", DataType.INT8, BATCH, -1, 5, -128), out.get(7)); // -(-128) wraps
    assertOutput(shorts("i16_out", DataType.INT16, BATCH, -32768, 0, 32767), out.get(8));
    // Doubled: 3, -4, 0.5, 6, 1, 2.
    assertOutput(shorts("h_double", DataType.FP16, new long[] {3, 2}, 0x4200, 0xC400, 0x3800, 0x4600, 0x3C00, 0x4000),
        out.get(9));
  }

  @Test
  void outputs_areAFreshCopy_thatOutlivesTheRun() {
    Tensor first = multiIo.run(multiIoInputs(), List.of("x_sum")).get(0);
    multiIo.run(multiIoInputs(), List.of("x_sum"));
    assertOutput(fp32("x_sum", BATCH, 10, -0.25f, 4), first);
  }

  @Test
  void heapBuffers_work_asWellAsDirectOnes() {
    Map<String, Tensor> in = multiIoInputs();
    ByteBuffer heap = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
    heap.put(in.get("x").data().duplicate()).flip();
    in.put("x", Tensor.ofBuffer("x", DataType.FP32, new long[] {3, 4}, heap));
    assertOutput(fp32("x_sum", BATCH, 10, -0.25f, 4), multiIo.run(in, List.of("x_sum")).get(0));
  }

  @Test
  void askedOutputs_comeBackInTheOrderAsked() {
    List<Tensor> out = multiIo.run(multiIoInputs(), List.of("h_double", "x_sum", "names_out"));
    assertEquals(List.of("h_double", "x_sum", "names_out"), out.stream().map(Tensor::name).toList());
    assertOutput(fp32("x_sum", BATCH, 10, -0.25f, 4), out.get(1));
    assertArrayEquals(new String[] {"a", "", "zürich ✓"}, out.get(2).strings());
  }

  @Test
  void iris_classifiesTwoKnownSamples() {
    Map<String, Tensor> in = Map.of("input", fp32("input", new long[] {2, 4}, 5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f));
    List<Tensor> out = iris.run(in, List.of());
    assertOutput(int64("label", new long[] {2}, 0, 2), out.get(1));
    ByteBuffer p = out.get(0).data();
    assertArrayEquals(new long[] {2, 3}, out.get(0).shape());
    for (int row = 0; row < 2; row++) {
      float sum = p.getFloat(row * 12) + p.getFloat(row * 12 + 4) + p.getFloat(row * 12 + 8);
      assertEquals(1.0f, sum, 1e-5f);
    }
  }

  @Test
  void batchOfOne_runs() {
    Map<String, Tensor> in = Map.of("input", fp32("input", new long[] {1, 4}, 5.1f, 3.5f, 1.4f, 0.2f));
    assertOutput(int64("label", new long[] {1}, 0), iris.run(in, List.of("label")).get(0));
  }

  @Test
  void concurrentRuns_onOneSession_eachGetTheirOwnAnswer() throws Exception {
    float[][] samples = {{5.1f, 3.5f, 1.4f, 0.2f}, {6.7f, 3.0f, 5.2f, 2.3f}};
    long[] labels = {0, 2};
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        float[] sample = samples[i % 2];
        results.add(pool.submit(() -> iris.run(Map.of("input", fp32("input", new long[] {1, 4}, sample)),
            List.of("label")).get(0).data().getLong(0)));
      }
      for (int i = 0; i < results.size(); i++) {
        assertEquals(labels[i % 2], results.get(i).get(30, TimeUnit.SECONDS), "run " + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- refusals

  @Test
  void inputOfAShapeTheModelRefuses_isBadRequest() {
    Map<String, Tensor> in = Map.of("input", fp32("input", new long[] {2, 2}, 1, 2, 3, 4));
    String message = badRequest(() -> iris.run(in, List.of())).getMessage();
    assertTrue(message.startsWith("the model rejected the inputs: "), message);
    assertTrue(!message.contains("\n"), "one line: " + message);
  }

  @Test
  void missingInput_isBadRequest() {
    Map<String, Tensor> in = multiIoInputs();
    in.remove("h");
    badRequest(() -> multiIo.run(in, List.of()));
  }

  @Test
  void unknownInput_isBadRequest() {
    Map<String, Tensor> in = Map.of("input", fp32("input", new long[] {1, 4}, 1, 2, 3, 4),
        "extra", fp32("extra", new long[] {1}, 1));
    badRequest(() -> iris.run(in, List.of()));
  }

  @Test
  void inputOfTheWrongDatatype_isBadRequest() {
    Map<String, Tensor> in = multiIoInputs();
    in.put("ids", int32("ids", BATCH, 1, 2, 3));
    badRequest(() -> multiIo.run(in, List.of()));
  }

  @Test
  void bufferShorterThanItsShape_isBadRequest() {
    Map<String, Tensor> in = Map.of("input", fp32("input", new long[] {2, 4}, 1, 2, 3, 4));
    badRequest(() -> iris.run(in, List.of()));
  }

  @Test
  void stringsFewerThanTheShape_isBadRequest() {
    Map<String, Tensor> in = multiIoInputs();
    in.put("names", Tensor.ofStrings("names", BATCH, new String[] {"a"}));
    badRequest(() -> multiIo.run(in, List.of()));
  }

  @Test
  void unknownOutputName_isBadRequest() {
    badRequest(() -> multiIo.run(multiIoInputs(), List.of("x_sum", "nope")));
  }

  @Test
  void datatypeTheJavaApiCannotCarry_isBadRequest() {
    Map<String, Tensor> in = multiIoInputs();
    in.put("i16", shorts("i16", DataType.UINT16, BATCH, 1, 2, 3));
    String message = badRequest(() -> multiIo.run(in, List.of())).getMessage();
    assertTrue(message.contains("UINT16"), message);
  }

  @Test
  void sessionStillWorks_afterARefusedRun() {
    badRequest(() -> iris.run(Map.of("input", fp32("input", new long[] {1, 3}, 1, 2, 3)), List.of()));
    Map<String, Tensor> in = Map.of("input", fp32("input", new long[] {1, 4}, 6.7f, 3.0f, 5.2f, 2.3f));
    assertOutput(int64("label", new long[] {1}, 2), iris.run(in, List.of("label")).get(0));
  }

  // ---- opening

  @Test
  void openOfANonModel_isBadRequest() {
    Path junk = TestModels.write(dir.resolve("junk.onnx"), "definitely not a model".getBytes());
    String message = badRequest(() -> ModelSession.open(junk, SessionSettings.CPU)).getMessage();
    assertTrue(message.startsWith("ONNX Runtime cannot load the model: "), message);
    assertTrue(!message.contains("\n"), "one line: " + message);
  }

  @Test
  void openOfAnEmptyOrTruncatedFile_isBadRequest() {
    Path empty = TestModels.write(dir.resolve("empty.onnx"), new byte[0]);
    badRequest(() -> ModelSession.open(empty, SessionSettings.CPU));
    Path truncated = TestModels.write(dir.resolve("truncated.onnx"), TestModels.truncatedIris());
    badRequest(() -> ModelSession.open(truncated, SessionSettings.CPU));
  }

  @Test
  void openOfAModelWithAnUnknownCustomOperator_isBadRequest() {
    Path custom = TestModels.write(dir.resolve("custom.onnx"), TestModels.CUSTOM_DOMAIN);
    badRequest(() -> ModelSession.open(custom, SessionSettings.CPU));
  }

  @Test
  void openOfAMissingFile_isBadRequest() {
    badRequest(() -> ModelSession.open(dir.resolve("missing.onnx"), SessionSettings.CPU));
  }

  @Test
  void sessionSettings_refuseFewerThanOneThread() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SessionSettings(0, -1));
    assertEquals("intraOpThreads must be >= 1, was: 0", e.getMessage());
  }
}
