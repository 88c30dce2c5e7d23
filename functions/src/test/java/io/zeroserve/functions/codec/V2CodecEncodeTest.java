package io.zeroserve.functions.codec;

import static io.zeroserve.functions.codec.CodecTestSupport.bytes;
import static io.zeroserve.functions.codec.CodecTestSupport.fixed;
import static io.zeroserve.functions.codec.CodecTestSupport.framed;
import static io.zeroserve.functions.codec.CodecTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceRequest.RequestedOutput;
import io.zeroserve.functions.InferenceResponse;
import io.zeroserve.functions.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class V2CodecEncodeTest {

  private final V2Codec codec = new V2Codec();

  private static final Tensor Y = fixed("y", DataType.FP32, new long[] {2, 2},
      b -> b.putFloat(1.5f).putFloat(-0.25f).putFloat(Float.NaN).putFloat(Float.NEGATIVE_INFINITY));
  private static final Tensor Z = fixed("z", DataType.INT64, new long[] {2}, b -> b.putLong(-3).putLong(1L << 40));
  private static final Tensor S = Tensor.ofStrings("s", new long[] {2}, new String[] {"héllo", ""});

  private static InferenceRequest request(String id, boolean binaryByDefault, RequestedOutput... outputs) {
    return new InferenceRequest(id, List.of(), List.of(outputs), binaryByDefault, OptionalLong.empty());
  }

  private static String text(Buffer b, int from, int to) {
    return b.getString(from, to, "UTF-8");
  }

  @Test
  void jsonResponse_hasModelIdAndFlatData_andNoHeaderLength() {
    EncodedResponse r = codec.encodeResponse(new InferenceResponse("m", "3", "req-1", List.of(Y, Z, S)),
        request("req-1", false));
    assertEquals(-1, r.jsonHeaderLength());
    assertFalse(r.hasBinaryPart());
    assertEquals(json("{'model_name':'m','model_version':'3','id':'req-1','outputs':["
        + "{'name':'y','datatype':'FP32','shape':[2,2],'data':[1.5,-0.25,'NaN','-Infinity']},"
        + "{'name':'z','datatype':'INT64','shape':[2],'data':[-3,1099511627776]},"
        + "{'name':'s','datatype':'BYTES','shape':[2],'data':['héllo','']}]}"), r.body().toString(StandardCharsets.UTF_8));
  }

  @Test
  void idIsWritten_onlyWhenTheRequestHadOne() {
    EncodedResponse r = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(Z)), request(null, false));
    assertFalse(r.body().toString().contains("\"id\""));
    EncodedResponse fromRequest = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(Z)),
        request("q", false));
    assertTrue(fromRequest.body().toString().contains("\"id\":\"q\""));
  }

  @Test
  void binaryOutputs_followTheJson_withBinaryDataSize_andHeaderLength() {
    EncodedResponse r = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(Y, Z, S)),
        request(null, true, new RequestedOutput("z", false)));
    int n = r.jsonHeaderLength();
    assertTrue(r.hasBinaryPart());
    assertEquals(json("{'model_name':'m','model_version':'1','outputs':["
        + "{'name':'y','datatype':'FP32','shape':[2,2],'parameters':{'binary_data_size':16}},"
        + "{'name':'z','datatype':'INT64','shape':[2],'data':[-3,1099511627776]},"
        + "{'name':'s','datatype':'BYTES','shape':[2],'parameters':{'binary_data_size':14}}]}"), text(r.body(), 0, n));
    byte[] binary = r.body().getBytes(n, r.body().length());
    byte[] expected = new byte[16 + 14];
    System.arraycopy(bytes(Y.data()), 0, expected, 0, 16);
    System.arraycopy(framed("héllo", ""), 0, expected, 16, 14);
    assertArrayEquals(expected, binary);
  }

  @Test
  void perOutputBinaryFlag_overridesTheDefault() {
    EncodedResponse r = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(Y, Z)),
        request(null, false, new RequestedOutput("z", true)));
    String header = text(r.body(), 0, r.jsonHeaderLength());
    assertTrue(header.contains("'name':'y','datatype':'FP32','shape':[2,2],'data':".replace('\'', '"')), header);
    assertTrue(header.contains("'name':'z','datatype':'INT64','shape':[2],'parameters':{'binary_data_size':16}}"
        .replace('\'', '"')), header);
    assertArrayEquals(bytes(Z.data()), r.body().getBytes(r.jsonHeaderLength(), r.body().length()));
  }

  @Test
  void directAndHeapOutputs_encodeTheSameBytes_withoutMovingTheirPosition() {
    ByteBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    direct.put(0, bytes(Y.data()));
    Tensor yDirect = Tensor.ofBuffer("y", DataType.FP32, new long[] {2, 2}, direct);
    InferenceRequest binary = request(null, true);
    EncodedResponse heap = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(Y)), binary);
    EncodedResponse dir = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(yDirect)), binary);
    assertArrayEquals(heap.body().getBytes(), dir.body().getBytes());
    assertEquals(0, direct.position());
    assertEquals(0, Y.data().position());
  }

  @Test
  void halfFloatsAndUnsignedIntegers_areWrittenAsJsonNumbers() {
    Tensor h = fixed("h", DataType.FP16, new long[] {3},
        b -> b.putShort((short) 0x3C00).putShort((short) 0x2E66).putShort((short) 0x7C00));
    Tensor bf = fixed("b", DataType.BF16, new long[] {1}, b -> b.putShort((short) 0x4049));
    Tensor u64 = fixed("u", DataType.UINT64, new long[] {2}, b -> b.putLong(-1L).putLong(5));
    Tensor u8 = fixed("u8", DataType.UINT8, new long[] {1}, b -> b.put((byte) 200));
    Tensor bool = fixed("t", DataType.BOOL, new long[] {2}, b -> b.put((byte) 1).put((byte) 0));
    String out = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(h, bf, u64, u8, bool)), null)
        .body().toString();
    assertTrue(out.contains("\"data\":[1.0,0.099975586,\"Infinity\"]"), out);
    assertTrue(out.contains("\"data\":[3.140625]"), out);
    assertTrue(out.contains("\"data\":[18446744073709551615,5]"), out);
    assertTrue(out.contains("\"data\":[200]"), out);
    assertTrue(out.contains("\"data\":[true,false]"), out);
  }

  @Test
  void largeBinaryOutput_isCopiedWhole() {
    int n = 100_000;
    Tensor big = fixed("big", DataType.FP32, new long[] {n}, b -> {
      for (int i = 0; i < n; i++) {
        b.putFloat(i * 0.5f);
      }
    });
    EncodedResponse r = codec.encodeResponse(new InferenceResponse("m", "1", null, List.of(big)), request(null, true));
    assertEquals(r.jsonHeaderLength() + 400_000, r.body().length());
    assertEquals(99_999 * 0.5f, r.body().getFloatLE(r.jsonHeaderLength() + 4 * 99_999));
  }
}
