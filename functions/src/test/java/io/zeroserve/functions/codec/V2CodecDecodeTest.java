package io.zeroserve.functions.codec;

import static io.zeroserve.functions.codec.CodecTestSupport.assertFails;
import static io.zeroserve.functions.codec.CodecTestSupport.assertRuntimeReady;
import static io.zeroserve.functions.codec.CodecTestSupport.assertSameTensor;
import static io.zeroserve.functions.codec.CodecTestSupport.body;
import static io.zeroserve.functions.codec.CodecTestSupport.bytes;
import static io.zeroserve.functions.codec.CodecTestSupport.framed;
import static io.zeroserve.functions.codec.CodecTestSupport.json;
import static io.zeroserve.functions.codec.CodecTestSupport.le;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceRequest.RequestedOutput;
import io.zeroserve.functions.InferenceResponse;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class V2CodecDecodeTest {

  private final V2Codec codec = new V2Codec();

  private InferenceRequest decode(String json) {
    return codec.decodeRequest(body(json), -1);
  }

  private Tensor decodeOne(String json) {
    InferenceRequest r = decode(json);
    assertEquals(1, r.inputs().size());
    Tensor t = r.inputs().get(0);
    assertRuntimeReady(t);
    return t;
  }

  /** Encodes the tensor as a response output and renames "outputs" to "inputs": a valid request. */
  private InferenceRequest roundTrip(Tensor t, boolean binary) {
    InferenceRequest asked = new InferenceRequest(null, List.of(), List.of(), binary, OptionalLong.empty());
    EncodedResponse enc = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(t)), asked);
    String text = enc.body().toString(StandardCharsets.ISO_8859_1);
    int renamed = text.indexOf("\"outputs\":");
    Buffer req = Buffer.buffer(text.substring(0, renamed) + "\"inputs\":" + text.substring(renamed + 10),
        "ISO-8859-1");
    assertEquals(binary, enc.hasBinaryPart());
    return codec.decodeRequest(req, binary ? enc.jsonHeaderLength() - 1 : -1);
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyDatatype_roundTripsThroughJsonAndBinary_withIdenticalBytes(DataType type) {
    Tensor sample = SampleTensors.of(type);
    Tensor viaJson = roundTrip(sample, false).inputs().get(0);
    Tensor viaBinary = roundTrip(sample, true).inputs().get(0);
    assertSameTensor(sample, viaJson);
    assertSameTensor(sample, viaBinary);
    assertRuntimeReady(viaJson);
    assertRuntimeReady(viaBinary);
  }

  @Test
  void jsonValues_decodeToExpectedLittleEndianBytes() {
    Tensor fp32 = decodeOne(json("{'inputs':[{'name':'x','shape':[4],'datatype':'FP32',"
        + "'data':[1.5, -2, 'NaN', 0.30000001192092896]}]}"));
    assertArrayEquals(bytes(le(16, b -> b.putFloat(1.5f).putFloat(-2f).putFloat(Float.NaN).putFloat(0.3f))),
        bytes(fp32.data()));

    Tensor i8 = decodeOne(json("{'inputs':[{'name':'x','shape':[3],'datatype':'INT8','data':[-128, 0, 127]}]}"));
    assertArrayEquals(new byte[] {-128, 0, 127}, bytes(i8.data()));

    Tensor u64 = decodeOne(json("{'inputs':[{'name':'x','shape':[2],'datatype':'UINT64',"
        + "'data':[18446744073709551615, 9223372036854775808]}]}"));
    assertEquals(-1L, u64.data().getLong(0));
    assertEquals(Long.MIN_VALUE, u64.data().getLong(8));

    Tensor fp16 = decodeOne(json("{'inputs':[{'name':'x','shape':[4],'datatype':'FP16',"
        + "'data':[1, 65504, '-Infinity', 0.1]}]}"));
    assertArrayEquals(bytes(le(8, b -> b.putShort((short) 0x3C00).putShort((short) 0x7BFF).putShort((short) 0xFC00)
        .putShort((short) 0x2E66))), bytes(fp16.data()));

    Tensor bf16 = decodeOne(json("{'inputs':[{'name':'x','shape':[2],'datatype':'BF16','data':[1, 3.14159]}]}"));
    assertArrayEquals(bytes(le(4, b -> b.putShort((short) 0x3F80).putShort((short) 0x4049))), bytes(bf16.data()));

    Tensor bool = decodeOne(json("{'inputs':[{'name':'x','shape':[2],'datatype':'BOOL','data':[true, false]}]}"));
    assertArrayEquals(new byte[] {1, 0}, bytes(bool.data()));

    Tensor u32 = decodeOne(json("{'inputs':[{'name':'x','shape':[1],'datatype':'UINT32','data':[4294967295]}]}"));
    assertEquals(-1, u32.data().getInt(0));

    Tensor str = decodeOne(json("{'inputs':[{'name':'x','shape':[2],'datatype':'BYTES','data':['a', 'é\\u00e9']}]}"));
    assertArrayEquals(new String[] {"a", "éé"}, str.strings());
  }

  @Test
  void nestedData_decodesSameTensorAsFlat() {
    Tensor flat = decodeOne(json("{'inputs':[{'name':'x','shape':[2,3],'datatype':'INT32','data':[1,2,3,4,5,6]}]}"));
    Tensor nested = decodeOne(json("{'inputs':[{'name':'x','shape':[2,3],'datatype':'INT32',"
        + "'data':[[1,2,3],[4,5,6]]}]}"));
    Tensor oddlyNested = decodeOne(json("{'inputs':[{'name':'x','shape':[2,3],'datatype':'INT32',"
        + "'data':[[[1],[2,3]],[4,[5,[6]]]]}]}"));
    assertSameTensor(flat, nested);
    assertSameTensor(flat, oddlyNested);
  }

  @Test
  void dataBeforeDatatype_decodesSameTensor() {
    Tensor usual = decodeOne(json("{'inputs':[{'name':'x','shape':[2,2],'datatype':'FP64','data':[[1.25,2],[3,4e-3]]}]}"));
    Tensor dataFirst = decodeOne(json("{'inputs':[{'data':[[1.25,2],[3,4e-3]],'datatype':'FP64','name':'x',"
        + "'shape':[2,2]}]}"));
    Tensor dataBetween = decodeOne(json("{'inputs':[{'shape':[2,2],'data':[[1.25,2],[3,4e-3]],'name':'x',"
        + "'datatype':'FP64'}]}"));
    assertSameTensor(usual, dataFirst);
    assertSameTensor(usual, dataBetween);
    Tensor strings = decodeOne(json("{'inputs':[{'data':['p','q'],'name':'s','shape':[2],'datatype':'BYTES'}]}"));
    assertArrayEquals(new String[] {"p", "q"}, strings.strings());
  }

  @Test
  void dataBeforeDatatype_inLaterInputOfBodyWithLeadingBytes_decodes() {
    // The body's bytes start inside a larger array: offsets must be relative to the body, not the array.
    String j = json("{'id':'r1','inputs':[{'name':'a','shape':[1],'datatype':'INT64','data':[7]},"
        + "{'data':[1,2,3],'name':'b','datatype':'UINT16','shape':[3]}]}");
    Buffer padded = Buffer.buffer("XXXXXXXX" + j).slice(8, 8 + j.length());
    InferenceRequest r = codec.decodeRequest(padded, -1);
    assertEquals(7L, r.inputs().get(0).data().getLong(0));
    assertArrayEquals(bytes(le(6, b -> b.putShort((short) 1).putShort((short) 2).putShort((short) 3))),
        bytes(r.inputs().get(1).data()));
  }

  @Test
  void bodyInDirectMemory_decodesLikeHeapBody() {
    String j = json("{'inputs':[{'name':'a','shape':[1],'datatype':'INT8','parameters':{'binary_data_size':1}},"
        + "{'data':[1.5],'name':'b','datatype':'FP32','shape':[1]}]}");
    ByteBuf direct = Unpooled.directBuffer().writeBytes(j.getBytes(StandardCharsets.UTF_8)).writeByte(9);
    InferenceRequest r = codec.decodeRequest(BufferInternal.buffer(direct), j.length());
    assertEquals(9, r.inputs().get(0).data().get(0));
    assertEquals(1.5f, r.inputs().get(1).data().getFloat(0));
    direct.release();
  }

  @Test
  void requestFields_areRead_andUnknownOnesIgnored() {
    InferenceRequest r = decode(json("{'id':'abc','parameters':{'binary_data_output':true,'timeout':2500,"
        + "'priority':3,'x':{'y':[1]}},'extra':[1,{'z':2}],'inputs':[{'name':'x','shape':[1],'datatype':'FP32',"
        + "'parameters':{'other':'v'},'data':[1]}],'outputs':[{'name':'y','parameters':{'binary_data':false,"
        + "'classification':2}},{'name':'z'}]}"));
    assertEquals("abc", r.id());
    assertTrue(r.binaryOutputByDefault());
    assertEquals(OptionalLong.of(2500), r.timeoutMicros());
    assertEquals(List.of(new RequestedOutput("y", false), new RequestedOutput("z", null)), r.outputs());
  }

  @Test
  void minimalRequest_hasDefaults() {
    InferenceRequest r = decode(json("{'inputs':[{'name':'x','shape':[],'datatype':'INT32','data':[5]}]}"));
    assertNull(r.id());
    assertFalse(r.binaryOutputByDefault());
    assertEquals(OptionalLong.empty(), r.timeoutMicros());
    assertTrue(r.outputs().isEmpty());
    assertEquals(0, r.inputs().get(0).shape().length);
    assertEquals(5, r.inputs().get(0).data().getInt(0));
  }

  @Test
  void zeroElementTensor_decodes() {
    Tensor t = decodeOne(json("{'inputs':[{'name':'x','shape':[2,0],'datatype':'FP32','data':[[],[]]}]}"));
    assertEquals(0, t.data().limit());
  }

  @Test
  void binaryInputs_mixedWithJsonInputs_decodeInInputOrder() {
    String j = json("{'inputs':[{'name':'a','shape':[2],'datatype':'FP32','parameters':{'binary_data_size':8}},"
        + "{'name':'b','shape':[1],'datatype':'INT8','data':[3]},"
        + "{'name':'c','shape':[2],'datatype':'BYTES','parameters':{'binary_data_size':15}},"
        + "{'name':'d','shape':[3],'datatype':'BOOL','parameters':{'binary_data_size':3}}]}");
    byte[] a = bytes(le(8, b -> b.putFloat(1f).putFloat(-1f)));
    byte[] c = framed("hi", "there");
    InferenceRequest r = codec.decodeRequest(body(j, a, c, new byte[] {1, 0, 1}), j.length());
    assertArrayEquals(a, bytes(r.inputs().get(0).data()));
    assertEquals(3, r.inputs().get(1).data().get(0));
    assertArrayEquals(new String[] {"hi", "there"}, r.inputs().get(2).strings());
    assertArrayEquals(new byte[] {1, 0, 1}, bytes(r.inputs().get(3).data()));
    r.inputs().forEach(CodecTestSupport::assertRuntimeReady);
  }

  @Test
  void headerLengthOfWholeBody_withNoBinaryInputs_decodes() {
    String j = json("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':[1]}]}");
    assertEquals(1, codec.decodeRequest(body(j), j.length()).inputs().size());
  }

  static Stream<Arguments> malformedJson() {
    String ok = "'name':'x','shape':[2],'datatype':'INT8'";
    return Stream.of(
        Arguments.of("[1]", "request body must be a JSON object, was: an array"),
        Arguments.of("", "request body must be a JSON object, was: nothing"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}]} x", "must hold exactly one JSON object"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}]}{}", "must hold exactly one JSON object"),
        Arguments.of("{'inputs':[}", "request body is not valid JSON at byte"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}]", "request body is not valid JSON"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,NaN]}]}", "request body is not valid JSON"),
        Arguments.of("{'id':'r'}", "inputs is required"),
        Arguments.of("{'inputs':[]}", "inputs must not be empty"),
        Arguments.of("{'inputs':{}}", "inputs must be an array, was: an object"),
        Arguments.of("{'inputs':[3]}", "inputs[0] must be an object, was: 3"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]},{" + ok + ",'data':[1,2]}]}",
            "inputs[1].name must be unique among the inputs, was: 'x' again"),
        Arguments.of("{'inputs':[{'name':'x','shape':[2],'datatype':'FP8','data':[1,2]}]}",
            "inputs[0].datatype must be one of"),
        Arguments.of("{'inputs':[{'name':'x','shape':[2],'datatype':7,'data':[1,2]}]}",
            "inputs[0].datatype must be a string, was: 7"),
        Arguments.of("{'inputs':[{'name':'x','datatype':'INT8','data':[1,2]}]}", "inputs[0].shape is required"),
        Arguments.of("{'inputs':[{'name':'x','shape':[2],'data':[1,2]}]}", "inputs[0].datatype is required"),
        Arguments.of("{'inputs':[{'shape':[2],'datatype':'INT8','data':[1,2]}]}", "inputs[0].name is required"),
        Arguments.of("{'inputs':[{'name':'','shape':[2],'datatype':'INT8','data':[1,2]}]}",
            "inputs[0].name must be a non-empty string"),
        Arguments.of("{'inputs':[{'name':'x','shape':[-1,2],'datatype':'INT8','data':[1,2]}]}",
            "inputs[0].shape must be an array of non-negative integers, was: -1 at index 0"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1.5],'datatype':'INT8','data':[1,2]}]}",
            "inputs[0].shape must be an array of non-negative integers, was: 1.5"),
        Arguments.of("{'inputs':[{'name':'x','shape':2,'datatype':'INT8','data':[1,2]}]}",
            "inputs[0].shape must be an array of non-negative integers, was: 2"),
        Arguments.of("{'inputs':[{'name':'x','shape':['2'],'datatype':'INT8','data':[1,2]}]}",
            "inputs[0].shape must be an array of non-negative integers, was: \"2\""),
        Arguments.of("{'inputs':[{'name':'x','shape':[99999999999999999999],'datatype':'INT8','data':[1,2]}]}",
            "inputs[0].shape must be an array of non-negative integers"),
        Arguments.of("{'inputs':[{'name':'x','shape':[" + "1,".repeat(40) + "1],'datatype':'INT8','data':[1]}]}",
            "inputs[0].shape must have at most 32 dimensions"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2],'parameters':{'binary_data_size':2}}]}",
            "inputs[0] must have either data or parameters.binary_data_size, was: both"),
        Arguments.of("{'inputs':[{" + ok + "}]}", "inputs[0] must have data or parameters.binary_data_size, was: neither"),
        Arguments.of("{'inputs':[{" + ok + ",'data':5}]}", "inputs[0].data must be an array, was: 5"),
        Arguments.of("{'inputs':[{'data':5," + ok + "}]}", "inputs[0].data must be an array, was: 5"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1]}]}", "inputs[0].data must have 2 elements for shape [2], was: 1"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2,3]}]}",
            "inputs[0].data must have 2 elements for shape [2], was: more"),
        Arguments.of("{'inputs':[{'data':[1,2,3]," + ok + "}]}",
            "inputs[0].data must have 2 elements for shape [2], was: more"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,300]}]}",
            "inputs[0].data[1] must be an integer in [-128, 127] for INT8, was: 300"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,1.5]}]}",
            "inputs[0].data[1] must be an integer in [-128, 127] for INT8, was: 1.5"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,{'a':1}]}]}",
            "inputs[0].data[1] must be an integer in [-128, 127] for INT8, was: an object"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,null]}]}",
            "inputs[0].data[1] must be an integer in [-128, 127] for INT8, was: null"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'UINT8','data':[-1]}]}",
            "inputs[0].data[0] must be an integer in [0, 255] for UINT8, was: -1"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'INT32','data':[2147483648]}]}",
            "inputs[0].data[0] must be an integer in [-2147483648, 2147483647] for INT32, was: 2147483648"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'INT64','data':[9223372036854775808]}]}",
            "for INT64, was: 9223372036854775808"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'UINT64','data':[18446744073709551616]}]}",
            "inputs[0].data[0] must be an integer in [0, 18446744073709551615] for UINT64"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'UINT64','data':[-1]}]}",
            "for UINT64, was: -1"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'BOOL','data':[1]}]}",
            "inputs[0].data[0] must be true or false for BOOL, was: 1"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':['abc']}]}",
            "inputs[0].data[0] must be a number, \"NaN\", \"Infinity\" or \"-Infinity\" for FP32, was: \"abc\""),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':[true]}]}",
            "for FP32, was: true"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'FP32','data':[1e39]}]}",
            "inputs[0].data[0] must be within the finite range of FP32, was: 1e39"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'FP64','data':[1e400]}]}",
            "must be within the finite range of FP64"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'FP16','data':[65520]}]}",
            "inputs[0].data[0] must be within the finite range of FP16, was: 65520"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'BF16','data':[-1e39]}]}",
            "must be within the finite range of BF16"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1],'datatype':'BYTES','data':[5]}]}",
            "inputs[0].data[0] must be a string for BYTES, was: 5"),
        Arguments.of("{'inputs':[{'name':'x','shape':[1000000],'datatype':'FP32','data':[1,2,3]}]}",
            "inputs[0].data must have 1000000 elements for shape [1000000], was: fewer"),
        Arguments.of("{'id':5,'inputs':[{" + ok + ",'data':[1,2]}]}", "id must be a string, was: 5"),
        Arguments.of("{'parameters':[],'inputs':[{" + ok + ",'data':[1,2]}]}",
            "parameters must be an object, was: an array"),
        Arguments.of("{'parameters':{'binary_data_output':'yes'},'inputs':[{" + ok + ",'data':[1,2]}]}",
            "parameters.binary_data_output must be true or false, was: \"yes\""),
        Arguments.of("{'parameters':{'timeout':-5},'inputs':[{" + ok + ",'data':[1,2]}]}",
            "parameters.timeout must be a non-negative integer (microseconds), was: -5"),
        Arguments.of("{'parameters':{'timeout':1.5},'inputs':[{" + ok + ",'data':[1,2]}]}",
            "parameters.timeout must be a non-negative integer (microseconds), was: 1.5"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}],'outputs':[{'parameters':{}}]}",
            "outputs[0].name is required"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}],'outputs':[{'name':'y'},{'name':'y'}]}",
            "outputs[1].name must be unique among the outputs, was: 'y' again"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}],'outputs':[{'name':'y','parameters':{'binary_data':1}}]}",
            "outputs[0].parameters.binary_data must be true or false, was: 1"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}],'outputs':'y'}", "outputs must be an array, was: \"y\""),
        Arguments.of("{'inputs':[{" + ok + ",'name':'y','data':[1,2]}]}", "inputs[0].name must appear once, was: repeated"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2],'data':[1,2]}]}", "inputs[0].data must appear once"),
        Arguments.of("{'inputs':[{" + ok + ",'data':[1,2]}],'inputs':[]}", "inputs must appear once"),
        Arguments.of("{'inputs':[{" + ok + ",'parameters':{'binary_data_size':-2}}]}",
            "inputs[0].parameters.binary_data_size must be a non-negative integer, was: -2"),
        Arguments.of("{'inputs':[{" + ok + ",'parameters':{'binary_data_size':2}}]}",
            "inputs[0].parameters.binary_data_size needs the Inference-Header-Content-Length header, was: absent"));
  }

  @ParameterizedTest
  @MethodSource("malformedJson")
  void malformedRequest_isBadRequest_namingTheField(String singleQuoted, String message) {
    assertFails(Reason.BAD_REQUEST, message, () -> decode(json(singleQuoted)));
  }

  @Test
  void invalidUtf8_isBadRequest() {
    byte[] j = json("{'inputs':[{'name':'x','shape':[1],'datatype':'BYTES','data':['a?']}]}")
        .getBytes(StandardCharsets.UTF_8);
    j[j.length - 6] = (byte) 0xC3; // a lead byte followed by the closing quote
    assertFails(Reason.BAD_REQUEST, "request body is not valid JSON", () -> codec.decodeRequest(Buffer.buffer(j), -1));
    byte[] k = json("{'id':'?','inputs':[]}").getBytes(StandardCharsets.UTF_8);
    k[7] = (byte) 0xFF;
    assertFails(Reason.BAD_REQUEST, "request body is not valid JSON", () -> codec.decodeRequest(Buffer.buffer(k), -1));
  }

  @Test
  void nullBody_isBadRequest() {
    assertFails(Reason.BAD_REQUEST, "request body is required", () -> codec.decodeRequest(null, -1));
  }

  @Test
  void tooDeepJson_isBadRequest_inDataAndInIgnoredFields() {
    V2Codec shallow = new V2Codec(new DecodeLimits(1000, 1000, 8, 1000));
    String deepData = json("{'inputs':[{'name':'x','shape':[1],'datatype':'INT8','data':[[[[[[[1]]]]]]]}]}");
    assertFails(Reason.BAD_REQUEST, "JSON must be nested at most maxJsonDepth=8",
        () -> shallow.decodeRequest(body(deepData), -1));
    String deepDeferred = json("{'inputs':[{'data':[[[[[[[1]]]]]]],'name':'x','shape':[1],'datatype':'INT8'}]}");
    assertFails(Reason.BAD_REQUEST, "maxJsonDepth=8", () -> shallow.decodeRequest(body(deepDeferred), -1));
    String deepIgnored = "{\"x\":" + "[".repeat(20) + "]".repeat(20) + "}";
    assertFails(Reason.BAD_REQUEST, "maxJsonDepth=8", () -> shallow.decodeRequest(body(deepIgnored), -1));
    String bomb = "{\"x\":" + "[".repeat(100_000);
    assertFails(Reason.BAD_REQUEST, "maxJsonDepth=64", () -> codec.decodeRequest(body(bomb), -1));
  }

  @Test
  void shapesOverLimits_arePayloadTooLarge_beforeAllocating() {
    assertFails(Reason.PAYLOAD_TOO_LARGE, "inputs[0].shape must describe at most maxElementsPerTensor=67108864",
        () -> decode(json("{'inputs':[{'name':'x','shape':[4294967296,4294967296,4294967296],'datatype':'FP32',"
            + "'data':[1]}]}")));
    assertFails(Reason.PAYLOAD_TOO_LARGE, "maxElementsPerTensor=67108864 elements, was: [100000, 100000]",
        () -> decode(json("{'inputs':[{'name':'x','shape':[100000,100000],'datatype':'BYTES','data':[]}]}")));
    V2Codec small = new V2Codec(new DecodeLimits(10, 16, 64, 5));
    assertFails(Reason.PAYLOAD_TOO_LARGE, "inputs[0] must be at most maxBytesPerTensor=16 bytes, was: 24",
        () -> small.decodeRequest(body(json("{'inputs':[{'name':'x','shape':[3],'datatype':'FP64','data':[1,2,3]}]}")),
            -1));
    assertFails(Reason.PAYLOAD_TOO_LARGE, "maxElementsPerTensor=10",
        () -> small.decodeRequest(body(json("{'inputs':[{'name':'x','shape':[11],'datatype':'INT8',"
            + "'parameters':{'binary_data_size':11}}]}")), -1));
    assertFails(Reason.PAYLOAD_TOO_LARGE, "inputs[0].data[1] must be at most maxStringBytes=5 bytes, was: 6",
        () -> small.decodeRequest(body(json("{'inputs':[{'name':'x','shape':[2],'datatype':'BYTES',"
            + "'data':['ab','\u00e9\u00e9\u00e9']}]}")), -1));
    assertFails(Reason.PAYLOAD_TOO_LARGE, "exceeds a parser limit",
        () -> small.decodeRequest(body(json("{'inputs':[{'name':'x','shape':[1],'datatype':'BYTES',"
            + "'data':['abcdefgh']}]}")), -1));
  }

  // --- binary framing

  private static final String FP32_BIN = json("{'inputs':[{'name':'x','shape':[2,3],'datatype':'FP32',"
      + "'parameters':{'binary_data_size':24}}]}");

  @Test
  void headerLengthBeyondBody_isBadRequest() {
    assertEquals(94, FP32_BIN.length());
    assertFails(Reason.BAD_REQUEST, "Inference-Header-Content-Length must be at most the body length 94, was: 95",
        () -> codec.decodeRequest(body(FP32_BIN), FP32_BIN.length() + 1));
    assertFails(Reason.BAD_REQUEST, "Inference-Header-Content-Length must be >= 0, was: -2",
        () -> codec.decodeRequest(body(FP32_BIN), -2));
  }

  @Test
  void headerLengthInsideTheJson_isBadRequest() {
    assertFails(Reason.BAD_REQUEST, "request body is not valid JSON",
        () -> codec.decodeRequest(body(FP32_BIN, new byte[24]), FP32_BIN.length() - 2));
  }

  @Test
  void binarySizesNotMatchingRemainder_isBadRequest() {
    assertFails(Reason.BAD_REQUEST, "binary_data_size values must add up to the 28 bytes after the JSON header "
        + "(Inference-Header-Content-Length=94), was: 24",
        () -> codec.decodeRequest(body(FP32_BIN, new byte[28]), FP32_BIN.length()));
    assertFails(Reason.BAD_REQUEST, "inputs[0].parameters.binary_data_size must fit in the 20 bytes after the JSON",
        () -> codec.decodeRequest(body(FP32_BIN, new byte[20]), FP32_BIN.length()));
    String j = json("{'inputs':[{'name':'x','shape':[1],'datatype':'INT8','data':[1]}]}");
    assertFails(Reason.BAD_REQUEST, "must add up to the 3 bytes after the JSON header",
        () -> codec.decodeRequest(body(j, new byte[3]), j.length()));
  }

  @Test
  void binarySizeNotMatchingShape_isBadRequest() {
    String j = json("{'inputs':[{'name':'x','shape':[2,3],'datatype':'FP32','parameters':{'binary_data_size':20}}]}");
    assertFails(Reason.BAD_REQUEST,
        "inputs[0].parameters.binary_data_size must be 24 (6 x 4 bytes for FP32 [2, 3]), was: 20",
        () -> codec.decodeRequest(body(j, new byte[20]), j.length()));
  }

  private static String bytesInput(int size) {
    return json("{'inputs':[{'name':'s','shape':[2],'datatype':'BYTES','parameters':{'binary_data_size':" + size
        + "}}]}");
  }

  @Test
  void binaryBytesLengthPrefixBeyondEnd_isBadRequest() {
    byte[] bad = framed("abc", "de");
    bad[7] = 9; // second element claims 9 bytes; 2 remain
    String j = bytesInput(bad.length);
    assertFails(Reason.BAD_REQUEST, "inputs[0] binary BYTES element 1 length must fit in the 2 bytes left of "
        + "binary_data_size=13, was: 9", () -> codec.decodeRequest(body(j, bad), j.length()));
  }

  @Test
  void binaryBytesTruncatedPrefix_isBadRequest() {
    byte[] bad = java.util.Arrays.copyOf(framed("abc"), 9); // 2 bytes where the second length should be
    String j = bytesInput(bad.length);
    assertFails(Reason.BAD_REQUEST, "inputs[0] binary BYTES element 1 must start with a 4-byte length, was: 2 bytes",
        () -> codec.decodeRequest(body(j, bad), j.length()));
  }

  @Test
  void binaryBytesWithLeftoverBytes_isBadRequest() {
    byte[] three = framed("a", "b", "c");
    String j = bytesInput(three.length);
    assertFails(Reason.BAD_REQUEST, "was: 5 bytes left over", () -> codec.decodeRequest(body(j, three), j.length()));
  }

  @Test
  void binaryBytesInvalidUtf8_isBadRequest() {
    byte[] bad = framed("ab", "cd");
    bad[4] = (byte) 0xC3; // lead byte followed by ASCII
    String j = bytesInput(bad.length);
    assertFails(Reason.BAD_REQUEST, "inputs[0] binary BYTES element 0 must be valid UTF-8",
        () -> codec.decodeRequest(body(j, bad), j.length()));
  }

  @Test
  void binaryBytesSizeTooSmallForLengths_isBadRequest() {
    String j = bytesInput(6);
    assertFails(Reason.BAD_REQUEST, "inputs[0].parameters.binary_data_size must be at least 8",
        () -> codec.decodeRequest(body(j, new byte[6]), j.length()));
  }

  @Test
  void binaryBytesElementOverLimit_isPayloadTooLarge() {
    V2Codec small = new V2Codec(new DecodeLimits(10, 100, 64, 5));
    byte[] big = framed("abcdef", "x");
    String j = bytesInput(big.length);
    assertFails(Reason.PAYLOAD_TOO_LARGE, "element 0 must be at most maxStringBytes=5 bytes, was: 6",
        () -> small.decodeRequest(body(j, big), j.length()));
  }

  @Test
  void binaryBoolOtherThanZeroOrOne_isBadRequest() {
    String j = json("{'inputs':[{'name':'b','shape':[2],'datatype':'BOOL','parameters':{'binary_data_size':2}}]}");
    assertFails(Reason.BAD_REQUEST, "inputs[0] binary BOOL element 1 must be 0 or 1, was: 2",
        () -> codec.decodeRequest(body(j, new byte[] {1, 2}), j.length()));
  }
}
