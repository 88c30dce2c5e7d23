package io.zeroserve.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ShapesTest {

  static Stream<Arguments> counts() {
    return Stream.of(
        Arguments.of(new long[0], 1L),
        Arguments.of(new long[] {3}, 3L),
        Arguments.of(new long[] {3, 4}, 12L),
        Arguments.of(new long[] {2, 0, 5}, 0L),
        Arguments.of(new long[] {0, Long.MAX_VALUE}, 0L),
        Arguments.of(new long[] {Long.MAX_VALUE}, Long.MAX_VALUE),
        Arguments.of(new long[] {1L << 31, 1L << 31}, 1L << 62));
  }

  @ParameterizedTest
  @MethodSource("counts")
  void elementCount_isTheProductOfTheDims(long[] shape, long expected) {
    assertEquals(expected, Shapes.elementCount(shape));
  }

  static Stream<long[]> overflowing() {
    return Stream.of(
        new long[] {Long.MAX_VALUE, 2},
        new long[] {1L << 32, 1L << 32},
        new long[] {1 << 16, 1 << 16, 1 << 16, 1 << 16},
        new long[] {3, 3_074_457_345_618_258_603L});
  }

  @ParameterizedTest
  @MethodSource("overflowing")
  void elementCount_thatOverflowsALong_isBadRequest(long[] shape) {
    FunctionException e = assertThrows(FunctionException.class, () -> Shapes.elementCount(shape));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertEquals("shape is too large: " + Shapes.format(shape), e.getMessage());
  }

  static Stream<long[]> negative() {
    return Stream.of(new long[] {-1}, new long[] {3, -1}, new long[] {0, -5}, new long[] {Long.MIN_VALUE, 0});
  }

  @ParameterizedTest
  @MethodSource("negative")
  void elementCount_ofANegativeDim_isBadRequest(long[] shape) {
    FunctionException e = assertThrows(FunctionException.class, () -> Shapes.elementCount(shape));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertEquals("shape dimensions must be >= 0, was: " + Shapes.format(shape), e.getMessage());
  }

  static Stream<Arguments> matchCases() {
    return Stream.of(
        Arguments.of(new long[] {-1, 4}, new long[] {3, 4}, true),
        Arguments.of(new long[] {-1, 4}, new long[] {0, 4}, true),
        Arguments.of(new long[] {-1, 4}, new long[] {3, 5}, false),
        Arguments.of(new long[] {-1, -1}, new long[] {7, 9}, true),
        Arguments.of(new long[] {2, 4}, new long[] {2, 4}, true),
        Arguments.of(new long[] {2, 4}, new long[] {4, 2}, false),
        Arguments.of(new long[] {-1}, new long[] {3, 4}, false),
        Arguments.of(new long[] {-1, 4}, new long[] {4}, false),
        Arguments.of(new long[0], new long[0], true),
        Arguments.of(new long[0], new long[] {1}, false));
  }

  @ParameterizedTest
  @MethodSource("matchCases")
  void matches_treatsMinusOneAsAnySize(long[] declared, long[] actual, boolean expected) {
    assertEquals(expected, Shapes.matches(declared, actual));
  }

  @Test
  void format_isV2ShapeText() {
    assertEquals("[-1, 4]", Shapes.format(new long[] {-1, 4}));
    assertEquals("[]", Shapes.format(new long[0]));
  }

  @Test
  void tensorSpec_copiesItsShape_inAndOut() {
    long[] shape = {-1, 4};
    TensorSpec spec = new TensorSpec("x", DataType.FP32, shape);
    shape[1] = 5;
    assertEquals(4, spec.shape()[1]);
    spec.shape()[1] = 6;
    assertEquals(4, spec.shape()[1]);
    assertTrue(spec.hasDynamicBatch());
    assertFalse(new TensorSpec("y", DataType.FP32, new long[] {2, -1}).hasDynamicBatch());
    assertFalse(new TensorSpec("s", DataType.FP32, new long[0]).hasDynamicBatch());
    assertEquals(spec, new TensorSpec("x", DataType.FP32, new long[] {-1, 4}));
    assertEquals(spec.hashCode(), new TensorSpec("x", DataType.FP32, new long[] {-1, 4}).hashCode());
  }
}
