package io.zeroserve.functions.codec;

import io.vertx.core.buffer.Buffer;
import java.util.Objects;

/**
 * An encoded V2 response body.
 *
 * @param body JSON, followed by the binary outputs when there are any
 * @param jsonHeaderLength bytes of JSON at the start of {@code body}, for the
 *     {@code Inference-Header-Content-Length} header; -1 when the body is all JSON (send no header)
 */
public record EncodedResponse(Buffer body, int jsonHeaderLength) {
  public EncodedResponse {
    Objects.requireNonNull(body, "body cannot be null");
    if (jsonHeaderLength < -1 || jsonHeaderLength > body.length()) {
      throw new IllegalArgumentException("jsonHeaderLength must be -1 or in [0, " + body.length() + "], was: "
          + jsonHeaderLength);
    }
  }

  /** Whether the body carries binary outputs after its JSON. */
  public boolean hasBinaryPart() {
    return jsonHeaderLength >= 0;
  }
}
