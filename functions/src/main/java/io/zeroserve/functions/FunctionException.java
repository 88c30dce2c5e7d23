package io.zeroserve.functions;

import java.util.Objects;

/**
 * An expected failure with a {@link Reason} and a message that is safe to show to the client.
 * It carries no stack trace: these are answers, not bugs.
 */
public final class FunctionException extends RuntimeException {

  private final Reason reason;

  public FunctionException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason cannot be null");
  }

  public Reason reason() {
    return reason;
  }

  public static FunctionException badRequest(String message) {
    return new FunctionException(Reason.BAD_REQUEST, message);
  }

  public static FunctionException notFound(String message) {
    return new FunctionException(Reason.NOT_FOUND, message);
  }

  public static FunctionException conflict(String message) {
    return new FunctionException(Reason.CONFLICT, message);
  }

  public static FunctionException unavailable(String message) {
    return new FunctionException(Reason.UNAVAILABLE, message);
  }

  public static FunctionException tooLarge(String message) {
    return new FunctionException(Reason.PAYLOAD_TOO_LARGE, message);
  }
}
