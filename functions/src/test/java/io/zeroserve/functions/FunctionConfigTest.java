package io.zeroserve.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FunctionConfigTest {

  private static FunctionException badRequest(JsonObject json) {
    FunctionException e = assertThrows(FunctionException.class, () -> FunctionConfig.fromJson(json));
    assertEquals(Reason.BAD_REQUEST, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void emptyObjectAndNull_giveTheDefaults() {
    assertEquals(FunctionConfig.DEFAULTS, FunctionConfig.fromJson(new JsonObject()));
    assertEquals(FunctionConfig.DEFAULTS, FunctionConfig.fromJson(null));
  }

  @Test
  void defaults_areTheDocumentedConstants() {
    FunctionConfig c = FunctionConfig.DEFAULTS;
    assertNull(c.activeVersion());
    assertEquals(DevicePreference.ANY, c.device());
    assertEquals(Duration.ofSeconds(30), c.timeout());
    assertEquals(0, c.minReplicas());
    assertEquals(4, c.maxReplicas());
    assertEquals(Duration.ofMinutes(5), c.idleTimeout());
    assertEquals(4, c.targetConcurrency());
    assertEquals(1, c.maxBatchSize());
    assertEquals(Duration.ofMillis(2), c.maxQueueDelay());
    assertEquals(1024, c.maxQueue());
  }

  @Test
  void missingFields_takeTheirDefaults_givenFieldsAreKept() {
    FunctionConfig c = FunctionConfig.fromJson(new JsonObject().put("maxReplicas", 8).put("timeout", "250ms"));
    assertEquals(new FunctionConfig(null, DevicePreference.ANY, Duration.ofMillis(250), 0, 8,
        Duration.ofMinutes(5), 4, 1, Duration.ofMillis(2), 1024), c);
  }

  @Test
  void nullValues_meanTheDefault() {
    JsonObject json = new JsonObject();
    for (String key : FunctionConfig.DEFAULTS.toJson().fieldNames()) {
      json.putNull(key);
    }
    json.putNull("activeVersion");
    assertEquals(FunctionConfig.DEFAULTS, FunctionConfig.fromJson(json));
  }

  @Test
  void everyFieldSet_isReadAsGiven() {
    JsonObject json = new JsonObject()
        .put("activeVersion", 3).put("device", "GPU").put("timeout", "1h").put("minReplicas", 2)
        .put("maxReplicas", 64).put("idleTimeout", "10m").put("targetConcurrency", 10_000)
        .put("maxBatchSize", 4096).put("maxQueueDelay", "10s").put("maxQueue", 1_000_000);
    assertEquals(new FunctionConfig(3, DevicePreference.GPU, Duration.ofHours(1), 2, 64, Duration.ofMinutes(10),
        10_000, 4096, Duration.ofSeconds(10), 1_000_000), FunctionConfig.fromJson(json));
  }

  @Test
  void lowestValues_areAccepted() {
    JsonObject json = new JsonObject()
        .put("activeVersion", 1).put("device", "cpu").put("timeout", "1ms").put("minReplicas", 0)
        .put("maxReplicas", 1).put("idleTimeout", "1us").put("targetConcurrency", 1)
        .put("maxBatchSize", 1).put("maxQueueDelay", "0").put("maxQueue", 1);
    FunctionConfig c = FunctionConfig.fromJson(json);
    assertEquals(Duration.ZERO, c.maxQueueDelay());
    assertEquals(Duration.ofNanos(1000), c.idleTimeout());
    assertEquals(DevicePreference.CPU, c.device());
  }

  /** Key, JSON value, and the exact message: key, rule and value. */
  static Stream<Arguments> invalidFields() {
    return Stream.of(
        Arguments.of("activeVersion", 0, "activeVersion must be >= 1, was: 0"),
        Arguments.of("activeVersion", -2, "activeVersion must be >= 1, was: -2"),
        Arguments.of("device", "tpu", "device must be one of any, gpu, cpu, was: tpu"),
        Arguments.of("device", "", "device must be one of any, gpu, cpu, was: "),
        Arguments.of("timeout", "0", "timeout must be > 0, was: 0s"),
        Arguments.of("timeout", "0ms", "timeout must be > 0, was: 0s"),
        Arguments.of("timeout", "5", "timeout must be a duration such as 250ms, 30s, 10m or 1h, was: 5"),
        Arguments.of("timeout", "-1s", "timeout must be a duration such as 250ms, 30s, 10m or 1h, was: -1s"),
        Arguments.of("minReplicas", -1, "minReplicas must be in 0..64, was: -1"),
        Arguments.of("minReplicas", 65, "minReplicas must be in 0..64, was: 65"),
        Arguments.of("maxReplicas", 0, "maxReplicas must be in 1..64, was: 0"),
        Arguments.of("maxReplicas", 65, "maxReplicas must be in 1..64, was: 65"),
        Arguments.of("idleTimeout", "0", "idleTimeout must be > 0, was: 0s"),
        Arguments.of("idleTimeout", "1.5s", "idleTimeout must be a duration such as 250ms, 30s, 10m or 1h, was: 1.5s"),
        Arguments.of("targetConcurrency", 0, "targetConcurrency must be in 1..10000, was: 0"),
        Arguments.of("targetConcurrency", 10_001, "targetConcurrency must be in 1..10000, was: 10001"),
        Arguments.of("maxBatchSize", 0, "maxBatchSize must be in 1..4096, was: 0"),
        Arguments.of("maxBatchSize", 4097, "maxBatchSize must be in 1..4096, was: 4097"),
        Arguments.of("maxQueueDelay", "11s", "maxQueueDelay must be in 0..10s, was: 11s"),
        Arguments.of("maxQueueDelay", "1m", "maxQueueDelay must be in 0..10s, was: 1m"),
        Arguments.of("maxQueue", 0, "maxQueue must be in 1..1000000, was: 0"),
        Arguments.of("maxQueue", 1_000_001, "maxQueue must be in 1..1000000, was: 1000001"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("invalidFields")
  void invalidField_isBadRequestNamingKeyRuleAndValue(String key, Object value, String message) {
    assertEquals(message, badRequest(new JsonObject().put(key, value)).getMessage());
  }

  @Test
  void maxReplicasBelowMinReplicas_isBadRequestNamingBoth() {
    assertEquals("maxReplicas must be >= minReplicas (5), was: 4",
        badRequest(new JsonObject().put("minReplicas", 5)).getMessage());
    assertEquals("maxReplicas must be >= minReplicas (3), was: 2",
        badRequest(new JsonObject().put("minReplicas", 3).put("maxReplicas", 2)).getMessage());
  }

  @Test
  void unknownField_isBadRequestNamingItAndTheKnownFields() {
    String message = badRequest(new JsonObject().put("maxReplica", 3)).getMessage();
    assertTrue(message.startsWith("unknown config field 'maxReplica'; known fields: [activeVersion, device, "),
        message);
    assertTrue(message.contains("maxReplicas"), message);
  }

  @Test
  void unknownField_isRefusedEvenWhenEveryOtherFieldIsValid() {
    JsonObject json = FunctionConfig.DEFAULTS.toJson().put("replicas", 2);
    assertTrue(badRequest(json).getMessage().contains("'replicas'"));
  }

  /** Key, a value of the wrong JSON type, and the exact message. */
  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        Arguments.of("maxReplicas", "4", "maxReplicas must be an integer, was: 4"),
        Arguments.of("maxReplicas", 1.5, "maxReplicas must be an integer, was: 1.5"),
        Arguments.of("maxReplicas", true, "maxReplicas must be an integer, was: true"),
        Arguments.of("maxQueue", 1e10, "maxQueue must be an integer, was: 1.0E10"),
        Arguments.of("maxQueue", 3_000_000_000L, "maxQueue must be an integer, was: 3000000000"),
        Arguments.of("activeVersion", new JsonArray().add(1), "activeVersion must be an integer, was: [1]"),
        Arguments.of("minReplicas", new JsonObject(), "minReplicas must be an integer, was: {}"),
        Arguments.of("timeout", 30, "timeout must be a string, was: 30"),
        Arguments.of("idleTimeout", false, "idleTimeout must be a string, was: false"),
        Arguments.of("maxQueueDelay", new JsonArray(), "maxQueueDelay must be a string, was: []"),
        Arguments.of("device", 1, "device must be a string, was: 1"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("wrongTypes")
  void valueOfTheWrongType_isBadRequestNamingKeyAndValue(String key, Object value, String message) {
    assertEquals(message, badRequest(new JsonObject().put(key, value)).getMessage());
  }

  @Test
  void integralFloatingPointNumber_isReadAsAnInteger() {
    assertEquals(8, FunctionConfig.fromJson(new JsonObject().put("maxReplicas", 8.0)).maxReplicas());
  }

  @Test
  void hugeDuration_isBadRequestNamingTheKey_notAnArithmeticError() {
    String message = badRequest(new JsonObject().put("timeout", "3000000h")).getMessage();
    assertTrue(message.startsWith("timeout must be"), message);
    assertTrue(message.endsWith("was: 3000000h"), message);
  }

  @Test
  void deviceIsCaseInsensitive() {
    assertEquals(DevicePreference.GPU, FunctionConfig.fromJson(new JsonObject().put("device", "Gpu")).device());
  }

  static Stream<FunctionConfig> configs() {
    return Stream.of(
        FunctionConfig.DEFAULTS,
        FunctionConfig.DEFAULTS.withActiveVersion(7),
        new FunctionConfig(2, DevicePreference.GPU, Duration.ofMillis(250), 1, 3, Duration.ofHours(2), 16, 32,
            Duration.ZERO, 10),
        new FunctionConfig(null, DevicePreference.CPU, Duration.ofNanos(15_000), 64, 64, Duration.ofMillis(1500),
            1, 4096, Duration.ofSeconds(10), 1_000_000));
  }

  @ParameterizedTest
  @MethodSource("configs")
  void toJsonThenFromJson_givesAnEqualConfig(FunctionConfig config) {
    assertEquals(config, FunctionConfig.fromJson(config.toJson()));
    assertEquals(config, FunctionConfig.fromJson(new JsonObject(config.toJson().encode())));
  }

  @Test
  void toJson_writesDurationsAsTextAndDeviceInLowercase_andOmitsAnUnpinnedVersion() {
    JsonObject json = FunctionConfig.DEFAULTS.toJson();
    assertFalse(json.containsKey("activeVersion"));
    assertEquals("any", json.getString("device"));
    assertEquals("30s", json.getString("timeout"));
    assertEquals("5m", json.getString("idleTimeout"));
    assertEquals("2ms", json.getString("maxQueueDelay"));
    assertEquals(3, FunctionConfig.DEFAULTS.withActiveVersion(3).toJson().getInteger("activeVersion"));
  }

  @Test
  void withActiveVersion_changesOnlyThePin() {
    FunctionConfig pinned = FunctionConfig.DEFAULTS.withActiveVersion(2);
    assertEquals(2, pinned.activeVersion());
    assertEquals(FunctionConfig.DEFAULTS, pinned.withActiveVersion(null));
  }
}
