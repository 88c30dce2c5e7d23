package io.zeroserve.functions.codec;

import static io.zeroserve.functions.codec.CodecTestSupport.json;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceResponse;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mutated bodies may decode or fail, but only ever with FunctionException. Seeded: failures replay. */
class MalformedInputFuzzTest {

  // -Dfuzz.rounds=1000000 for a longer hunt.
  private static final int ROUNDS = Integer.getInteger("fuzz.rounds", 20_000);
  private static final byte[] TOKENS = "{}[]\",:0123456789-+.eE truefalsnul\\u\n".getBytes(StandardCharsets.US_ASCII);

  private final V2Codec v2 = new V2Codec(new DecodeLimits(1 << 16, 1 << 20, 16, 1 << 10));
  private final PlainJsonCodec plain = new PlainJsonCodec(new DecodeLimits(1 << 16, 1 << 20, 16, 1 << 10));

  /** Seeds: every datatype as JSON and as binary, plus hand-written edge shapes. */
  private List<byte[]> v2Seeds(List<Integer> headerLengths) {
    List<byte[]> seeds = new ArrayList<>();
    for (boolean binary : new boolean[] {false, true}) {
      for (DataType type : DataType.values()) {
        InferenceRequest asked = new InferenceRequest(null, List.of(), List.of(), binary, OptionalLong.empty());
        EncodedResponse enc = v2.encodeResponse(
            new InferenceResponse("m", "1", "id", List.of(SampleTensors.of(type))), asked);
        String text = enc.body().toString(StandardCharsets.ISO_8859_1).replaceFirst("\"outputs\":", "\"inputs\":");
        seeds.add(text.getBytes(StandardCharsets.ISO_8859_1));
        headerLengths.add(binary ? enc.jsonHeaderLength() - 1 : -1);
      }
    }
    seeds.add(json("{'inputs':[{'data':[[1,2],[3,4]],'name':'x','shape':[2,2],'datatype':'UINT16',"
        + "'parameters':{'p':1}}],'outputs':[{'name':'y','parameters':{'binary_data':true}}],"
        + "'parameters':{'timeout':5,'binary_data_output':false}}").getBytes(StandardCharsets.UTF_8));
    headerLengths.add(-1);
    return seeds;
  }

  private static byte[] mutate(byte[] seed, Random rnd) {
    byte[] b = seed.clone();
    int edits = 1 + rnd.nextInt(3);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int pos = rnd.nextInt(b.length);
      switch (rnd.nextInt(5)) {
        case 0 -> b[pos] = (byte) rnd.nextInt(256);
        case 1 -> b[pos] = TOKENS[rnd.nextInt(TOKENS.length)];
        case 2 -> b = java.util.Arrays.copyOf(b, pos); // truncate
        case 3 -> { // delete one byte
          byte[] c = new byte[b.length - 1];
          System.arraycopy(b, 0, c, 0, pos);
          System.arraycopy(b, pos + 1, c, pos, b.length - pos - 1);
          b = c;
        }
        default -> { // insert a JSON-ish byte
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, pos);
          c[pos] = TOKENS[rnd.nextInt(TOKENS.length)];
          System.arraycopy(b, pos, c, pos + 1, b.length - pos);
          b = c;
        }
      }
    }
    return b;
  }

  @Test
  void mutatedV2Bodies_failOnlyWithFunctionException() {
    List<Integer> headers = new ArrayList<>();
    List<byte[]> seeds = v2Seeds(headers);
    Random rnd = new Random(42);
    for (int i = 0; i < ROUNDS; i++) {
      int s = rnd.nextInt(seeds.size());
      byte[] body = mutate(seeds.get(s), rnd);
      int header = headers.get(s);
      if (rnd.nextInt(8) == 0) {
        header = rnd.nextInt(body.length + 3) - 2; // sometimes a wrong header length too
      }
      try {
        v2.decodeRequest(Buffer.buffer(body), header);
      } catch (FunctionException expected) {
        // the only allowed failure
      } catch (RuntimeException | Error e) {
        fail("round " + i + " header " + header + " body " + new String(body, StandardCharsets.ISO_8859_1), e);
      }
    }
  }

  @Test
  void mutatedPlainBodies_failOnlyWithFunctionException() {
    List<byte[]> seeds = new ArrayList<>();
    List<Signature> sigs = new ArrayList<>();
    for (DataType type : DataType.values()) {
      Tensor t = SampleTensors.of(type);
      seeds.add(plain.encodeOutputs(List.of(t)).getBytes());
      sigs.add(new Signature(List.of(new TensorSpec(t.name(), type, t.shape())), List.of()));
    }
    Random rnd = new Random(7);
    for (int i = 0; i < ROUNDS; i++) {
      int s = rnd.nextInt(seeds.size());
      byte[] body = mutate(seeds.get(s), rnd);
      try {
        plain.decodeInputs(Buffer.buffer(body), sigs.get(s));
      } catch (FunctionException expected) {
        // the only allowed failure
      } catch (RuntimeException | Error e) {
        fail("round " + i + " body " + new String(body, StandardCharsets.ISO_8859_1), e);
      }
    }
  }
}
