package io.zeroserve.functions.replica;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.onnx.ModelSession;
import io.zeroserve.functions.onnx.SessionSettings;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One replica of one function version: it owns one ONNX Runtime session and a queue. Requests are
 * queued on the verticle's context and run on the device's worker executor, at most
 * {@code parallelism} at a time; the event loop never runs inference.
 *
 * <p>Thread-safety: {@link #submit}, {@link #state} and {@link #outstanding} may be called from any
 * thread; everything else runs on the verticle's context.
 */
public final class FunctionVerticle extends VerticleBase {

  private final ReplicaId id;
  private final Callable<Path> artifact;
  private final SessionSettings settings;
  private final WorkerExecutor executor;
  private final int parallelism;

  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile ReplicaState state = ReplicaState.LOADING;
  private volatile String failure;
  private volatile long lastActivityNanos = System.nanoTime();
  private ModelSession session;
  private int running;
  private Promise<Void> drained;

  /**
   * @param artifact yields the verified model file; called on the worker executor, since verifying hashes it
   * @param parallelism inferences this replica runs at once
   */
  public FunctionVerticle(ReplicaId id, Callable<Path> artifact, SessionSettings settings, WorkerExecutor executor,
                          int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be >= 1, was: " + parallelism);
    }
    this.id = id;
    this.artifact = artifact;
    this.settings = settings;
    this.executor = executor;
    this.parallelism = parallelism;
  }

  private record Pending(InferenceCall call, Promise<List<Tensor>> promise) {}

  @Override
  public Future<?> start() {
    return executor.executeBlocking(() -> ModelSession.open(artifact.call(), settings))
        .onSuccess(s -> {
          session = s;
          lastActivityNanos = System.nanoTime();
          state = ReplicaState.READY;
        })
        .onFailure(e -> {
          failure = e.getMessage();
          state = ReplicaState.FAILED;
        });
  }

  /** Drains: queued and running requests finish, then the session's native memory is returned. */
  @Override
  public Future<?> stop() {
    if (session == null) {
      state = ReplicaState.UNLOADED;
      return Future.succeededFuture();
    }
    state = ReplicaState.DRAINING;
    drained = Promise.promise();
    pump();
    ModelSession toClose = session;
    return drained.future()
        .compose(v -> executor.executeBlocking(() -> {
          toClose.close();
          return null;
        }))
        .onComplete(ar -> {
          session = null;
          state = ReplicaState.UNLOADED;
        });
  }

  public ReplicaId id() {
    return id;
  }

  public ReplicaState state() {
    return state;
  }

  /** Why loading failed, when {@link #state()} is FAILED. */
  public String failure() {
    return failure;
  }

  /** Requests queued or running. */
  public int outstanding() {
    return outstanding.get();
  }

  /** When this replica last started or finished a request, on the {@link System#nanoTime()} clock. */
  public long lastActivityNanos() {
    return lastActivityNanos;
  }

  /**
   * Queues a call. The returned future completes on whatever thread finishes the work; callers that
   * need their own context should hop back.
   */
  public Future<List<Tensor>> submit(InferenceCall call) {
    Promise<List<Tensor>> promise = Promise.promise();
    outstanding.incrementAndGet();
    context.runOnContext(v -> {
      if (state != ReplicaState.READY) {
        outstanding.decrementAndGet();
        promise.fail(FunctionException.unavailable("replica " + id + " is " + state.name().toLowerCase()));
        return;
      }
      queue.add(new Pending(call, promise));
      pump();
    });
    return promise.future();
  }

  private void pump() {
    while (running < parallelism && !queue.isEmpty()) {
      Pending p = queue.poll();
      if (System.nanoTime() - p.call().deadlineNanos() >= 0) {
        outstanding.decrementAndGet();
        p.promise().fail(new FunctionException(Reason.TIMEOUT, "the request's deadline passed while it was queued"));
        continue;
      }
      running++;
      lastActivityNanos = System.nanoTime();
      ModelSession s = session;
      executor.<List<Tensor>>executeBlocking(() -> s.run(p.call().inputs(), p.call().outputs()), false)
          .onComplete(ar -> {
            running--;
            outstanding.decrementAndGet();
            lastActivityNanos = System.nanoTime();
            if (ar.succeeded()) {
              p.promise().complete(ar.result());
            } else {
              p.promise().fail(ar.cause());
            }
            pump();
          });
    }
    if (drained != null && running == 0 && queue.isEmpty()) {
      drained.tryComplete();
    }
  }
}
