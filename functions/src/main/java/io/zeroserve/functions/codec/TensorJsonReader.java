package io.zeroserve.functions.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonParser.NumberType;
import com.fasterxml.jackson.core.JsonToken;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Shapes;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;

/**
 * A streaming parser with a nesting count, plus the element decoders both JSON codecs share: tokens go
 * straight into a little-endian buffer, no boxing, no tree. One per parse; not thread-safe.
 */
final class TensorJsonReader {

  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final int MAX_SHOWN_CHARS = 40;

  final JsonParser parser;
  private final DecodeLimits limits;
  private int depth;

  /**
   * @param depth how many objects and arrays enclose the parser's first token (0 for a whole
   *     document; more for a parser started in the middle of one)
   */
  TensorJsonReader(JsonParser parser, DecodeLimits limits, int depth) {
    this.parser = parser;
    this.limits = limits;
    this.depth = depth;
  }

  /** The next token, counting nesting; null at the end of the input. */
  JsonToken next() throws IOException {
    JsonToken t = parser.nextToken();
    if (t != null) {
      if (t.isStructStart()) {
        if (++depth > limits.maxJsonDepth()) {
          throw FunctionException.badRequest("JSON must be nested at most maxJsonDepth=" + limits.maxJsonDepth()
              + " levels deep, was deeper at byte " + tokenOffset());
        }
      } else if (t.isStructEnd()) {
        depth--;
      }
    }
    return t;
  }

  /** Skips the value whose first token is {@code current}, including everything nested in it. */
  void skipValue(JsonToken current) throws IOException {
    if (current.isStructStart()) {
      int outside = depth - 1;
      while (depth > outside) {
        if (next() == null) {
          throw FunctionException.badRequest("JSON ends inside an unfinished value");
        }
      }
    }
  }

  /** Byte offset of the current token from the start of this parser's input. */
  long tokenOffset() {
    return parser.currentTokenLocation().getByteOffset();
  }

