package io.zeroserve.functions;

import java.util.Arrays;

/** Shape arithmetic that refuses to overflow and says which rule a shape broke. */
public final class Shapes {

  private Shapes() {}

  /**
   * Product of the dimensions.
   *
   * @throws FunctionException BAD_REQUEST for a negative dimension or a product over {@code Long.MAX_VALUE}
   */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw FunctionException.badRequest("shape dimensions must be >= 0, was: " + Arrays.toString(shape));
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw FunctionException.badRequest("shape is too large: " + Arrays.toString(shape));
      }
    }
    return n;
  }

  /**
   * Whether a concrete shape fits a declared one, where a declared dimension of -1 (dynamic) matches
   * any size.
   */
  public static boolean matches(long[] declared, long[] actual) {
    if (declared.length != actual.length) {
      return false;
    }
    for (int i = 0; i < declared.length; i++) {
      if (declared[i] >= 0 && declared[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  /** V2-style shape text: {@code [-1, 4]}. */
  public static String format(long[] shape) {
    return Arrays.toString(shape);
  }
}
