package io.zeroserve.functions;

import static io.zeroserve.functions.TestModels.T0;
import static io.zeroserve.functions.TestModels.fakeSha;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FunctionRecordTest {

  private static final Signature SIG = TestModels.everyTypeSignature();
  private static final String A63 = "a".repeat(63);
  private static final String A64 = "a".repeat(64);

  private static FunctionRecord withVersions(int count) {
    FunctionRecord r = FunctionRecord.create("f", T0, FunctionConfig.DEFAULTS);
    for (int i = 1; i <= count; i++) {
      r = r.withNewVersion(fakeSha(i), 100L * i, T0.plusSeconds(i), SIG);
    }
    return r;
  }

  private static List<Integer> numbers(FunctionRecord r) {
    return r.versions().stream().map(FunctionVersion::version).toList();
  }

  static Stream<String> validNames() {
    return Stream.of("a", "0", "iris-mlp", "multi_io", "model.v2", "a..b", "9-a_b.c", A63);
  }

  static Stream<String> invalidNames() {
    return Stream.of(null, "", "../x", "..", ".", "a/b", "a\\b", "A", "Iris", "-a", ".a", "_a", "a b", "é", "a:b",
        "a\nb", "a\u0000", A64);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @MethodSource("validNames")
  void validName_isAccepted(String name) {
    assertEquals(name, FunctionRecord.checkName(name));
    assertEquals(name, FunctionRecord.create(name, T0, FunctionConfig.DEFAULTS).name());
  }

  @ParameterizedTest(name = "\"{0}\"")
  @MethodSource("invalidNames")
  void invalidName_isBadRequestNamingRuleAndValue(String name) {
    FunctionException e = assertThrows(FunctionException.class, () -> FunctionRecord.checkName(name));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertEquals("function name must match [a-z0-9][a-z0-9._-]{0,62}, was: " + name, e.getMessage());
    assertThrows(FunctionException.class, () -> FunctionRecord.create(name, T0, FunctionConfig.DEFAULTS));
  }

  @Test
  void newFunction_hasNoVersionsAndStartsNumberingAtOne() {
    FunctionRecord r = FunctionRecord.create("f", T0, FunctionConfig.DEFAULTS);
    assertEquals(List.of(), r.versions());
    assertEquals(1, r.nextVersion());
    assertEquals(Optional.empty(), r.activeVersion());
  }

  @Test
  void withNewVersion_numbersVersionsOneTwoThree() {
    FunctionRecord r = withVersions(3);
    assertEquals(List.of(1, 2, 3), numbers(r));
    assertEquals(4, r.nextVersion());
    FunctionVersion v2 = r.version(2).orElseThrow();
    assertEquals(fakeSha(2), v2.sha256());
    assertEquals(200, v2.sizeBytes());
    assertEquals(T0.plusSeconds(2), v2.created());
    assertEquals(SIG, v2.signature());
  }

  @Test
  void versionNumbers_areNeverReused_afterTheNewestIsDeleted() {
    FunctionRecord r = withVersions(3).withoutVersion(3);
    assertEquals(List.of(1, 2), numbers(r));
    r = r.withNewVersion(fakeSha(9), 1, T0, SIG);
    assertEquals(List.of(1, 2, 4), numbers(r));
  }

  @Test
  void versionNumbers_areNeverReused_afterEveryVersionIsDeleted() {
    FunctionRecord r = withVersions(2).withoutVersion(1).withoutVersion(2);
    assertEquals(List.of(), r.versions());
    assertEquals(Optional.empty(), r.activeVersion());
    r = r.withNewVersion(fakeSha(9), 1, T0, SIG);
    assertEquals(List.of(3), numbers(r));
    assertEquals(4, r.nextVersion());
  }

  @Test
  void withoutVersion_ofAnUnknownVersion_changesNothing() {
    FunctionRecord r = withVersions(2);
    assertEquals(r, r.withoutVersion(7));
  }

  @Test
  void activeVersion_isTheNewest_whenNoneIsPinned() {
    FunctionRecord r = withVersions(3);
    assertEquals(3, r.activeVersion().orElseThrow().version());
    assertEquals(2, r.withoutVersion(3).activeVersion().orElseThrow().version());
    assertEquals(3, r.withoutVersion(1).activeVersion().orElseThrow().version());
  }

  @Test
  void activeVersion_isThePinnedOne_evenWhenNewerVersionsExist() {
    FunctionRecord r = withVersions(3).withConfig(FunctionConfig.DEFAULTS.withActiveVersion(2));
    assertEquals(2, r.activeVersion().orElseThrow().version());
    r = r.withNewVersion(fakeSha(4), 1, T0, SIG);
    assertEquals(2, r.activeVersion().orElseThrow().version());
    assertEquals(4, r.withConfig(FunctionConfig.DEFAULTS).activeVersion().orElseThrow().version());
  }

  @Test
  void withConfig_pinningAnUnknownVersion_isBadRequestListingTheVersions() {
    FunctionRecord r = withVersions(3).withoutVersion(2);
    FunctionException e = assertThrows(FunctionException.class,
        () -> r.withConfig(FunctionConfig.DEFAULTS.withActiveVersion(2)));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertEquals("activeVersion must name an existing version of 'f' [1, 3], was: 2", e.getMessage());
  }

  @Test
  void withConfig_replacesTheConfigAndKeepsTheVersions() {
    FunctionRecord r = withVersions(2);
    FunctionConfig c = new FunctionConfig(1, DevicePreference.GPU, FunctionConfig.DEFAULT_TIMEOUT, 1, 2,
        FunctionConfig.DEFAULT_IDLE_TIMEOUT, 4, 8, FunctionConfig.DEFAULT_MAX_QUEUE_DELAY, 10);
    FunctionRecord next = r.withConfig(c);
    assertEquals(c, next.config());
    assertEquals(r.versions(), next.versions());
    assertEquals(r.nextVersion(), next.nextVersion());
  }

  @Test
  void withoutVersion_ofThePinnedVersion_isConflict() {
    FunctionRecord r = withVersions(2).withConfig(FunctionConfig.DEFAULTS.withActiveVersion(1));
    FunctionException e = assertThrows(FunctionException.class, () -> r.withoutVersion(1));
    assertEquals(Reason.CONFLICT, e.reason());
    assertTrue(e.getMessage().contains("version 1 of function 'f' is its pinned activeVersion"), e.getMessage());
    assertEquals(List.of(1), numbers(r.withoutVersion(2)));
  }

  @Test
  void toJsonThenFromJson_givesAnEqualRecord() {
    FunctionRecord r = withVersions(3).withoutVersion(2)
        .withConfig(FunctionConfig.DEFAULTS.withActiveVersion(1));
    FunctionRecord back = FunctionRecord.fromJson(new JsonObject(r.toJson().encode()));
    assertEquals(r, back);
    assertEquals(4, back.nextVersion());
    assertEquals(SIG, back.version(3).orElseThrow().signature());
  }

  @Test
  void toJsonThenFromJson_keepsNextVersionOfAnEmptiedFunction() {
    FunctionRecord r = withVersions(2).withoutVersion(1).withoutVersion(2);
    FunctionRecord back = FunctionRecord.fromJson(new JsonObject(r.toJson().encode()));
    assertEquals(r, back);
    assertEquals(3, back.nextVersion());
  }

  @Test
  void versionJson_usesV2DatatypeNamesAndMinusOneForDynamicDims() {
    JsonObject v = withVersions(1).versions().get(0).toJson();
    JsonObject firstInput = v.getJsonArray("inputs").getJsonObject(0);
    assertEquals("BOOL", firstInput.getString("datatype"));
    assertEquals(List.of(-1L, 3L), firstInput.getJsonArray("shape").getList().stream()
        .map(n -> ((Number) n).longValue()).toList());
    assertEquals(T0.toString(), withVersions(1).toJson().getString("created"));
    assertEquals(Instant.parse(v.getString("created")), T0.plusSeconds(1));
  }

  @Test
  void versions_cannotBeModifiedFromOutside() {
    FunctionRecord r = withVersions(1);
    assertThrows(UnsupportedOperationException.class, () -> r.versions().clear());
  }
}
