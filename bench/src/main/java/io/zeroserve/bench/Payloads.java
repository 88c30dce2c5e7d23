package io.zeroserve.bench;

import io.vertx.core.buffer.Buffer;
import io.zeroserve.bench.BenchClient.Request;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.codec.PlainJsonCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;

/** Request bodies for the example models, and the same inputs as tensors for in-process runs. */
final class Payloads {

  /** A setosa, in cm. */
  static final float[] IRIS_ROW = {5.1f, 3.5f, 1.4f, 0.2f};

  /** One row of every multi-io input, as the plain invoke takes it. */
  static final String MULTI_IO_PLAIN = "{\"x\":[[1,2,3,4]],\"ids\":[7],\"mask\":[true],\"names\":[\"setosa\"],"
      + "\"d\":[[1.5,-2]],\"small\":[41],\"bytes8\":[200],\"i8\":[-5],\"i16\":[300],\"h\":[[1.5,-0.25]]}";

  private Payloads() {}

  /** heavy-mlp's input row: 256 values in [-1, 1) with three decimals, from a fixed seed. */
  static float[] heavyRow() {
    Random random = new Random(7);
    float[] row = new float[256];
    for (int i = 0; i < row.length; i++) {
      row[i] = Math.round((random.nextFloat() * 2 - 1) * 1000) / 1000f;
    }
    return row;
  }

  /** {@code POST /v1/functions/{name}/invoke} with one row: {@code {"input": [[...]]}}. */
  static Request plain(String function, String input, float[] row) {
    return plainBody(function, plainJson(input, row));
  }

  /** The plain invoke body for one row of one input. */
  static String plainJson(String input, float[] row) {
    return "{\"" + input + "\":[" + numbers(row) + "]}";
  }

  static Request plainBody(String function, String body) {
    return Request.json("/v1/functions/" + function + "/invoke", body);
  }

  /** {@code POST /v2/models/{name}/infer} with the row as JSON data and JSON outputs. */
  static Request v2Json(String function, String input, float[] row) {
    return Request.json("/v2/models/" + function + "/infer", "{\"inputs\":[{\"name\":\"" + input
        + "\",\"shape\":[1," + row.length + "],\"datatype\":\"FP32\",\"data\":" + numbers(row) + "}]}");
  }

  /** The same with Triton's binary extension: the row as raw FP32 after the JSON, and binary outputs. */
  static Request v2Binary(String function, String input, float[] row) {
    String header = "{\"inputs\":[{\"name\":\"" + input + "\",\"shape\":[1," + row.length
        + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + row.length * 4
        + "}}],\"parameters\":{\"binary_data_output\":true}}";
    Buffer body = Buffer.buffer(header);
    int headerLength = body.length();
    for (float f : row) {
      body.appendFloatLE(f);
    }
    return Request.post("/v2/models/" + function + "/infer", "application/octet-stream", body)
        .withHeader("inference-header-content-length", String.valueOf(headerLength));
  }

  /** One FP32 row [1, n] as ONNX Runtime's input, in a direct buffer that ORT reads in place. */
  static Map<String, Tensor> tensors(String input, float[] row) {
    ByteBuffer data = ByteBuffer.allocateDirect(row.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : row) {
      data.putFloat(f);
    }
    data.flip();
    return Map.of(input, Tensor.ofBuffer(input, DataType.FP32, new long[] {1, row.length}, data));
  }

  /** A plain invoke body decoded as the node decodes it, for in-process runs of any model. */
  static Map<String, Tensor> decodePlain(String body, Signature signature) {
    List<Tensor> decoded = new PlainJsonCodec().decodeInputs(Buffer.buffer(body), signature);
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    decoded.forEach(t -> inputs.put(t.name(), t));
    return inputs;
  }

  private static String numbers(float[] row) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (float f : row) {
      j.add(Float.toString(f));
    }
    return j.toString();
  }
}
