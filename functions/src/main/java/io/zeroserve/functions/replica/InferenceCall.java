package io.zeroserve.functions.replica;

import io.zeroserve.functions.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One request as a replica runs it: inputs checked against the model's signature, the outputs to
 * compute, the deadline by which it must be answered, and a flag its caller sets when nobody waits
 * for the answer any more (deadline passed, client gone). Thread-safe.
 *
 * @param inputs model inputs by name
 * @param outputs output names; empty means all
 * @param deadlineNanos on the {@link System#nanoTime()} clock
 */
public record InferenceCall(Map<String, Tensor> inputs, List<String> outputs, long deadlineNanos,
                            Cancellation cancellation) {

  public InferenceCall {
    Objects.requireNonNull(inputs, "inputs cannot be null");
    outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs cannot be null"));
    Objects.requireNonNull(cancellation, "cancellation cannot be null");
  }

  public InferenceCall(Map<String, Tensor> inputs, List<String> outputs, long deadlineNanos) {
    this(inputs, outputs, deadlineNanos, new Cancellation());
  }

  /** Whether the call should not start: cancelled, or its deadline has passed. */
  boolean abandoned(long nowNanos) {
    return cancellation.isCancelled() || nowNanos - deadlineNanos >= 0;
  }

  /** Rows along dimension 0 of the first input: what the call adds to a batch. */
  long rows() {
    Tensor first = inputs.values().iterator().next();
    return first.shape().length == 0 ? 1 : first.shape()[0];
  }

  /**
   * A flag the caller sets once the call's answer is no longer wanted, and the call's place in its
   * function's queue bound, freed exactly once: when the call starts, is dropped, or is cancelled,
   * whichever comes first. Thread-safe.
   */
  public static final class Cancellation {
    private volatile boolean cancelled;
    private final java.util.concurrent.atomic.AtomicReference<Runnable> slot =
        new java.util.concurrent.atomic.AtomicReference<>();

    /** Cancels the call and frees its queue slot at once: a dead call must not hold one. */
    public void cancel() {
      cancelled = true;
      releaseSlot();
    }

    void holdSlot(Runnable release) {
      slot.set(release);
    }

    void releaseSlot() {
      Runnable release = slot.getAndSet(null);
      if (release != null) {
        release.run();
      }
    }

    public boolean isCancelled() {
      return cancelled;
    }
  }
}
