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
import java.util.concurrent.TimeUnit;

/**
 * The invoke path, whatever protocol the request came in: resolve the version, check the inputs
 * against its signature, set the deadline, and run it on a replica. Thread-safe.
 */
public final class FunctionInvoker {

  private final FunctionRegistry registry;
  private final LocalReplicas replicas;

  public FunctionInvoker(FunctionRegistry registry, LocalReplicas replicas) {
    this.registry = registry;
    this.replicas = replicas;
  }

  /**
   * Resolves which version serves a request.
   *
   * @param version the version asked for, or null for the active one
   */
  public FunctionVersion resolve(String function, Integer version) {
    FunctionRecord record = registry.get(function);
    if (version != null) {
      return record.version(version).orElseThrow(() ->
          FunctionException.notFound("function '" + function + "' has no version " + version));
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
                                          long arrivalNanos) {
    try {
      FunctionRecord record = registry.get(function);
      FunctionVersion v = resolve(function, version);
      Map<String, Tensor> inputs = InputValidator.validate(v.signature(), request);
      List<String> outputs = request.outputs().stream().map(InferenceRequest.RequestedOutput::name).toList();
      long timeoutNanos = record.config().timeout().toNanos();
      if (request.timeoutMicros().isPresent()) {
        timeoutNanos = Math.min(timeoutNanos, TimeUnit.MICROSECONDS.toNanos(request.timeoutMicros().getAsLong()));
      }
      InferenceCall call = new InferenceCall(inputs, outputs, arrivalNanos + timeoutNanos);
      return replicas.invoke(function, v, call)
          .map(tensors -> new InferenceResponse(function, String.valueOf(v.version()), request.id(), tensors));
    } catch (FunctionException e) {
      return Future.failedFuture(e);
    }
  }
}
