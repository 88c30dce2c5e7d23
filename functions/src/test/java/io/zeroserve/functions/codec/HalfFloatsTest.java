package io.zeroserve.functions.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

  /** The value of FP16 bits computed from the definition, independent of the code under test. */
  private static double referenceHalf(int bits) {
    int sign = (bits & 0x8000) != 0 ? -1 : 1;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0x1F) {
      return mant == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
    }
    if (exp == 0) {
      return sign * Math.scalb((double) mant, -24);
    }
    return sign * Math.scalb((double) (mant | 0x400), exp - 25);
  }

  @Test
  void everyHalf_convertsToItsExactValue_andBackToTheSameBits() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = HalfFloats.halfToFloat((short) bits);
      double ref = referenceHalf(bits);
      if (Double.isNaN(ref)) {
        assertTrue(Float.isNaN(f), "NaN bits " + Integer.toHexString(bits));
      } else {
        assertEquals(ref, f, 0.0, "value of " + Integer.toHexString(bits));
        assertEquals(Double.doubleToRawLongBits(ref) < 0, Float.floatToRawIntBits(f) < 0, "sign");
      }
      int back = HalfFloats.floatToHalf(f) & 0xFFFF;
      assertEquals(bits, back, "round trip of " + Integer.toHexString(bits));
      if (Double.isNaN(ref)) {
        // Widening a signaling NaN to double may quiet it (x86 does), changing the payload.
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.doubleToHalf(f))), "double NaN stays NaN");
      } else {
        assertEquals(bits, HalfFloats.doubleToHalf(f) & 0xFFFF, "double round trip of " + Integer.toHexString(bits));
      }
    }
  }

  @Test
  void everyBfloat16_convertsToFloatAndBackToTheSameBits() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = HalfFloats.bfloat16ToFloat((short) bits);
      assertEquals(bits, HalfFloats.floatToBfloat16(f) & 0xFFFF, "round trip of " + Integer.toHexString(bits));
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.doubleToBfloat16(f))), "double NaN stays NaN");
      } else {
        assertEquals(bits, HalfFloats.doubleToBfloat16(f) & 0xFFFF, "double round trip of " + Integer.toHexString(bits));
      }
    }
  }

  @Test
  void floatToHalf_roundsToNearestEven_atEveryMidpointBetweenFiniteHalves() {
    // Between each pair of adjacent non-negative finite halves: the midpoint goes to the even one,
    // anything above or below it to the nearer one. Midpoints are exact floats.
    for (int lo = 0; lo < 0x7BFF; lo++) {
      int hi = lo + 1;
      double mid = (referenceHalf(lo) + referenceHalf(hi)) / 2;
      float m = (float) mid;
      assertEquals(mid, m, 0.0, "midpoint is a float");
      int even = (lo & 1) == 0 ? lo : hi;
      assertEquals(even, HalfFloats.floatToHalf(m) & 0xFFFF, "tie above " + Integer.toHexString(lo));
      assertEquals(lo, HalfFloats.floatToHalf(Math.nextDown(m)) & 0xFFFF, "below mid above " + Integer.toHexString(lo));
      assertEquals(hi, HalfFloats.floatToHalf(Math.nextUp(m)) & 0xFFFF, "above mid above " + Integer.toHexString(lo));
      assertEquals(even | 0x8000, HalfFloats.floatToHalf(-m) & 0xFFFF, "negative tie above " + Integer.toHexString(lo));
      // Doubles just off the tie must not be pulled onto it by an intermediate float rounding.
      assertEquals(lo, HalfFloats.doubleToHalf(Math.nextDown(mid)) & 0xFFFF, "double below mid " + Integer.toHexString(lo));
      assertEquals(hi, HalfFloats.doubleToHalf(Math.nextUp(mid)) & 0xFFFF, "double above mid " + Integer.toHexString(lo));
    }
  }

  @Test
  void floatToHalf_knownValues() {
    assertEquals(0x3C00, HalfFloats.floatToHalf(1f) & 0xFFFF);
    assertEquals(0xC000, HalfFloats.floatToHalf(-2f) & 0xFFFF);
    assertEquals(0x2E66, HalfFloats.floatToHalf(0.1f) & 0xFFFF);
    assertEquals(0x3555, HalfFloats.floatToHalf(1f / 3) & 0xFFFF);
    assertEquals(0x7BFF, HalfFloats.floatToHalf(65504f) & 0xFFFF);
    assertEquals(0x7BFF, HalfFloats.floatToHalf(65519.996f) & 0xFFFF);
    assertEquals(0x7C00, HalfFloats.floatToHalf(65520f) & 0xFFFF, "the tie past the max rounds to infinity");
    assertEquals(0x7C00, HalfFloats.floatToHalf(1e10f) & 0xFFFF);
    assertEquals(0x0400, HalfFloats.floatToHalf(0x1p-14f) & 0xFFFF, "smallest normal");
    assertEquals(0x0001, HalfFloats.floatToHalf(0x1p-24f) & 0xFFFF, "smallest subnormal");
    assertEquals(0x0000, HalfFloats.floatToHalf(0x1p-25f) & 0xFFFF, "half the smallest subnormal ties to zero");
    assertEquals(0x0001, HalfFloats.floatToHalf(Math.nextUp(0x1p-25f)) & 0xFFFF);
    assertEquals(0x8000, HalfFloats.floatToHalf(-0f) & 0xFFFF);
    assertEquals(0x0000, HalfFloats.floatToHalf(Float.MIN_VALUE) & 0xFFFF);
    assertEquals(0xFC00, HalfFloats.floatToHalf(Float.NEGATIVE_INFINITY) & 0xFFFF);
    assertEquals(0x7E00, HalfFloats.floatToHalf(Float.NaN) & 0xFFFF);
    assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.intBitsToFloat(0x7F800001)))),
        "a NaN whose payload is only in the dropped bits stays NaN");
  }

  @Test
  void doubleToHalf_roundsOnce_whereFloatThenHalfWouldRoundTwice() {
    // 1 + 2^-11 is the tie between 1 and the next half; a hair above it must round up. Cast to float
    // first, the hair is lost and the tie goes to even (1.0).
    double justAboveTie = 1 + 0x1p-11 + 0x1p-40;
    assertEquals(0x3C00, HalfFloats.floatToHalf((float) justAboveTie) & 0xFFFF, "the double-rounding trap");
    assertEquals(0x3C01, HalfFloats.doubleToHalf(justAboveTie) & 0xFFFF);
    assertEquals(0x3C00, HalfFloats.doubleToHalf(1 + 0x1p-11) & 0xFFFF);
    assertEquals(0x3F81, HalfFloats.doubleToBfloat16(1 + 0x1p-8 + 0x1p-40) & 0xFFFF);
    assertEquals(0x2E66, HalfFloats.doubleToHalf(new BigDecimal("0.1").doubleValue()) & 0xFFFF);
    assertEquals(0x7C00, HalfFloats.doubleToHalf(1e300) & 0xFFFF);
    assertEquals(0x0000, HalfFloats.doubleToHalf(1e-300) & 0xFFFF);
    assertEquals(0x7F80, HalfFloats.doubleToBfloat16(1e300) & 0xFFFF);
  }

  @Test
  void floatToBfloat16_knownValues() {
    assertEquals(0x3F80, HalfFloats.floatToBfloat16(1f) & 0xFFFF);
    assertEquals(0x3DCD, HalfFloats.floatToBfloat16(0.1f) & 0xFFFF);
    assertEquals(0x4049, HalfFloats.floatToBfloat16((float) Math.PI) & 0xFFFF);
    assertEquals(0x3F80, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F808000)) & 0xFFFF, "tie to even, down");
    assertEquals(0x3F82, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F818000)) & 0xFFFF, "tie to even, up");
    assertEquals(0x7F80, HalfFloats.floatToBfloat16(Float.MAX_VALUE) & 0xFFFF, "rounds past the max to infinity");
    assertEquals(0x7FC0, HalfFloats.floatToBfloat16(Float.NaN) & 0xFFFF);
    assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x7F800001)))));
  }
}
