package io.zeroserve.functions.codec;

import static io.zeroserve.functions.codec.CodecTestSupport.assertFails;
import static io.zeroserve.functions.codec.CodecTestSupport.assertRuntimeReady;
import static io.zeroserve.functions.codec.CodecTestSupport.assertSameTensor;
import static io.zeroserve.functions.codec.CodecTestSupport.body;
import static io.zeroserve.functions.codec.CodecTestSupport.bytes;
import static io.zeroserve.functions.codec.CodecTestSupport.fixed;
import static io.zeroserve.functions.codec.CodecTestSupport.json;
import static io.zeroserve.functions.codec.CodecTestSupport.le;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zeroserve.functions.DataType;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class PlainJsonCodecTest {

  private final PlainJsonCodec codec = new PlainJsonCodec();

  private static Signature inputs(TensorSpec... specs) {
    return new Signature(List.of(specs), List.of());
  }

  private static final Signature XY = inputs(new TensorSpec("x", DataType.FP32, new long[] {-1, 2}),
      new TensorSpec("y", DataType.INT64, new long[] {-1}));

  private Tensor decodeOne(String singleQuoted, DataType type) {
    List<Tensor> in = codec.decodeInputs(body(json(singleQuoted)), inputs(new TensorSpec("x", type, new long[] {-1})));
    assertEquals(1, in.size());
    assertRuntimeReady(in.get(0));
    return in.get(0);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{'x': 5}                               | []",
      "{'x': [5]}                             | [1]",
      "{'x': [1, 2, 3]}                       | [3]",
      "{'x': [[1, 2, 3], [4, 5, 6]]}          | [2, 3]",
      "{'x': [[[1], [2]], [[3], [4]]]}        | [2, 2, 1]",
      "{'x': []}                              | [0]",
      "{'x': [[], []]}                        | [2, 0]",
      "{'x': [[[]]]}                          | [1, 1, 0]"})
  void shape_isInferredFromTheNesting(String body, String shape) {
    assertEquals(shape, Arrays.toString(decodeOne(body, DataType.INT32).shape()));
  }

  @Test
  void values_decodeRowMajor_intoTheSignaturesDatatype() {
    Tensor t = decodeOne("{'x': [[1.5, 'NaN'], [-2, 1e-3]]}", DataType.FP32);
    assertArrayEquals(bytes(le(16, b -> b.putFloat(1.5f).putFloat(Float.NaN).putFloat(-2f).putFloat(1e-3f))),
        bytes(t.data()));
    Tensor s = decodeOne("{'x': ['a', 'b']}", DataType.BYTES);
    assertArrayEquals(new String[] {"a", "b"}, s.strings());
    Tensor scalar = decodeOne("{'x': true}", DataType.BOOL);
    assertArrayEquals(new byte[] {1}, bytes(scalar.data()));
  }

  @Test
  void severalInputs_decodeInBodyOrder_andUnknownNamesListTheValidOnes() {
    List<Tensor> in = codec.decodeInputs(body(json("{'y': [7], 'x': [[1, 2]]}")), XY);
    assertEquals(List.of("y", "x"), in.stream().map(Tensor::name).toList());
    assertEquals(DataType.INT64, in.get(0).type());
    assertFails(Reason.BAD_REQUEST, "input 'q' is not an input of this function; its inputs are: [x, y]",
        () -> codec.decodeInputs(body(json("{'q': [1]}")), XY));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{'x': [[1, 2], [3]]}           | input 'x' must be rectangular nested arrays, was: ragged; dimension 1 has length 1 here but 2 before",
      "{'x': [[1], 2]}                | input 'x' must be rectangular nested arrays, was: ragged; dimension 0 holds values",
      "{'x': [1, [2]]}                | input 'x' must be rectangular nested arrays, was: ragged; dimension 1 holds values",
      "{'x': [[], [[1]]]}             | input 'x' must be rectangular nested arrays, was: ragged; dimension 2",
      "{'x': [[[1]], [[2], [3]]]}     | ragged; dimension 1 has length 2 here but 1 before",
      "{'x': {'a': 1}}                | input 'x' must be a value or nested arrays of values, was: an object",
      "{'x': [{'a': 1}]}              | input 'x' must be a value or nested arrays of values, was: an object inside",
      "{'x': [1, 'a']}                | x[1] must be a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP32, was: \"a\"",
      "{'x': 'a'}                     | x[0] must be a number",
      "{'x': [1], 'x': [2]}           | input 'x' must appear once, was: repeated",
      "[1]                            | request body must be a JSON object of input name to value, was: an array",
      "{'x': [1]} 3                   | must hold exactly one JSON object",
      "{'x': [1}                      | request body is not valid JSON"})
  void malformedBody_isBadRequest_namingTheInput(String body, String message) {
    assertFails(Reason.BAD_REQUEST, message, () -> codec.decodeInputs(body(json(body)), XY));
  }

  @Test
  void integersOutOfRange_areBadRequest() {
    assertFails(Reason.BAD_REQUEST, "x[2] must be an integer in [0, 65535] for UINT16, was: 65536",
        () -> decodeOne("{'x': [[1, 2], [65536, 3]]}", DataType.UINT16));
  }

  @Test
  void limits_arePayloadTooLarge() {
    PlainJsonCodec small = new PlainJsonCodec(new DecodeLimits(4, 12, 64, 100));
    Signature sig = inputs(new TensorSpec("x", DataType.FP32, new long[] {-1}));
    Signature int8 = inputs(new TensorSpec("x", DataType.INT8, new long[] {-1}));
    assertFails(Reason.PAYLOAD_TOO_LARGE, "input 'x' must have at most maxElementsPerTensor=4 elements",
        () -> small.decodeInputs(body("{\"x\": [1, 2, 3, 4, 5]}"), int8));
    assertFails(Reason.PAYLOAD_TOO_LARGE, "input 'x' must be at most maxBytesPerTensor=12 bytes, was: more (FP32)",
        () -> small.decodeInputs(body("{\"x\": [1, 2, 3, 4]}"), sig));
    PlainJsonCodec shallow = new PlainJsonCodec(new DecodeLimits(100, 100, 5, 100));
    assertFails(Reason.BAD_REQUEST, "maxJsonDepth=5",
        () -> shallow.decodeInputs(body("{\"x\": [[[[[1]]]]]}"), sig));
  }

  @Test
  void encodeOutputs_nestsLikeTheShape_andScalarsAreBare() {
    Tensor scalar = fixed("s", DataType.INT32, new long[0], b -> b.putInt(42));
    Tensor matrix = fixed("m", DataType.FP64, new long[] {2, 2},
        b -> b.putDouble(1).putDouble(0.5).putDouble(Double.POSITIVE_INFINITY).putDouble(-3));
    Tensor empty = fixed("e", DataType.INT8, new long[] {2, 0}, b -> { });
    Tensor strings = Tensor.ofStrings("t", new long[] {1, 2}, new String[] {"a", "b"});
    assertEquals(json("{'s':42,'m':[[1.0,0.5],['Infinity',-3.0]],'e':[[],[]],'t':[['a','b']]}"),
        codec.encodeOutputs(List.of(scalar, matrix, empty, strings)).toString());
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyDatatype_roundTripsThroughPlainJson(DataType type) {
    Tensor sample = SampleTensors.of(type);
    Signature sig = inputs(new TensorSpec(sample.name(), type, sample.shape()));
    List<Tensor> back = codec.decodeInputs(codec.encodeOutputs(List.of(sample)), sig);
    assertSameTensor(sample, back.get(0));
    assertRuntimeReady(back.get(0));
  }
}
