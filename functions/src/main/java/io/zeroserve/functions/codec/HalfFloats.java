package io.zeroserve.functions.codec;

/**
 * Conversions between {@code float}/{@code double} and the 16-bit formats FP16 (IEEE 754 binary16)
 * and BF16 (bfloat16), as raw {@code short} bits. Narrowing rounds to nearest, ties to even; values
 * beyond the format's range become infinity; NaN stays NaN (payload kept where it fits, else a quiet
 * NaN); subnormals are exact where representable. Java 17 has no {@code Float.floatToFloat16}.
 * Stateless and thread-safe.
 */
public final class HalfFloats {

  private HalfFloats() {}

  /** FP16 bits to float; exact. */
  public static float halfToFloat(short half) {
    int h = half & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      // Zero or subnormal: mant x 2^-24, exact in float.
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + (127 - 15)) << 23) | (mant << 13));
  }

  /** Float to FP16 bits, round to nearest even. */
  public static short floatToHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xFF;
    int mant = bits & 0x7FFFFF;
    if (exp == 0xFF) {
      if (mant == 0) {
        return (short) (sign | 0x7C00);
      }
      int payload = mant >>> 13;
      // A payload only in the dropped low bits would turn NaN into infinity; make it a quiet NaN.
      return (short) (sign | 0x7C00 | (payload == 0 ? 0x200 : payload));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (e <= 0) {
      // Below 2^-25 everything rounds to zero (2^-25 itself is a tie that goes to even zero).
      if (e < -10) {
        return (short) sign;
      }
      int m = mant | 0x800000;
      int shift = 14 - e;
      return (short) (sign | roundShift(m, shift));
    }
    int h = sign | (e << 10) | (mant >>> 13);
    int rem = mant & 0x1FFF;
    // A carry out of the mantissa correctly bumps the exponent, up to infinity.
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
      h++;
    }
    return (short) h;
  }

  /** BF16 bits to float; exact. */
  public static float bfloat16ToFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xFFFF) << 16);
  }

  /** Float to BF16 bits, round to nearest even. */
  public static short floatToBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) {
      // Rounding could carry a NaN's payload into infinity: truncate it, and make it quiet only when
      // nothing of it survives the truncation.
      int top = bits >>> 16;
      return (short) ((top & 0x7F) == 0 ? top | 0x40 : top);
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  /** Double to FP16 bits, rounded once (not double-then-float-then-half). */
  public static short doubleToHalf(double value) {
    return floatToHalf(roundToOddFloat(value));
  }

  /** Double to BF16 bits, rounded once. */
  public static short doubleToBfloat16(double value) {
    return floatToBfloat16(roundToOddFloat(value));
  }

  /**
   * Double to float rounding to odd: an inexact result gets its last bit set. Rounding that again to
   * a format with at least 2 fewer significand bits (FP16: 11, BF16: 8, float: 24) gives the same
   * result as rounding the double directly, which plain (float) casting would not at ties.
   */
  static float roundToOddFloat(double value) {
    float f = (float) value;
    if (f == value || Double.isNaN(value)) {
      return f;
    }
    int bits = Float.floatToRawIntBits(f);
    if (Math.abs((double) f) > Math.abs(value)) {
      bits--; // rounded away from zero (possibly to infinity): step back to the truncated value
    }
    return Float.intBitsToFloat(bits | 1);
  }

  private static int roundShift(int m, int shift) {
    int q = m >>> shift;
    int rem = m & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    if (rem > half || (rem == half && (q & 1) != 0)) {
      q++;
    }
    return q;
  }
}
