package io.zeroserve.functions;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One deployed version of a function: its artifact (by content hash) and the signature read from
 * the model when it was deployed. Immutable.
 *
 * @param version 1, 2, 3, ... per function, never reused
 * @param sha256 lowercase hex SHA-256 of the model file, which names the artifact in the store
 * @param sizeBytes the model file's size
 */
public record FunctionVersion(int version, String sha256, long sizeBytes, Instant created, Signature signature) {

  public FunctionVersion {
    Objects.requireNonNull(sha256, "sha256 cannot be null");
    Objects.requireNonNull(created, "created cannot be null");
    Objects.requireNonNull(signature, "signature cannot be null");
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("version", version)
        .put("sha256", sha256)
        .put("sizeBytes", sizeBytes)
        .put("created", created.toString())
        .put("inputs", specsToJson(signature.inputs()))
        .put("outputs", specsToJson(signature.outputs()));
  }

  public static FunctionVersion fromJson(JsonObject json) {
    return new FunctionVersion(json.getInteger("version"), json.getString("sha256"), json.getLong("sizeBytes"),
        Instant.parse(json.getString("created")),
        new Signature(specsFromJson(json.getJsonArray("inputs")), specsFromJson(json.getJsonArray("outputs"))));
  }

  /** Tensor specs in the V2 metadata form: {@code [{"name", "datatype", "shape"}]}. */
  public static JsonArray specsToJson(List<TensorSpec> specs) {
    JsonArray array = new JsonArray();
    for (TensorSpec s : specs) {
      JsonArray shape = new JsonArray();
      for (long d : s.shape()) {
        shape.add(d);
      }
      array.add(new JsonObject().put("name", s.name()).put("datatype", s.type().v2Name()).put("shape", shape));
    }
    return array;
  }

  private static List<TensorSpec> specsFromJson(JsonArray array) {
    List<TensorSpec> specs = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonObject s = array.getJsonObject(i);
      JsonArray shapeJson = s.getJsonArray("shape");
      long[] shape = new long[shapeJson.size()];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = shapeJson.getLong(d);
      }
      specs.add(new TensorSpec(s.getString("name"), DataType.fromV2(s.getString("datatype")), shape));
    }
    return specs;
  }
}
