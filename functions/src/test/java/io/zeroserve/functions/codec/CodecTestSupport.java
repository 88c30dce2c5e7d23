package io.zeroserve.functions.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.function.Executable;

/** Builders and assertions the codec tests share. */
final class CodecTestSupport {

  private CodecTestSupport() {}

  /** JSON written with single quotes for readability. */
  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  static Buffer body(String json) {
    return Buffer.buffer(json.getBytes(StandardCharsets.UTF_8));
  }

  /** A JSON header followed by binary parts. */
  static Buffer body(String json, byte[]... parts) {
    Buffer b = Buffer.buffer(json.getBytes(StandardCharsets.UTF_8));
    for (byte[] p : parts) {
      b.appendBytes(p);
    }
    return b;
  }

  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  static ByteBuffer le(int bytes, Consumer<ByteBuffer> fill) {
    ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    fill.accept(b);
    b.flip();
    return b;
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    d.position(0);
    byte[] out = new byte[d.limit()];
    d.get(out);
    return out;
  }

  static Tensor fixed(String name, DataType type, long[] shape, Consumer<ByteBuffer> fill) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return Tensor.ofBuffer(name, type, shape, le((int) n * type.byteSize(), fill));
  }

  /** Triton framing of BYTES elements. */
  static byte[] framed(String... elements) {
    Buffer b = Buffer.buffer();
    for (String s : elements) {
      byte[] u = s.getBytes(StandardCharsets.UTF_8);
      b.appendIntLE(u.length).appendBytes(u);
    }
    return b.getBytes();
  }

  static void assertSameTensor(Tensor expected, Tensor actual) {
    assertEquals(expected.name(), actual.name(), "name");
    assertEquals(expected.type(), actual.type(), "type of " + expected.name());
    assertArrayEquals(expected.shape(), actual.shape(), "shape of " + expected.name());
    if (expected.type() == DataType.BYTES) {
      assertArrayEquals(expected.strings(), actual.strings(), "strings of " + expected.name());
    } else {
      assertArrayEquals(bytes(expected.data()), bytes(actual.data()), "bytes of " + expected.name());
    }
  }

  /** Asserts a decoded tensor is what the runtime wants: direct, little-endian, [0, bytes). */
  static void assertRuntimeReady(Tensor t) {
    if (t.type() != DataType.BYTES) {
      assertTrue(t.data().isDirect(), "direct");
      assertEquals(ByteOrder.LITTLE_ENDIAN, t.data().order(), "order");
      assertEquals(0, t.data().position(), "position");
      assertEquals(t.elementCount() * t.type().byteSize(), t.data().limit(), "limit");
    }
  }

  static FunctionException assertFails(Reason reason, String messagePart, Executable call) {
    FunctionException e = assertThrows(FunctionException.class, call);
    assertEquals(reason, e.reason(), () -> "reason for: " + e.getMessage());
    assertTrue(e.getMessage().contains(messagePart), () -> "message should contain [" + messagePart + "], was: "
        + e.getMessage());
    return e;
  }
}
