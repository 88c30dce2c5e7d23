package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.OnnxWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Small models and requests the host tests share. Stateless. */
final class TestModels {

  private TestModels() {}

  /**
   * A model that adds {@code k} to every element: input {@code x} FLOAT [batch, 4], output
   * {@code y} FLOAT [batch, 4]. Different {@code k} give different bytes, so versions built from it
   * are distinct artifacts and tell by their answer which one served.
   */
  static byte[] addConstant(float k) {
    OnnxWriter model = new OnnxWriter("add_constant")
        .input("x", OnnxWriter.DataType.FLOAT, "batch", 4)
        .output("y", OnnxWriter.DataType.FLOAT, "batch", 4)
        .initializer("c", new float[] {k, k, k, k}, 4);
    model.node("Add").inputs("x", "c").outputs("y");
    return model.toByteArray();
  }

  /** V2 request for {@link #addConstant}: one row {@code [1, 2, 3, 4]}. */
  static JsonObject addRequest() {
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "x").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(4))
        .put("data", new JsonArray().add(1).add(2).add(3).add(4))));
  }

  /** The {@code k} an {@link #addConstant} model answered {@link #addRequest} with. */
  static float addedConstant(JsonObject v2Response) {
    JsonObject y = v2Response.getJsonArray("outputs").getJsonObject(0);
    assertEquals("y", y.getString("name"));
    JsonArray data = y.getJsonArray("data");
    float k = data.getNumber(0).floatValue() - 1;
    for (int i = 0; i < 4; i++) {
      assertEquals(i + 1 + k, data.getNumber(i).floatValue(), "y[" + i + "] of " + v2Response);
    }
    return k;
  }

  /** A V2 request for iris-mlp: one setosa row. */
  static JsonObject irisRequest() {
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(4))
        .put("data", new JsonArray().add(5.1).add(3.5).add(1.4).add(0.2))));
  }

  /** Asserts iris-mlp's answer to {@link #irisRequest}: label 0 (setosa), probabilities summing to 1. */
  static void assertIrisSetosa(JsonObject response) {
    JsonArray outputs = response.getJsonArray("outputs");
    JsonObject label = null;
    JsonObject probabilities = null;
    for (int i = 0; i < outputs.size(); i++) {
      JsonObject o = outputs.getJsonObject(i);
      if (o.getString("name").equals("label")) {
        label = o;
      } else if (o.getString("name").equals("probabilities")) {
        probabilities = o;
      }
    }
    assertEquals(new JsonArray().add(0), label.getJsonArray("data"), "iris label of " + response);
    assertEquals("INT64", label.getString("datatype"));
    JsonArray p = probabilities.getJsonArray("data");
    assertEquals(3, p.size());
    double sum = 0;
    for (int i = 0; i < 3; i++) {
      sum += p.getDouble(i);
    }
    assertEquals(1.0, sum, 1e-5, "probabilities sum to 1");
    assertEquals(p.getDouble(0), Math.max(p.getDouble(0), Math.max(p.getDouble(1), p.getDouble(2))));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
