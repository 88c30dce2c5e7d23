package io.zeroserve.host.invoke;

import io.vertx.core.Future;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceResponse;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.codec.InputValidator;
import io.zeroserve.functions.replica.InferenceCall;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.store.FunctionRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The invoke path, whatever protocol the request came in: resolve the version, check the inputs
 * against its signature, set the deadline, and run it on a replica. Thread-safe.
 */
public final class FunctionInvoker {

  private final FunctionRegistry registry;
  private final LocalReplicas replicas;
  /** Functions switching version: requests without a version still go to this one until the new is READY. */
  private final Map<String, Integer> switching = new ConcurrentHashMap<>();

  public FunctionInvoker(FunctionRegistry registry, LocalReplicas replicas) {
    this.registry = registry;
    this.replicas = replicas;
  }

  /**
   * Reacts to a change of a function: deleted versions stop at once; when the active version
   * changes while an older one is loaded here, the new one is loaded first and the old one keeps
   * serving until then, so the switch costs no failed request. Thread-safe.
   */
  public void onFunctionChanged(String function) {
    Optional<FunctionRecord> record = registry.find(function);
    Set<Integer> existing = record.map(r -> r.versions().stream().map(FunctionVersion::version)
        .collect(Collectors.toSet())).orElse(Set.of());
    replicas.unloadExcept(function, existing);
    Optional<FunctionVersion> active = record.flatMap(FunctionRecord::activeVersion);
    if (active.isEmpty() || replicas.isLoaded(function, active.get().version())) {
      switching.remove(function);
      return;
    }
    Optional<Integer> old = replicas.snapshot().stream()
        .filter(s -> s.key().function().equals(function) && s.ready() > 0 && existing.contains(s.key().version()))
        .map(s -> s.key().version())
        .max(Integer::compare);
    if (old.isEmpty()) {
      return; // nothing warm to protect: the next request cold-starts the new version
    }
    FunctionVersion next = active.get();
    switching.put(function, old.get());
    replicas.load(function, next).onComplete(ar -> {
      boolean stillActive = registry.find(function).flatMap(FunctionRecord::activeVersion)
          .map(a -> a.version() == next.version()).orElse(false);
      if (!stillActive) {
        return; // a newer switch is under way; its own completion unpins
      }
      switching.remove(function, old.get());
      FunctionVersion previous = registry.find(function).flatMap(r -> r.version(old.get())).orElse(null);
      if (ar.succeeded() && previous != null) {
        replicas.scaleTo(function, previous, 0); // drains: its in-flight requests finish
      }
    });
  }

  /** The version that requests without a version go to on this node now; empty when there is none. */
  public Optional<Integer> servingVersion(String function) {
    Integer pinned = switching.get(function);
    if (pinned != null) {
      return Optional.of(pinned);
    }
    return registry.find(function).flatMap(FunctionRecord::activeVersion).map(FunctionVersion::version);
  }

  /**
   * Resolves which version serves a request.
   *
   * @param version the version asked for, or null for the active one
   */
  public FunctionVersion resolve(String function, Integer version) {
    return resolve(registry.get(function), version);
  }

  private FunctionVersion resolve(FunctionRecord record, Integer version) {
    String function = record.name();
    if (version != null) {
      return record.version(version).orElseThrow(() ->
          FunctionException.notFound("function '" + function + "' has no version " + version));
    }
    Integer pinned = switching.get(function);
    if (pinned != null) {
      Optional<FunctionVersion> old = record.version(pinned);
      if (old.isPresent()) {
        return old.get();
      }
    }
    return record.activeVersion().orElseThrow(() ->
        FunctionException.notFound("function '" + function + "' has no versions"));
  }

  /**
   * Runs a request. Fails with a {@link FunctionException} for every expected failure.
   *
   * @param arrivalNanos when the request arrived, on the {@link System#nanoTime()} clock
   */
  public Future<InferenceResponse> invoke(String function, Integer version, InferenceRequest request,
                                          long arrivalNanos, InferenceCall.Cancellation cancellation) {
    return invoke(function, version, request, arrivalNanos, cancellation, null);
  }

  /** As above, on a new replica started as {@code order} says when it is not null. */
  public Future<InferenceResponse> invoke(String function, Integer version, InferenceRequest request,
                                          long arrivalNanos, InferenceCall.Cancellation cancellation,
                                          LocalReplicas.NewReplica order) {
    try {
      FunctionRecord record = registry.get(function);
      FunctionVersion v = resolve(record, version);
      Map<String, Tensor> inputs = InputValidator.validate(v.signature(), request);
      List<String> outputs = request.outputs().stream().map(InferenceRequest.RequestedOutput::name).toList();
      long timeoutNanos = record.config().timeout().toNanos();
      if (request.timeoutMicros().isPresent()) {
        timeoutNanos = Math.min(timeoutNanos, TimeUnit.MICROSECONDS.toNanos(request.timeoutMicros().getAsLong()));
      }
      InferenceCall call = new InferenceCall(inputs, outputs, arrivalNanos + timeoutNanos, cancellation);
      return replicas.invoke(function, v, call, order)
          .map(tensors -> new InferenceResponse(function, String.valueOf(v.version()), request.id(), tensors));
    } catch (FunctionException e) {
      return Future.failedFuture(e);
    }
  }
}
