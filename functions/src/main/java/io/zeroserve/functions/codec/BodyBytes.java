package io.zeroserve.functions.codec;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/** A read-only view of a request body as an array slice, so Jackson and the binary reader work in place. */
record BodyBytes(byte[] array, int offset, int length) {

  /** The body's own backing array when it has one (the usual heap buffer), else a copy. */
  static BodyBytes of(Buffer body) {
    if (body instanceof BufferInternal internal) {
      ByteBuf buf = internal.getByteBuf();
      if (buf.hasArray()) {
        return new BodyBytes(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
      }
    }
    byte[] copy = body.getBytes();
    return new BodyBytes(copy, 0, copy.length);
  }

  int intLE(int pos) {
    int i = offset + pos;
    return (array[i] & 0xFF) | (array[i + 1] & 0xFF) << 8 | (array[i + 2] & 0xFF) << 16 | (array[i + 3] & 0xFF) << 24;
  }
}
