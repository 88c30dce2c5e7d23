package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Triton's binary tensor extension as a client writes and reads it: a JSON header of
 * {@code Inference-Header-Content-Length} bytes, then the binary tensors concatenated in order.
 */
final class V2Binary {

  static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private V2Binary() {}

  /** A request body and the header length that goes with it. */
  record Request(Buffer body, int headerLength) {

    MultiMap headers() {
      return NodeFixture.headers("content-type", "application/octet-stream", HEADER_LENGTH, String.valueOf(headerLength));
    }
  }

  /** The JSON header followed by {@code parts}, in order. */
  static Request request(JsonObject header, Buffer... parts) {
    Buffer json = header.toBuffer();
    Buffer body = json.copy();
    for (Buffer part : parts) {
      body.appendBuffer(part);
    }
    return new Request(body, json.length());
  }

  /** A response read back: its JSON, and the binary data of each output sent as binary, by output name. */
  record Response(JsonObject json, Map<String, Buffer> binary) {}

  /** Splits a 200 response into its JSON and binary outputs; works for all-JSON responses too. */
  static Response parse(NodeFixture.Reply reply) {
    assertEquals(200, reply.status(), () -> "status of " + reply.body());
    String length = reply.headers().get(HEADER_LENGTH);
    Buffer body = reply.body();
    if (length == null) {
      return new Response(reply.json(), Map.of());
    }
    assertEquals("application/octet-stream", reply.contentType(), "content-type of a binary response");
    int jsonLength = Integer.parseInt(length);
    JsonObject json = new JsonObject(body.getBuffer(0, jsonLength));
    Map<String, Buffer> binary = new LinkedHashMap<>();
    int pos = jsonLength;
    JsonArray outputs = json.getJsonArray("outputs");
    for (int i = 0; i < outputs.size(); i++) {
      JsonObject o = outputs.getJsonObject(i);
      JsonObject parameters = o.getJsonObject("parameters");
      if (parameters == null || parameters.getValue("binary_data_size") == null) {
        continue;
      }
      int size = parameters.getInteger("binary_data_size");
      assertNotNull(o.getString("name"));
      binary.put(o.getString("name"), body.getBuffer(pos, pos + size));
      pos += size;
    }
    assertEquals(body.length(), pos, "binary outputs fill the body after the JSON header exactly");
    return new Response(json, binary);
  }
}
