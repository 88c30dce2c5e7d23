package io.zeroserve.functions.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.Tensor;

/**
 * Coverage-guided fuzzing of the V2 decoders with Jazzer. Any body may decode or fail, but only
 * with {@link FunctionException} (a 4xx), and what decodes is consistent: every tensor holds
 * exactly the elements its shape says, within the limits. Without {@code JAZZER_FUZZ} these run
 * the seeds under {@code V2CodecFuzzTestInputs/} (and any crash files kept there) as regression
 * tests; the {@code fuzz} Maven profile fuzzes each for a bounded time.
 */
class V2CodecFuzzTest {

  private static final DecodeLimits LIMITS = new DecodeLimits(1 << 16, 1 << 20, 16, 1 << 10);
  private static final V2Codec V2 = new V2Codec(LIMITS);

  /** A JSON request body, as {@code application/json}. */
  @FuzzTest(maxDuration = "20s")
  void decodeJson(byte[] body) {
    decode(body, -1);
  }

  /**
   * A binary request: the first two bytes (big-endian) are the Inference-Header-Content-Length,
   * 0xFFFF meaning absent; the rest is the body.
   */
  @FuzzTest(maxDuration = "20s")
  void decodeBinary(byte[] input) {
    if (input.length < 2) {
      return;
    }
    int headerLength = ((input[0] & 0xff) << 8) | (input[1] & 0xff);
    byte[] body = java.util.Arrays.copyOfRange(input, 2, input.length);
    decode(body, headerLength == 0xFFFF ? -1 : headerLength);
  }

  private static void decode(byte[] body, int headerLength) {
    InferenceRequest request;
    try {
      request = V2.decodeRequest(Buffer.buffer(body), headerLength);
    } catch (FunctionException expected) {
      return;
    }
    for (Tensor t : request.inputs()) {
      long elements = t.elementCount();
      assertTrue(elements >= 0 && elements <= LIMITS.maxElementsPerTensor(), () -> t + " has " + elements + " elements");
      if (t.type() == DataType.BYTES) {
        assertEquals(elements, t.strings().length, () -> t + ": strings for its shape");
      } else {
        assertEquals(elements * t.type().byteSize(), t.data().remaining(), () -> t + ": bytes for its shape");
        assertTrue(t.data().remaining() <= LIMITS.maxBytesPerTensor(), () -> t + " is over the byte limit");
      }
    }
  }
}