  /** The current token for an error message: its text, or what kind of thing it is. */
  String describe(JsonToken t) throws IOException {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> '"' + shorten(parser.getText()) + '"';
      default -> shorten(parser.getText());
    };
  }

  /**
   * Reads a tensor's elements, row-major, from a scalar or from arrays nested to any depth (nesting is
   * flattened), into {@code out} at element indices 0, 1, ...
   *
   * @param first the value's first token, already read
   * @param expected how many elements the shape needs; one more is an error
   * @param key what the value is called in messages, e.g. {@code inputs[0].data}
   * @return how many elements were read
   */
  int readFixed(JsonToken first, DataType type, ByteBuffer out, int expected, long[] shape, String key)
      throws IOException {
    if (first != JsonToken.START_ARRAY) {
      if (expected < 1) {
        throw tooMany(key, expected, shape);
      }
      putElement(first, type, out, 0, key);
      return 1;
    }
    int outside = depth - 1;
    int i = 0;
    while (true) {
      JsonToken t = next();
      if (t == JsonToken.END_ARRAY) {
        if (depth == outside) {
          return i;
        }
      } else if (t != JsonToken.START_ARRAY) {
        if (i == expected) {
          throw tooMany(key, expected, shape);
        }
        putElement(t, type, out, i++, key);
      }
    }
  }

  /** {@link #readFixed} for BYTES: JSON strings, UTF-8, each at most maxStringBytes. */
  int readStrings(JsonToken first, String[] out, long[] shape, String key) throws IOException {
    if (first != JsonToken.START_ARRAY) {
      if (out.length < 1) {
        throw tooMany(key, out.length, shape);
      }
      out[0] = string(first, 0, key);
      return 1;
    }
    int outside = depth - 1;
    int i = 0;
    long totalBytes = 0;
    while (true) {
      JsonToken t = next();
      if (t == JsonToken.END_ARRAY) {
        if (depth == outside) {
          return i;
        }
      } else if (t != JsonToken.START_ARRAY) {
        if (i == out.length) {
          throw tooMany(key, out.length, shape);
        }
        String s = string(t, i, key);
        totalBytes += utf8Length(s);
        if (totalBytes > limits.maxBytesPerTensor()) {
          throw FunctionException.tooLarge(key + " must hold at most maxBytesPerTensor=" + limits.maxBytesPerTensor()
              + " bytes of strings, was more by element " + i);
        }
        out[i++] = s;
      }
    }
  }

  /** One BYTES element: a JSON string of at most maxStringBytes UTF-8 bytes. */
  String string(JsonToken t, int i, String key) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw FunctionException.badRequest(key + "[" + i + "] must be a string for BYTES, was: " + describe(t));
    }
    String s = parser.getText();
    // Chars never outnumber UTF-8 bytes, and a char is at most 3 bytes: count only when it could matter.
    if ((long) s.length() * 3 > limits.maxStringBytes() && utf8Length(s) > limits.maxStringBytes()) {
      throw FunctionException.tooLarge(key + "[" + i + "] must be at most maxStringBytes=" + limits.maxStringBytes()
          + " bytes, was: " + utf8Length(s));
    }
    return s;
  }

  /** Decodes one element of a fixed-size type into {@code out} at element index {@code i}. */
  void putElement(JsonToken t, DataType type, ByteBuffer out, int i, String key) throws IOException {
    switch (type) {
      case FP32 -> out.putFloat(i << 2, floatValue(t, type, i, key));
      case FP64 -> out.putDouble(i << 3, doubleValue(t, type, i, key));
      case FP16 -> {
        double d = doubleValue(t, type, i, key);
        short h = HalfFloats.doubleToHalf(d);
        if ((h & 0x7FFF) == 0x7C00 && !Double.isInfinite(d)) {
          throw outOfRange(type, i, key, t);
        }
        out.putShort(i << 1, h);
      }
      case BF16 -> {
        double d = doubleValue(t, type, i, key);
        short h = HalfFloats.doubleToBfloat16(d);
        if ((h & 0x7FFF) == 0x7F80 && !Double.isInfinite(d)) {
          throw outOfRange(type, i, key, t);
        }
        out.putShort(i << 1, h);
      }
      case BOOL -> {
        if (t == JsonToken.VALUE_TRUE) {
          out.put(i, (byte) 1);
        } else if (t == JsonToken.VALUE_FALSE) {
          out.put(i, (byte) 0);
        } else {
          throw FunctionException.badRequest(key + "[" + i + "] must be true or false for BOOL, was: " + describe(t));
        }
      }
      case INT8 -> out.put(i, (byte) intInRange(t, Byte.MIN_VALUE, Byte.MAX_VALUE, type, i, key));
      case UINT8 -> out.put(i, (byte) intInRange(t, 0, 0xFF, type, i, key));
      case INT16 -> out.putShort(i << 1, (short) intInRange(t, Short.MIN_VALUE, Short.MAX_VALUE, type, i, key));
      case UINT16 -> out.putShort(i << 1, (short) intInRange(t, 0, 0xFFFF, type, i, key));
      case INT32 -> out.putInt(i << 2, (int) intInRange(t, Integer.MIN_VALUE, Integer.MAX_VALUE, type, i, key));
      case UINT32 -> out.putInt(i << 2, (int) intInRange(t, 0, 0xFFFF_FFFFL, type, i, key));
      case INT64 -> out.putLong(i << 3, intInRange(t, Long.MIN_VALUE, Long.MAX_VALUE, type, i, key));
      case UINT64 -> out.putLong(i << 3, uint64(t, i, key));
      default -> throw new IllegalStateException("not a fixed-size type: " + type);
    }
  }

  private float floatValue(JsonToken t, DataType type, int i, String key) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
      float v = parser.getFloatValue();
      if (Float.isInfinite(v)) {
        throw outOfRange(type, i, key, t);
      }
      return v;
    }
    return (float) special(t, type, i, key);
  }

  private double doubleValue(JsonToken t, DataType type, int i, String key) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
      double v = parser.getDoubleValue();
      if (Double.isInfinite(v)) {
        throw outOfRange(type, i, key, t);
      }
      return v;
    }
    return special(t, type, i, key);
  }

  /** JSON has no NaN or infinity; V2 clients send them as strings. */
  private double special(JsonToken t, DataType type, int i, String key) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      switch (parser.getText()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw FunctionException.badRequest(key + "[" + i + "] must be a number, \"NaN\", \"Infinity\" or \"-Infinity\" for "
        + type + ", was: " + describe(t));
  }

  private long intInRange(JsonToken t, long min, long max, DataType type, int i, String key) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      NumberType nt = parser.getNumberType();
      if (nt == NumberType.INT || nt == NumberType.LONG) {
        long v = parser.getLongValue();
        if (v >= min && v <= max) {
          return v;
        }
      }
    }
    throw FunctionException.badRequest(key + "[" + i + "] must be an integer in [" + min + ", " + max + "] for " + type
        + ", was: " + describe(t));
  }

  private long uint64(JsonToken t, int i, String key) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      NumberType nt = parser.getNumberType();
      if (nt == NumberType.INT || nt == NumberType.LONG) {
        long v = parser.getLongValue();
        if (v >= 0) {
          return v;
        }
      } else {
        BigInteger v = parser.getBigIntegerValue();
        if (v.signum() >= 0 && v.compareTo(UINT64_MAX) <= 0) {
          return v.longValue(); // two's complement bits are the unsigned value
        }
      }
    }
    throw FunctionException.badRequest(key + "[" + i + "] must be an integer in [0, " + UINT64_MAX + "] for UINT64, was: "
        + describe(t));
  }

  private FunctionException outOfRange(DataType type, int i, String key, JsonToken t) throws IOException {
    return FunctionException.badRequest(key + "[" + i + "] must be within the finite range of " + type + ", was: "
        + describe(t));
  }

  private static FunctionException tooMany(String key, int expected, long[] shape) {
    return FunctionException.badRequest(key + " must have " + expected + " elements for shape " + Shapes.format(shape)
        + ", was: more");
  }

  static long utf8Length(String s) {
    long n = s.length();
    for (int i = 0, len = s.length(); i < len; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          n += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
          n += 2; // 4 bytes for the pair's 2 chars
          i++;
        } else {
          n += 2;
        }
      }
    }
    return n;
  }

  private static String shorten(String s) {
    return s.length() <= MAX_SHOWN_CHARS ? s : s.substring(0, MAX_SHOWN_CHARS) + "...";
  }
}
