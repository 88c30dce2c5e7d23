package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.ExampleModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every datatype of multi-io, a batch of 3, through V2 JSON, V2 binary, a mix of both, and the plain
 * invoke: each output value must come back exactly (bit for bit, -0.0 included), and every mode must
 * give the same values.
 *
 * <p>Values are compared in a canonical form: FP32 and FP16 as {@link Float}, FP64 as {@link Double}
 * (whose {@code equals} compares bits), integers as {@link Long}, BOOL as {@link Boolean}, BYTES as
 * {@link String}.
 */
class DatatypeRoundTripTest {

  private static final String FUNCTION = "multi-io";

  /** A tensor: V2 datatype, shape and canonical values. */
  record T(String name, String datatype, long[] shape, List<Object> values) {}

  private static final List<T> INPUTS = List.of(
      new T("x", "FP32", new long[] {3, 4}, List.of(1f, 2f, 3f, 4f, 0.5f, 0.25f, 0f, -1f, -1f, -2f, -3f, 10f)),
      new T("ids", "INT64", new long[] {3}, List.of(1L, -7L, 1L << 40)),
      new T("mask", "BOOL", new long[] {3}, List.of(true, false, true)),
      new T("names", "BYTES", new long[] {3}, List.of("a", "", "zürich ✓")),
      new T("d", "FP64", new long[] {3, 2}, List.of(1.5, -2.0, 0.0, 1e300, -0.1, 3.0)),
      new T("small", "INT32", new long[] {3}, List.of(0L, -1L, (long) Integer.MAX_VALUE - 1)),
      new T("bytes8", "UINT8", new long[] {3}, List.of(0L, 127L, 255L)),
      new T("i8", "INT8", new long[] {3}, List.of(1L, -128L, 127L)),
      new T("i16", "INT16", new long[] {3}, List.of(-32768L, 0L, 32767L)),
      new T("h", "FP16", new long[] {3, 2}, List.of(1.5f, -2f, 0.25f, 3f, 0.5f, 1f)));

  /** What multi-io computes from {@link #INPUTS}, in the model's output order. */
  private static final List<T> OUTPUTS = List.of(
      new T("x_sum", "FP32", new long[] {3}, List.of(10f, -0.25f, 4f)),
      new T("ids_times_two", "INT64", new long[] {3}, List.of(2L, -14L, 1L << 41)),
      new T("mask_not", "BOOL", new long[] {3}, List.of(false, true, false)),
      new T("names_out", "BYTES", new long[] {3}, List.of("a", "", "zürich ✓")),
      new T("d_neg", "FP64", new long[] {3, 2}, List.of(-1.5, 2.0, -0.0, -1e300, 0.1, -3.0)),
      new T("small_plus_one", "INT32", new long[] {3}, List.of(1L, 0L, (long) Integer.MAX_VALUE)),
      new T("bytes8_out", "UINT8", new long[] {3}, List.of(0L, 127L, 255L)),
      // Neg wraps for -128.
      new T("i8_out", "INT8", new long[] {3}, List.of(-1L, -128L, -127L)),
      new T("i16_out", "INT16", new long[] {3}, List.of(-32768L, 0L, 32767L)),
      new T("h_double", "FP16", new long[] {3, 2}, List.of(3f, -4f, 0.5f, 6f, 1f, 2f)));

  /** FP16 bits of h_double's expected values, as they must arrive in binary. */
  private static final short[] H_DOUBLE_BITS = {0x4200, (short) 0xC400, 0x3800, 0x4600, 0x3C00, 0x4000};

  @TempDir
  static Path dataDir;
  private static NodeFixture node;

