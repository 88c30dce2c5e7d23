package io.zeroserve.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * Coverage-guided fuzzing of function config parsing as {@code PUT /v1/functions/{name}} does it:
 * JSON text to {@link FunctionConfig#fromJson}. Bad input may only fail as malformed JSON or with
 * {@link FunctionException} (both 400); a config that parses survives its own JSON unchanged.
 * Seeds live under {@code FunctionConfigFuzzTestInputs/}.
 */
class FunctionConfigFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void parse(byte[] body) {
    Object value;
    try {
      value = Json.decodeValue(Buffer.buffer(body));
    } catch (DecodeException malformed) {
      return;
    }
    if (!(value instanceof JsonObject json)) {
      return;
    }
    FunctionConfig config;
    try {
      config = FunctionConfig.fromJson(json);
    } catch (FunctionException refused) {
      return;
    }
    assertEquals(config, FunctionConfig.fromJson(config.toJson()), () -> "round trip of " + json.encode());
  }
}
