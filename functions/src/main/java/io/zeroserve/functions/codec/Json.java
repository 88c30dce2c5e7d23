package io.zeroserve.functions.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.FunctionException;
import java.io.IOException;
import java.io.OutputStream;

/** The Jackson set-up the codecs share, and the one place Jackson's exceptions become FunctionExceptions. */
final class Json {

  private Json() {}

  /** A factory tuned for tensors; thread-safe once built. */
  static JsonFactory factory(DecodeLimits limits) {
    return JsonFactory.builder()
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
        .enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
        .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .streamReadConstraints(StreamReadConstraints.builder()
            // Our own depth count reports first with a clearer message; this is only a backstop.
            .maxNestingDepth(limits.maxJsonDepth() + 1)
            // Java chars never outnumber UTF-8 bytes, so this bounds the buffer before we check bytes.
            .maxStringLength(limits.maxStringBytes())
            .build())
        .build();
  }

  /** Maps a Jackson failure while reading {@code what} (e.g. "request body"). */
  static FunctionException readError(IOException e, String what) {
    if (e instanceof StreamConstraintsException c) {
      return FunctionException.tooLarge(what + " exceeds a parser limit: " + c.getOriginalMessage());
    }
    if (e instanceof JsonProcessingException j) {
      JsonLocation loc = j.getLocation();
      String at = loc != null && loc.getByteOffset() >= 0 ? " at byte " + loc.getByteOffset() : "";
      return FunctionException.badRequest(what + " is not valid JSON" + at + ": " + j.getOriginalMessage());
    }
    return FunctionException.badRequest(what + " could not be read: " + e.getMessage());
  }

  /** Lets a JsonGenerator write straight into a Vert.x buffer (Jackson flushes in 8 KB chunks). */
  static final class BufferOutputStream extends OutputStream {
    private final Buffer buffer;

    BufferOutputStream(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void write(int b) {
      buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      buffer.appendBytes(b, off, len);
    }
  }
}
