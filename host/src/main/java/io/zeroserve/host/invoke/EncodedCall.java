package io.zeroserve.host.invoke;

import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.replica.InferenceCall;
import java.util.Objects;

/**
 * A request as it arrived, still encoded: what crosses the event bus to another node, so tensors
 * are decoded once, where they run.
 *
 * @param protocol how the body is encoded
 * @param version the version asked for; null means the serving one
 * @param jsonHeaderLength Triton's {@code Inference-Header-Content-Length}, or -1
 * @param arrivalNanos when it arrived at the first node, on this node's {@link System#nanoTime()} clock
 * @param requestId the id the request carries through every node it crosses
 */
public record EncodedCall(Protocol protocol, String function, Integer version, Buffer body, int jsonHeaderLength,
                          long arrivalNanos, InferenceCall.Cancellation cancellation, String requestId) {

  public enum Protocol { V2, PLAIN }

  public EncodedCall {
    Objects.requireNonNull(protocol, "protocol cannot be null");
    Objects.requireNonNull(function, "function cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
  }

  public EncodedCall withVersion(int resolved) {
    return new EncodedCall(protocol, function, resolved, body, jsonHeaderLength, arrivalNanos, cancellation,
        requestId);
  }

  /** The answer, encoded for the client. */
  public record Answer(Buffer body, String contentType, int jsonHeaderLength) {}
}
