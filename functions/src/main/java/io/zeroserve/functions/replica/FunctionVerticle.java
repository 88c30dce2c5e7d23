package io.zeroserve.functions.replica;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import io.zeroserve.functions.onnx.ModelSession;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.scheduler.BatchPolicy;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One replica of one function version: it owns one ONNX Runtime session and a queue. Requests are
 * queued on the verticle's context; {@link BatchPolicy} decides when the head of the queue runs and
 * how many requests form one batch; the batch runs on the device's worker executor, at most
 * {@code parallelism} at a time, never on an event loop.
 *
 * <p>Thread-safety: {@link #submit}, {@link #state}, {@link #outstanding} and the other getters may
 * be called from any thread; everything else runs on the verticle's context.
 */
public final class FunctionVerticle extends VerticleBase {

  private final ReplicaId id;
  private final Callable<Path> artifact;
  private final SessionSettings settings;
  private final WorkerExecutor executor;
  private final WorkerExecutor loadExecutor;
  private final int parallelism;
  private final Supplier<FunctionConfig> config;
  private final BatchPolicy batchPolicy = new BatchPolicy();
  private volatile ReplicaMetrics metrics = ReplicaMetrics.NONE;

  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile ReplicaState state = ReplicaState.LOADING;
  private volatile String failure;
  private volatile long loadNanos;
  private final String deviceId;
  private final long memoryBytes;
  private volatile long loadStartedNanos = System.nanoTime();
  private ModelSession session;
  private boolean batchable;
  private List<String> allOutputs;
  private int running;
  private boolean batchTimerSet;
  /**
   * The longest gap folded into the mean gap, in mean gaps, unless it is under a second: a second is no
   * quiet spell (placement's forecast takes none shorter), and capping sub-second gaps would let the
   * microsecond gaps of clients sending in parallel pin the mean there.
   */
  static final double MAX_GAP_IN_MEANS = 10;
  static final double QUIET_SPELL_NANOS = 1e9;
  /** Arrival rate, as an exponentially weighted mean gap between requests; written on the context. */
  private volatile double meanArrivalGapNanos;
  private volatile long lastArrivalNanos;
  private Promise<Void> drained;

  /**
   * @param artifact yields the verified model file; called on a worker thread, since verifying hashes it
   * @param parallelism batches this replica runs at once
   * @param config the function's live config: batching settings are read at each decision
   */
  public FunctionVerticle(ReplicaId id, Callable<Path> artifact, SessionSettings settings, WorkerExecutor executor,
                          int parallelism, Supplier<FunctionConfig> config) {
    this(id, artifact, settings, executor, executor, parallelism, config, "cpu", 0);
  }

  /**
   * @param loadExecutor where the session is created and closed
   * @param deviceId the device it runs on, as the node names it
   * @param memoryBytes what it has reserved there
   */
  public FunctionVerticle(ReplicaId id, Callable<Path> artifact, SessionSettings settings, WorkerExecutor executor,
                          WorkerExecutor loadExecutor, int parallelism, Supplier<FunctionConfig> config,
                          String deviceId, long memoryBytes) {
    this.loadExecutor = loadExecutor;
    this.deviceId = deviceId;
    this.memoryBytes = memoryBytes;
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be >= 1, was: " + parallelism);
    }
    this.id = id;
    this.artifact = artifact;
    this.settings = settings;
    this.executor = executor;
    this.parallelism = parallelism;
    this.config = config;
  }

  private record Pending(InferenceCall call, Promise<List<Tensor>> promise, long queuedNanos) {}

  @Override
  public Future<?> start() {
    long begin = System.nanoTime();
    loadStartedNanos = begin;
    // andThen, not onSuccess: the state must be READY before the deployment completes, or a
    // waiter woken by the deployment can find the replica still LOADING.
    // On the load executor, not the device's: a load must not queue behind inference (nor inference
    // behind a 35 MB hash), and load times learned for placement must be load times.
    return loadExecutor.executeBlocking(() -> ModelSession.open(artifact.call(), settings))
        .andThen(ar -> {
          if (ar.succeeded()) {
            ModelSession s = ar.result();
            session = s;
            batchable = Batches.batchable(s.signature());
            allOutputs = s.signature().outputs().stream().map(TensorSpec::name).toList();
            loadNanos = System.nanoTime() - begin;
            state = ReplicaState.READY;
            metrics.loadedOn(id, deviceId, loadNanos);
          } else {
            failure = ar.cause().getMessage();
            state = ReplicaState.FAILED;
            metrics.loadFailed(id);
          }
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
        .compose(v -> loadExecutor.executeBlocking(() -> {
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

  /** Where this replica reports; set before it is deployed. */
  void metrics(ReplicaMetrics sink) {
    this.metrics = sink;
  }

  public ReplicaState state() {
    return state;
  }

  /** Why loading failed, when {@link #state()} is FAILED. */
  public String failure() {
    return failure;
  }

  /** Requests queued or running on this replica. */
  public int outstanding() {
    return outstanding.get();
  }

  public String deviceId() {
    return deviceId;
  }

  public long memoryBytes() {
    return memoryBytes;
  }

  public int parallelism() {
    return parallelism;
  }

  /** When its load began, on {@link System#nanoTime()}'s clock. */
  public long loadStartedNanos() {
    return loadStartedNanos;
  }

  /** When it last took a request (its load start if it has taken none). */
  public long lastUsedNanos() {
    long last = lastArrivalNanos;
    return last == 0 ? loadStartedNanos : last;
  }

  /**
   * Requests a second while it takes them: one over the smoothed gap between arrivals (a quiet spell
   * counts as {@value #MAX_GAP_IN_MEANS} gaps at most), 0 before the second. Not decayed while idle:
   * placement weighs it against {@link #lastUsedNanos()} (io.zeroserve.scheduler.RequestForecast),
   * which tells a burst that ended from a slow trickle.
   */
  public double requestsPerSecondInUse() {
    double gap = meanArrivalGapNanos;
    return gap <= 0 ? 0 : 1e9 / gap;
  }

  /**
   * The smoothed gap between arrivals after one more gap. A gap of many mean gaps (and over a second)
   * is a quiet spell between bursts, not the pace within one: it counts as that many, so one long pause
   * does not make the next burst look slow for 30 requests.
   */
  static double nextMeanGap(double mean, double gap) {
    if (mean == 0) {
      return gap;
    }
    return 0.8 * mean + 0.2 * Math.min(gap, Math.max(MAX_GAP_IN_MEANS * mean, QUIET_SPELL_NANOS));
  }

  /** How long the session took to create, once READY. */
  public long loadNanos() {
    return loadNanos;
  }

  /** A call refused because the replica's session is closed or closing; it never ran. */
  static final class ReplicaGone extends RuntimeException {
    ReplicaGone(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Queues a call; the call's queue slot (see {@link InferenceCall.Cancellation}) is freed when it starts. The returned
   * future completes on whatever thread finishes the work.
   */
  public Future<List<Tensor>> submit(InferenceCall call) {
    Promise<List<Tensor>> promise = Promise.promise();
    outstanding.incrementAndGet();
    context.runOnContext(v -> {
      boolean closing = drained != null && drained.future().isComplete();
      if ((state != ReplicaState.READY && state != ReplicaState.DRAINING) || closing) {
        // Its session is closed or closing: the call never ran, so it may go to another replica.
        finish(promise, new ReplicaGone("replica " + id + " is " + (closing ? "closing" : state.name().toLowerCase())));
        return;
      }
      long now = System.nanoTime();
      if (lastArrivalNanos != 0) {
        meanArrivalGapNanos = nextMeanGap(meanArrivalGapNanos, now - lastArrivalNanos);
      }
      lastArrivalNanos = now;
      queue.add(new Pending(call, promise, now));
      pump();
    });
    return promise.future();
  }

  private void finish(Promise<List<Tensor>> promise, Throwable failure) {
    outstanding.decrementAndGet();
    promise.tryFail(failure);
  }

  private void pump() {
    while (running < parallelism && !queue.isEmpty()) {
      dropAbandoned();
      if (queue.isEmpty()) {
        break;
      }
      List<Pending> batch = nextBatch();
      if (batch == null) {
        break; // waiting for the batch to fill; a timer calls pump() again
      }
      run(batch);
    }
    if (drained != null && running == 0 && queue.isEmpty()) {
      drained.tryComplete();
    }
  }

  /** Answers and removes queued calls that must not run: past their deadline, or nobody waiting. */
  private void dropAbandoned() {
    long now = System.nanoTime();
    for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.call().abandoned(now)) {
        it.remove();
        p.call().cancellation().releaseSlot();
        finish(p.promise(), new FunctionException(Reason.TIMEOUT, p.call().cancellation().isCancelled()
            ? "the request was cancelled before it ran" : "the request's deadline passed while it was queued"));
      }
    }
  }

  /** The calls to run now as one batch, or null when the policy says to wait. */
  private List<Pending> nextBatch() {
    FunctionConfig cfg = config.get();
    if (!batchable || cfg.maxBatchSize() <= 1 || drained != null) {
      return List.of(take());
    }
    Pending head = queue.peek();
    long[] rows = new long[queue.size()];
    int count = 0;
    for (Pending p : queue) {
      if (!Batches.compatible(head.call(), p.call())) {
        break; // only a run of same-shaped requests forms a batch; the rest waits its turn
      }
      rows[count++] = p.call().rows();
    }
    long now = System.nanoTime();
    long delay = cfg.maxQueueDelay().toNanos();
    double expected = meanArrivalGapNanos <= 0 ? 0 : delay / meanArrivalGapNanos;
    BatchPolicy.BatchDecision decision = batchPolicy.decide(rows, count, head.queuedNanos(), now,
        cfg.maxBatchSize(), delay, expected);
    if (decision instanceof BatchPolicy.DispatchNow d) {
      List<Pending> batch = new ArrayList<>(d.requests());
      for (int i = 0; i < d.requests(); i++) {
        batch.add(take());
      }
      return batch;
    }
    if (decision instanceof BatchPolicy.WaitUntil w && !batchTimerSet) {
      // Nanosecond timer: rounding up to whole milliseconds made a lone request wait up to 1 ms
      // past maxQueueDelay.
      batchTimerSet = true;
      vertx.timer(Math.max(1_000, w.nanos() - now), TimeUnit.NANOSECONDS).onComplete(t -> {
        batchTimerSet = false;
        pump();
      });
    }
    return null;
  }

  private Pending take() {
    Pending p = queue.poll();
    p.call().cancellation().releaseSlot();
    return p;
  }

  /** What one batch produced on the worker: per call its outputs or failure, and the time of each phase. */
  private record Ran(List<Object> results, long inputNanos, long inferNanos, long outputNanos) {

    Ran plus(Ran other) {
      return new Ran(other.results, inputNanos + other.inputNanos, inferNanos + other.inferNanos,
          outputNanos + other.outputNanos);
    }
  }

  private void run(List<Pending> batch) {
    running++;
    long started = System.nanoTime();
    long rows = 0;
    for (Pending p : batch) {
      metrics.queued(id, started - p.queuedNanos());
      rows += p.call().rows();
    }
    long batchRows = rows;
    ModelSession s = session;
    List<InferenceCall> calls = batch.stream().map(Pending::call).toList();
    executor.<Ran>executeBlocking(() -> {
          if (calls.size() == 1) {
            InferenceCall only = calls.get(0);
            ModelSession.TimedRun r = s.runTimed(only.inputs(), only.outputs());
            return new Ran(List.of(r.outputs()), r.inputNanos(), r.inferNanos(), r.outputNanos());
          }
          long begin = System.nanoTime();
          Map<String, Tensor> inputs = Batches.concat(calls);
          long concatNanos = System.nanoTime() - begin;
          try {
            ModelSession.TimedRun r = s.runTimed(inputs, allOutputs);
            long splitStart = System.nanoTime();
            List<Object> split = List.copyOf(Batches.split(calls, allOutputs, r.outputs()));
            return new Ran(split, concatNanos + r.inputNanos(), r.inferNanos(),
                r.outputNanos() + System.nanoTime() - splitStart);
          } catch (FunctionException batchFailed) {
            // One request may have spoiled the batch: run each alone below.
            return new Ran(null, concatNanos, 0, 0);
          }
        }, false)
        .compose(ran -> ran.results() != null ? Future.succeededFuture(ran)
            : runEachAlone(s, calls).map(ran::plus))
        .onComplete(ar -> {
          running--;
          // Learned service times must be the device's work alone, not time spent waiting for a worker.
          long computeNanos = ar.succeeded()
              ? ar.result().inputNanos() + ar.result().inferNanos() + ar.result().outputNanos()
              : System.nanoTime() - started;
          metrics.batchOn(id, deviceId, batch.size(), batchRows, computeNanos);
          // Counted before any answer goes out: whoever reads the statistics after an answer sees it.
          if (ar.succeeded()) {
            int answered = 0;
            long answeredRows = 0;
            for (int i = 0; i < batch.size(); i++) {
              if (!(ar.result().results().get(i) instanceof Throwable)) {
                answered++;
                answeredRows += batch.get(i).call().rows();
              }
            }
            Ran ran = ar.result();
            metrics.executed(id, batch.size(), batchRows, answered, answeredRows, ran.inputNanos(), ran.inferNanos(),
                ran.outputNanos());
          }
          for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            Object result = ar.succeeded() ? ar.result().results().get(i) : ar.cause();
            if (result instanceof Throwable failed) {
              finish(p.promise(), failed);
            } else {
              outstanding.decrementAndGet();
              @SuppressWarnings("unchecked")
              List<Tensor> tensors = (List<Tensor>) result;
              p.promise().tryComplete(tensors);
            }
          }
          pump();
        });
  }

  /** Each call's outputs, or the failure that call alone causes, so one bad request fails only itself. */
  private Future<Ran> runEachAlone(ModelSession s, List<InferenceCall> calls) {
    return executor.executeBlocking(() -> {
      List<Object> results = new ArrayList<>(calls.size());
      long input = 0;
      long infer = 0;
      long output = 0;
      for (InferenceCall c : calls) {
        try {
          ModelSession.TimedRun r = s.runTimed(c.inputs(), c.outputs());
          results.add(r.outputs());
          input += r.inputNanos();
          infer += r.inferNanos();
          output += r.outputNanos();
        } catch (RuntimeException e) {
          results.add(e);
        }
      }
      return new Ran(results, input, infer, output);
    }, false);
  }
}
