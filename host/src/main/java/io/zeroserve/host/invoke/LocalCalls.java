package io.zeroserve.host.invoke;

import io.vertx.core.Future;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.codec.DecodeLimits;
import io.zeroserve.functions.codec.EncodedResponse;
import io.zeroserve.functions.codec.PlainJsonCodec;
import io.zeroserve.functions.codec.V2Codec;
import io.zeroserve.functions.replica.LocalReplicas;

/**
 * Runs an encoded call on this node: decode, invoke, encode. The HTTP handlers use it for requests
 * placed here, and the event-bus consumer for requests other nodes forward. Thread-safe.
 */
public final class LocalCalls {

  private final FunctionInvoker invoker;
  private final V2Codec v2;
  private final PlainJsonCodec plain;

  public LocalCalls(FunctionInvoker invoker) {
    this(invoker, DecodeLimits.DEFAULTS);
  }

  /** @param limits bounds on what one request may make the codecs allocate (the node's options) */
  public LocalCalls(FunctionInvoker invoker, DecodeLimits limits) {
    this.invoker = invoker;
    this.v2 = new V2Codec(limits);
    this.plain = new PlainJsonCodec(limits);
  }

  public Future<EncodedCall.Answer> run(EncodedCall call) {
    return run(call, null);
  }

  /** Runs it here, on a new replica started as {@code order} says when it is not null. */
  public Future<EncodedCall.Answer> run(EncodedCall call, LocalReplicas.NewReplica order) {
    InferenceRequest request;
    try {
      if (call.body().length() == 0) {
        throw FunctionException.badRequest("the request has no body; send a JSON "
            + (call.protocol() == EncodedCall.Protocol.V2 ? "inference request" : "object of inputs"));
      }
      FunctionVersion v = invoker.resolve(call.function(), call.version()); // 404 before the body is read
      request = call.protocol() == EncodedCall.Protocol.V2
          ? v2.decodeRequest(call.body(), call.jsonHeaderLength())
          : InferenceRequest.of(plain.decodeInputs(call.body(), v.signature()));
    } catch (FunctionException e) {
      return Future.failedFuture(e);
    }
    return invoker.invoke(call.function(), call.version(), request, call.arrivalNanos(), call.cancellation(),
            order)
        .map(response -> {
          if (call.protocol() == EncodedCall.Protocol.PLAIN) {
            return new EncodedCall.Answer(plain.encodeOutputs(response.outputs()), "application/json", -1);
          }
          EncodedResponse encoded = v2.encodeResponse(response, request);
          return new EncodedCall.Answer(encoded.body(),
              encoded.jsonHeaderLength() >= 0 ? "application/octet-stream" : "application/json",
              encoded.jsonHeaderLength());
        });
  }
}