  @BeforeAll
  static void startNode() {
    node = NodeFixture.start(dataDir);
    node.deploy(FUNCTION, ExampleModels.multiIo());
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  // ---- the modes -------------------------------------------------------------------------------

  @Test
  void v2Json_returnsEveryDatatypeExactly() {
    V2Binary.Response response = V2Binary.parse(node.infer(FUNCTION, jsonRequest()));
    assertTrue(response.binary().isEmpty(), "no binary outputs were asked for");
    assertOutputsExactly(OUTPUTS, decode(response));
    assertEquals("multi-io", response.json().getString("model_name"));
    assertEquals("1", response.json().getString("model_version"));
  }

  @Test
  void v2Binary_inputsAndOutputs_returnEveryDatatypeExactly() {
    V2Binary.Response response = V2Binary.parse(binaryInfer(name -> true, name -> true));
    assertEquals(names(OUTPUTS), List.copyOf(response.binary().keySet()), "every output came back binary");
    for (int i = 0; i < OUTPUTS.size(); i++) {
      assertFalse(response.json().getJsonArray("outputs").getJsonObject(i).containsKey("data"),
          "a binary output has no JSON data");
    }
    assertOutputsExactly(OUTPUTS, decode(response));
    ByteBuffer h = ByteBuffer.wrap(response.binary().get("h_double").getBytes()).order(ByteOrder.LITTLE_ENDIAN);
    short[] bits = new short[6];
    h.asShortBuffer().get(bits);
    assertArrayEquals(H_DOUBLE_BITS, bits, "FP16 bits of h_double");
  }

  @Test
  void v2Mixed_binaryAndJsonInputsAndOutputs_returnEveryDatatypeExactly() {
    Set<String> binaryInputs = Set.of("x", "mask", "d", "bytes8", "h", "names");
    Set<String> binaryOutputs = Set.of("ids_times_two", "names_out", "small_plus_one", "i16_out", "h_double");
    V2Binary.Response response = V2Binary.parse(binaryInfer(binaryInputs::contains, binaryOutputs::contains));
    assertEquals(binaryOutputs, response.binary().keySet());
    assertOutputsExactly(OUTPUTS, decode(response));
  }

  @Test
  void plainInvoke_returnsEveryDatatypeExactly_nestedLikeTheShape() {
    JsonObject body = new JsonObject();
    for (T in : INPUTS) {
      body.put(in.name(), nested(in));
    }
    JsonObject response = node.invoke(FUNCTION, body).expect(200);
    assertEquals(names(OUTPUTS), List.copyOf(response.fieldNames()), "outputs in the model's order");
    for (T out : OUTPUTS) {
      Object value = response.getValue(out.name());
      assertEquals(nested(out), value, "nesting of " + out.name());
      assertEquals(out.values(), canonical(out.datatype(), flatten(value)), "values of " + out.name());
    }
  }

  @Test
  void jsonBinaryMixedAndPlain_giveIdenticalResults() {
    Map<String, List<Object>> json = decode(V2Binary.parse(node.infer(FUNCTION, jsonRequest())));
    Map<String, List<Object>> binary = decode(V2Binary.parse(binaryInfer(name -> true, name -> true)));
    Map<String, List<Object>> mixed = decode(V2Binary.parse(binaryInfer(
        name -> name.length() % 2 == 0, name -> name.length() % 2 == 1)));
    JsonObject body = new JsonObject();
    INPUTS.forEach(in -> body.put(in.name(), nested(in)));
    JsonObject plainResponse = node.invoke(FUNCTION, body).expect(200);
    Map<String, List<Object>> plain = new LinkedHashMap<>();
    for (T out : OUTPUTS) {
      plain.put(out.name(), canonical(out.datatype(), flatten(plainResponse.getValue(out.name()))));
    }
    assertEquals(json, binary, "V2 JSON vs V2 binary");
    assertEquals(json, mixed, "V2 JSON vs V2 mixed");
    assertEquals(json, plain, "V2 JSON vs plain invoke");
  }

  // ---- request options -------------------------------------------------------------------------

  @Test
  void v2Response_echoesTheRequestId() {
    JsonObject request = jsonRequest().put("id", "req-42 ✓");
    JsonObject response = node.infer(FUNCTION, request).expect(200);
    assertEquals("req-42 ✓", response.getString("id"));

    V2Binary.Request binary = binaryRequest(name -> true, name -> true);
    JsonObject header = new JsonObject(binary.body().getBuffer(0, binary.headerLength())).put("id", "bin-7");
    V2Binary.Request withId = V2Binary.request(header, binary.body().getBuffer(binary.headerLength(),
        binary.body().length()));
    V2Binary.Response binaryResponse = V2Binary.parse(node.send(HttpMethod.POST, "/v2/models/" + FUNCTION + "/infer",
        withId.headers(), withId.body()));
    assertEquals("bin-7", binaryResponse.json().getString("id"));
  }

  @Test
  void v2Response_withoutId_hasNoId() {
    JsonObject response = node.infer(FUNCTION, jsonRequest()).expect(200);
    assertNull(response.getValue("id"));
  }

  @Test
  void v2Outputs_returnsOnlyTheAskedOutputs_inTheAskedOrder() {
    JsonObject request = jsonRequest().put("outputs", new JsonArray()
        .add(new JsonObject().put("name", "small_plus_one"))
        .add(new JsonObject().put("name", "h_double"))
        .add(new JsonObject().put("name", "x_sum")));
    V2Binary.Response response = V2Binary.parse(node.infer(FUNCTION, request));
    assertEquals(List.of("small_plus_one", "h_double", "x_sum"), outputNames(response.json()));
    Map<String, List<Object>> values = decode(response);
    assertEquals(output("small_plus_one").values(), values.get("small_plus_one"));
    assertEquals(output("h_double").values(), values.get("h_double"));
    assertEquals(output("x_sum").values(), values.get("x_sum"));
  }

  @Test
  void binaryDataOutputTrue_atRequestLevel_makesEveryOutputBinary() {
    JsonObject request = jsonRequest().put("parameters", new JsonObject().put("binary_data_output", true));
    V2Binary.Response response = V2Binary.parse(node.infer(FUNCTION, request));
    assertEquals(names(OUTPUTS), List.copyOf(response.binary().keySet()));
    assertOutputsExactly(OUTPUTS, decode(response));
  }

  @Test
  void binaryDataFalse_onOneOutput_overridesBinaryDataOutputTrue() {
    JsonObject request = jsonRequest()
        .put("parameters", new JsonObject().put("binary_data_output", true))
        .put("outputs", new JsonArray()
            .add(new JsonObject().put("name", "names_out").put("parameters", new JsonObject().put("binary_data", false)))
            .add(new JsonObject().put("name", "d_neg")));
    V2Binary.Response response = V2Binary.parse(node.infer(FUNCTION, request));
    assertEquals(List.of("names_out", "d_neg"), outputNames(response.json()));
    assertEquals(Set.of("d_neg"), response.binary().keySet(), "only the output not set to false is binary");
    Map<String, List<Object>> values = decode(response);
    assertEquals(output("names_out").values(), values.get("names_out"));
    assertEquals(output("d_neg").values(), values.get("d_neg"));
  }

  @Test
  void explicitVersionPath_servesThatVersion() {
    JsonObject response = node.inferVersion(FUNCTION, 1, jsonRequest()).expect(200);
    assertEquals("1", response.getString("model_version"));
    assertOutputsExactly(OUTPUTS, decode(new V2Binary.Response(response, Map.of())));
  }

  @Test
  void modelMetadata_listsEveryInputAndOutputWithItsDatatypeAndDynamicBatch() {
    JsonObject metadata = node.get("/v2/models/" + FUNCTION).expect(200);
    assertEquals(FUNCTION, metadata.getString("name"));
    assertEquals(new JsonArray().add("1"), metadata.getJsonArray("versions"));
    assertEquals("onnxruntime_onnx", metadata.getString("platform"));
    assertEquals(specs(INPUTS), metadata.getJsonArray("inputs"));
    assertEquals(specs(OUTPUTS), metadata.getJsonArray("outputs"));
  }

  // ---- building requests -----------------------------------------------------------------------

  private static JsonObject jsonRequest() {
    JsonArray inputs = new JsonArray();
    for (T in : INPUTS) {
      inputs.add(new JsonObject().put("name", in.name()).put("datatype", in.datatype()).put("shape", shape(in.shape()))
          .put("data", jsonValues(in)));
    }
    return new JsonObject().put("inputs", inputs);
  }

  private static NodeFixture.Reply binaryInfer(Predicate<String> binaryInput, Predicate<String> binaryOutput) {
    V2Binary.Request request = binaryRequest(binaryInput, binaryOutput);
    return node.send(HttpMethod.POST, "/v2/models/" + FUNCTION + "/infer", request.headers(), request.body());
  }

  /** Inputs named by {@code binaryInput} travel as binary; every output is listed, binary as asked. */
  private static V2Binary.Request binaryRequest(Predicate<String> binaryInput, Predicate<String> binaryOutput) {
    JsonArray inputs = new JsonArray();
    List<Buffer> parts = new ArrayList<>();
    for (T in : INPUTS) {
      JsonObject json = new JsonObject().put("name", in.name()).put("datatype", in.datatype())
          .put("shape", shape(in.shape()));
      if (binaryInput.test(in.name())) {
        Buffer data = binaryValues(in);
        json.put("parameters", new JsonObject().put("binary_data_size", data.length()));
        parts.add(data);
      } else {
        json.put("data", jsonValues(in));
      }
      inputs.add(json);
    }
    JsonArray outputs = new JsonArray();
    for (T out : OUTPUTS) {
      outputs.add(new JsonObject().put("name", out.name())
          .put("parameters", new JsonObject().put("binary_data", binaryOutput.test(out.name()))));
    }
    JsonObject header = new JsonObject().put("inputs", inputs).put("outputs", outputs);
    return V2Binary.request(header, parts.toArray(Buffer[]::new));
  }

  private static JsonArray jsonValues(T t) {
    JsonArray data = new JsonArray();
    t.values().forEach(data::add);
    return data;
  }

  /** The values as arrays nested like the shape, for the plain invoke. */
  private static Object nested(T t) {
    return nest(t.values(), t.shape(), 0, new int[] {0});
  }

  private static Object nest(List<Object> values, long[] shape, int dim, int[] next) {
    JsonArray array = new JsonArray();
    for (long i = 0; i < shape[dim]; i++) {
      if (dim == shape.length - 1) {
        array.add(values.get(next[0]++));
      } else {
        array.add(nest(values, shape, dim + 1, next));
      }
    }
    return array;
  }

  private static Buffer binaryValues(T t) {
    Buffer b = Buffer.buffer();
    for (Object v : t.values()) {
      switch (t.datatype()) {
        case "FP32" -> b.appendIntLE(Float.floatToRawIntBits((Float) v));
        case "FP64" -> b.appendLongLE(Double.doubleToRawLongBits((Double) v));
        case "FP16" -> b.appendShortLE(floatToHalf((Float) v));
        case "INT64" -> b.appendLongLE((Long) v);
        case "INT32" -> b.appendIntLE((int) (long) (Long) v);
        case "INT16" -> b.appendShortLE((short) (long) (Long) v);
        case "INT8", "UINT8" -> b.appendByte((byte) (long) (Long) v);
        case "BOOL" -> b.appendByte((byte) ((Boolean) v ? 1 : 0));
        case "BYTES" -> {
          byte[] utf8 = ((String) v).getBytes(StandardCharsets.UTF_8);
          b.appendIntLE(utf8.length).appendBytes(utf8);
        }
        default -> throw new IllegalArgumentException(t.datatype());
      }
    }
    return b;
  }

  // ---- reading responses -----------------------------------------------------------------------

  /** Every output of a V2 response in canonical form, whether it came as JSON or binary. */
  private static Map<String, List<Object>> decode(V2Binary.Response response) {
    Map<String, List<Object>> values = new LinkedHashMap<>();
    JsonArray outputs = response.json().getJsonArray("outputs");
    for (int i = 0; i < outputs.size(); i++) {
      JsonObject o = outputs.getJsonObject(i);
      String name = o.getString("name");
      T expected = output(name);
      assertEquals(expected.datatype(), o.getString("datatype"), "datatype of " + name);
      assertEquals(shape(expected.shape()), o.getJsonArray("shape"), "shape of " + name);
      Buffer binary = response.binary().get(name);
      values.put(name, binary != null ? canonicalBinary(o.getString("datatype"), binary, expected.values().size())
          : canonical(o.getString("datatype"), o.getJsonArray("data").getList()));
    }
    return values;
  }

  private static void assertOutputsExactly(List<T> expected, Map<String, List<Object>> actual) {
    assertEquals(names(expected), List.copyOf(actual.keySet()), "output names, in the model's order");
    for (T out : expected) {
      assertEquals(out.values(), actual.get(out.name()), "values of " + out.name());
    }
  }

  private static List<Object> canonical(String datatype, List<?> json) {
    List<Object> values = new ArrayList<>();
    for (Object v : json) {
      values.add(switch (datatype) {
        case "FP32", "FP16" -> ((Number) v).floatValue();
        case "FP64" -> ((Number) v).doubleValue();
        case "BOOL" -> (Boolean) v;
        case "BYTES" -> (String) v;
        default -> {
          Number n = (Number) v;
          assertEquals(n.doubleValue(), Math.rint(n.doubleValue()), "an integer: " + v);
          yield n.longValue();
        }
      });
    }
    return values;
  }

  private static List<Object> canonicalBinary(String datatype, Buffer data, int count) {
    List<Object> values = new ArrayList<>();
    int pos = 0;
    for (int i = 0; i < count; i++) {
      switch (datatype) {
        case "FP32" -> values.add(Float.intBitsToFloat(data.getIntLE(pos)));
        case "FP64" -> values.add(Double.longBitsToDouble(data.getLongLE(pos)));
        case "FP16" -> values.add(halfToFloat(data.getShortLE(pos)));
        case "INT64" -> values.add(data.getLongLE(pos));
        case "INT32" -> values.add((long) data.getIntLE(pos));
        case "INT16" -> values.add((long) data.getShortLE(pos));
        case "INT8" -> values.add((long) data.getByte(pos));
        case "UINT8" -> values.add((long) (data.getByte(pos) & 0xFF));
        case "BOOL" -> {
          byte b = data.getByte(pos);
          assertTrue(b == 0 || b == 1, "BOOL byte is 0 or 1, was: " + b);
          values.add(b == 1);
        }
        case "BYTES" -> {
          int length = data.getIntLE(pos);
          values.add(data.getString(pos + 4, pos + 4 + length, "UTF-8"));
          pos += 4 + length;
          continue;
        }
        default -> throw new IllegalArgumentException(datatype);
      }
      pos += width(datatype);
    }
    assertEquals(data.length(), pos, "binary " + datatype + " data holds exactly " + count + " elements");
    return values;
  }

  private static int width(String datatype) {
    return switch (datatype) {
      case "FP64", "INT64" -> 8;
      case "FP32", "INT32" -> 4;
      case "FP16", "INT16" -> 2;
      default -> 1;
    };
  }

  private static List<Object> flatten(Object nested) {
    List<Object> flat = new ArrayList<>();
    if (nested instanceof JsonArray array) {
      for (Object element : array) {
        flat.addAll(flatten(element));
      }
    } else {
      flat.add(nested);
    }
    return flat;
  }

  // ---- small helpers ---------------------------------------------------------------------------

  private static T output(String name) {
    return OUTPUTS.stream().filter(o -> o.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("unexpected output " + name));
  }

  private static List<String> names(List<T> tensors) {
    return tensors.stream().map(T::name).toList();
  }

  private static List<String> outputNames(JsonObject response) {
    List<String> names = new ArrayList<>();
    response.getJsonArray("outputs").forEach(o -> names.add(((JsonObject) o).getString("name")));
    return names;
  }

  private static JsonArray shape(long[] shape) {
    JsonArray array = new JsonArray();
    for (long d : shape) {
      array.add(d);
    }
    return array;
  }

  /** Declared specs: dim 0 is the dynamic batch (-1), the rest as in the test tensors. */
  private static JsonArray specs(List<T> tensors) {
    JsonArray array = new JsonArray();
    for (T t : tensors) {
      long[] declared = t.shape().clone();
      declared[0] = -1;
      array.add(new JsonObject().put("name", t.name()).put("datatype", t.datatype()).put("shape", shape(declared)));
    }
    return array;
  }

  /** IEEE 754 half to float; exact for every half. */
  static float halfToFloat(short half) {
    int h = half & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
    }
    if (exp == 0) {
      float magnitude = mant * 0x1p-24f; // subnormal (or zero): mant x 2^-24
      return sign != 0 ? -magnitude : magnitude;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** Float to half for values a half holds exactly (normal or zero), which is all this test sends. */
  static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    if ((bits & 0x7FFF_FFFF) == 0) {
      return (short) sign;
    }
    int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
    int mant = (bits >>> 13) & 0x3FF;
    if (exp <= 0 || exp >= 0x1F || (bits & 0x1FFF) != 0) {
      throw new IllegalArgumentException(f + " is not exactly a normal half");
    }
    return (short) (sign | (exp << 10) | mant);
  }
}
