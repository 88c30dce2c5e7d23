package io.zeroserve.functions.codec;

import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceResponse;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Rough warm codec timings, not a test: a [1, 3, 90, 100] FP32 tensor (27,000 values) printed with 17
 * significant digits, as numpy/Python clients send it. Run with the test classpath:
 * {@code java -cp ... io.zeroserve.functions.codec.CodecThroughput}.
 */
public final class CodecThroughput {

  private static final int N = 27_000;

  private CodecThroughput() {}

  public static void main(String[] args) {
    Random rnd = new Random(1);
    StringBuilder data = new StringBuilder(N * 24);
    ByteBuffer raw = ByteBuffer.allocateDirect(N * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < N; i++) {
      double v = (float) rnd.nextGaussian();
      data.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.17g", v));
      raw.putFloat(i * 4, (float) v);
    }
    String shape = "[1,3,90,100]";
    String usual = "{\"inputs\":[{\"name\":\"x\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"data\":[" + data + "]}]}";
    String dataFirst = "{\"inputs\":[{\"data\":[" + data + "],\"name\":\"x\",\"shape\":" + shape + ",\"datatype\":\"FP32\"}]}";
    String binHeader = "{\"inputs\":[{\"name\":\"x\",\"shape\":" + shape + ",\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":" + N * 4 + "}}]}";
    byte[] rawBytes = new byte[N * 4];
    raw.duplicate().get(rawBytes);
    Buffer usualBody = Buffer.buffer(usual);
    Buffer dataFirstBody = Buffer.buffer(dataFirst);
    Buffer binBody = Buffer.buffer(binHeader).appendBytes(rawBytes);
    int binHeaderLength = binHeader.length();

    StringBuilder nested = new StringBuilder("{\"x\":[[");
    for (int c = 0; c < 3; c++) {
      nested.append(c == 0 ? "[" : ",[");
      for (int r = 0; r < 90; r++) {
        nested.append(r == 0 ? "[" : ",[");
        for (int k = 0; k < 100; k++) {
          int i = (c * 90 + r) * 100 + k;
          nested.append(k == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.17g", (double) raw.getFloat(i * 4)));
        }
        nested.append(']');
      }
      nested.append(']');
    }
    nested.append("]]}");
    Buffer plainBody = Buffer.buffer(nested.toString());
    Signature sig = new Signature(List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 3, 90, 100})), List.of());

    V2Codec v2 = new V2Codec();
    PlainJsonCodec plain = new PlainJsonCodec();
    Tensor out = Tensor.ofBuffer("y", DataType.FP32, new long[] {1, 3, 90, 100}, raw);
    InferenceResponse response = new InferenceResponse("m", "1", null, List.of(out));
    InferenceRequest jsonOut = new InferenceRequest(null, List.of(), List.of(), false, OptionalLong.empty());
    InferenceRequest binOut = new InferenceRequest(null, List.of(), List.of(), true, OptionalLong.empty());

    System.out.printf(Locale.ROOT, "body sizes: JSON %d bytes, binary %d bytes, plain %d bytes%n",
        usualBody.length(), binBody.length(), plainBody.length());
    time("V2 decode JSON, datatype first", () -> v2.decodeRequest(usualBody, -1));
    time("V2 decode JSON, data first", () -> v2.decodeRequest(dataFirstBody, -1));
    time("V2 decode binary", () -> v2.decodeRequest(binBody, binHeaderLength));
    time("plain decode nested JSON", () -> plain.decodeInputs(plainBody, sig));
    time("V2 encode JSON", () -> v2.encodeResponse(response, jsonOut));
    time("V2 encode binary", () -> v2.encodeResponse(response, binOut));
    time("plain encode nested JSON", () -> plain.encodeOutputs(List.of(out)));
  }

  private static void time(String what, Supplier<Object> op) {
    Object sink = null;
    for (int i = 0; i < 3000; i++) {
      sink = op.get();
    }
    int rounds = 15;
    int perRound = 200;
    double[] micros = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < perRound; i++) {
        sink = op.get();
      }
      micros[r] = (System.nanoTime() - t0) / 1e3 / perRound;
    }
    Arrays.sort(micros);
    double median = micros[rounds / 2];
    System.out.printf(Locale.ROOT, "%-34s median %8.1f us/op (min %8.1f)  %6.1f M values/s  [%s]%n", what, median,
        micros[0], N / median, sink == null ? "" : sink.getClass().getSimpleName());
  }
}
