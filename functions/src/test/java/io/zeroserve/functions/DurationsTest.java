package io.zeroserve.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  static Stream<Arguments> validTexts() {
    return Stream.of(
        Arguments.of("250ms", Duration.ofMillis(250)),
        Arguments.of("30s", Duration.ofSeconds(30)),
        Arguments.of("10m", Duration.ofMinutes(10)),
        Arguments.of("1h", Duration.ofHours(1)),
        Arguments.of("0", Duration.ZERO),
        Arguments.of("0s", Duration.ZERO),
        Arguments.of("0ms", Duration.ZERO),
        Arguments.of("15us", Duration.ofNanos(15_000)),
        Arguments.of(" 5s ", Duration.ofSeconds(5)),
        Arguments.of("90s", Duration.ofSeconds(90)),
        Arguments.of("999999999999ms", Duration.ofMillis(999_999_999_999L)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("validTexts")
  void validText_parsesToItsDuration(String text, Duration expected) {
    assertEquals(expected, Durations.parse("timeout", text));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validTexts")
  void formatThenParse_givesTheSameDuration(String text, Duration expected) {
    assertEquals(expected, Durations.parse("timeout", Durations.format(expected)));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"5", "-1s", "1.5s", "s", "", " ", "5 s", "5S", "1d", "ms5", "00", "1e3ms",
      "1000000000000s", "+5s", "5sec"})
  void textThatIsNotADuration_isBadRequestNamingKeyRuleAndValue(String text) {
    FunctionException e = assertThrows(FunctionException.class, () -> Durations.parse("idleTimeout", text));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertEquals("idleTimeout must be a duration such as 250ms, 30s, 10m or 1h, was: " + text, e.getMessage());
  }

  @ParameterizedTest
  @NullSource
  void nullText_isBadRequestSayingNull(String text) {
    FunctionException e = assertThrows(FunctionException.class, () -> Durations.parse("timeout", text));
    assertEquals("timeout must be a duration such as 250ms, 30s, 10m or 1h, was: null", e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"3000000h", "999999999999h", "999999999999m", "999999999999s"})
  void durationBeyondWhatNanosecondsCanHold_isBadRequestNotAnArithmeticError(String text) {
    // These parse to Durations whose toNanos() overflows; everything downstream (format, config
    // checks, timers) works in nanoseconds, so they must be refused here with a clear message.
    FunctionException e = assertThrows(FunctionException.class, () -> Durations.parse("timeout", text));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertTrue(e.getMessage().startsWith("timeout must be"), e.getMessage());
    assertTrue(e.getMessage().endsWith("was: " + text), e.getMessage());
  }

  static Stream<Arguments> formats() {
    return Stream.of(
        Arguments.of(Duration.ZERO, "0s"),
        Arguments.of(Duration.ofMillis(250), "250ms"),
        Arguments.of(Duration.ofSeconds(30), "30s"),
        Arguments.of(Duration.ofSeconds(600), "10m"),
        Arguments.of(Duration.ofMinutes(90), "90m"),
        Arguments.of(Duration.ofSeconds(3600), "1h"),
        Arguments.of(Duration.ofHours(48), "48h"),
        Arguments.of(Duration.ofMillis(1500), "1500ms"),
        Arguments.of(Duration.ofNanos(15_000), "15us"),
        Arguments.of(Duration.ofSeconds(-1), "-1s"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("formats")
  void format_writesTheShortestExactText(Duration d, String expected) {
    assertEquals(expected, Durations.format(d));
  }

  @Test
  void format_ofTheLargestParsableDuration_doesNotThrow() {
    Duration largest = Durations.parse("timeout", "999999999999ms");
    assertEquals("999999999999ms", Durations.format(largest));
  }
}
