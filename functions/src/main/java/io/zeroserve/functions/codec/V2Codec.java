package io.zeroserve.functions.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceRequest.RequestedOutput;
import io.zeroserve.functions.InferenceResponse;
import io.zeroserve.functions.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Open Inference Protocol (KServe V2) REST codec, with Triton's binary tensor data extension.
 *
 * <p>Requests are read with a streaming parser straight into direct little-endian buffers; every
 * malformed body fails with {@link FunctionException} ({@code BAD_REQUEST}, or
 * {@code PAYLOAD_TOO_LARGE} past a {@link DecodeLimits} limit) whose message names the field, e.g.
 * {@code inputs[0].data[5] must be an integer in [-128, 127] for INT8, was: 300}; element indices in
 * messages are flat, row-major. Thread-safe: one instance serves every request.
 */
public final class V2Codec {

  private final DecodeLimits limits;
  private final JsonFactory factory;

  public V2Codec() {
    this(DecodeLimits.DEFAULTS);
  }

  public V2Codec(DecodeLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits cannot be null");
    this.factory = Json.factory(limits);
  }

  public DecodeLimits limits() {
    return limits;
  }

  /**
   * Decodes an inference request.
   *
   * <p>JSON fields: {@code id}; {@code parameters.binary_data_output} and {@code parameters.timeout}
   * (microseconds), other parameters ignored; {@code inputs}, each with {@code name}, {@code shape},
   * {@code datatype} and either {@code data} (flat or nested arrays, in any field order) or
   * {@code parameters.binary_data_size}; {@code outputs}, each with {@code name} and optional
   * {@code parameters.binary_data}. Binary inputs follow the JSON, concatenated in input order; a
   * {@code BYTES} binary element is a 4-byte little-endian length and that many UTF-8 bytes.
   *
   * @param body the whole request body
   * @param jsonHeaderLength the {@code Inference-Header-Content-Length} header: bytes of JSON at the
   *     start of the body; -1 when absent (the body is all JSON)
   * @throws FunctionException BAD_REQUEST or PAYLOAD_TOO_LARGE when the body is malformed or too large
   */
  public InferenceRequest decodeRequest(Buffer body, int jsonHeaderLength) {
    if (body == null) {
      throw FunctionException.badRequest("request body is required");
    }
    if (jsonHeaderLength < -1) {
      throw FunctionException.badRequest("Inference-Header-Content-Length must be >= 0, was: " + jsonHeaderLength);
    }
    BodyBytes bytes = BodyBytes.of(body);
    if (jsonHeaderLength > bytes.length()) {
      throw FunctionException.badRequest("Inference-Header-Content-Length must be at most the body length "
          + bytes.length() + ", was: " + jsonHeaderLength);
    }
    try {
      return new V2RequestReader(factory, limits, bytes, jsonHeaderLength).read();
    } catch (IOException e) {
      throw Json.readError(e, "request body");
    } catch (NumberFormatException e) {
      // Jackson validates number syntax while tokenizing; this is only a backstop.
      throw FunctionException.badRequest("request body has a malformed number: " + e.getMessage());
    }
  }

  /**
   * Encodes a response. Outputs asked for with {@code binary_data} (or, when not asked either way,
   * all outputs when the request set {@code binary_data_output}) travel as raw little-endian bytes
   * after the JSON, in output order, with {@code parameters.binary_data_size}; the rest are JSON
   * arrays. FP16 and BF16 are written as JSON numbers; NaN and infinities as the strings
   * {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}.
   *
   * @param request the request being answered, for {@code id} and the binary choices; null means
   *     all JSON
   */
  public EncodedResponse encodeResponse(InferenceResponse response, InferenceRequest request) {
    Objects.requireNonNull(response, "response cannot be null");
    List<Object> binaryParts = new ArrayList<>();
    Buffer out = Buffer.buffer(256 + estimateBytes(response, request));
    try (JsonGenerator g = factory.createGenerator(new Json.BufferOutputStream(out))) {
      g.writeStartObject();
      g.writeStringField("model_name", response.modelName());
      g.writeStringField("model_version", response.modelVersion());
      String id = response.id() != null ? response.id() : request != null ? request.id() : null;
      if (id != null) {
        g.writeStringField("id", id);
      }
      g.writeArrayFieldStart("outputs");
      for (Tensor t : response.outputs()) {
        writeOutput(g, t, wantsBinary(request, t.name()), binaryParts);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to a memory buffer failed", e); // cannot happen
    }
    int jsonLength = out.length();
    if (binaryParts.isEmpty()) {
      return new EncodedResponse(out, -1);
    }
    for (Object part : binaryParts) {
      if (part instanceof ByteBuffer data) {
        out.setBytes(out.length(), data); // copies [0, limit)
      } else {
        for (byte[] s : (byte[][]) part) {
          out.appendIntLE(s.length).appendBytes(s);
        }
      }
    }
    return new EncodedResponse(out, jsonLength);
  }

  private static void writeOutput(JsonGenerator g, Tensor t, boolean binary, List<Object> binaryParts)
      throws IOException {
    int n = TensorJsonWriter.elementCount(t);
    g.writeStartObject();
    g.writeStringField("name", t.name());
    g.writeStringField("datatype", t.type().v2Name());
    g.writeArrayFieldStart("shape");
    for (long d : t.shape()) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    if (binary) {
      long size;
      if (t.type() == DataType.BYTES) {
        byte[][] encoded = new byte[n][];
        size = 0;
        for (int i = 0; i < n; i++) {
          encoded[i] = t.strings()[i].getBytes(StandardCharsets.UTF_8);
          size += 4 + encoded[i].length;
        }
        binaryParts.add(encoded);
      } else {
        size = (long) n * t.type().byteSize();
        binaryParts.add(TensorJsonWriter.view(t).position(0).limit((int) size).slice());
      }
      g.writeObjectFieldStart("parameters");
      g.writeNumberField("binary_data_size", size);
      g.writeEndObject();
    } else {
      g.writeFieldName("data");
      if (t.type() == DataType.BYTES) {
        g.writeStartArray();
        for (int i = 0; i < n; i++) {
          g.writeString(t.strings()[i]);
        }
        g.writeEndArray();
      } else {
        TensorJsonWriter.writeFlat(g, t, TensorJsonWriter.view(t), n);
      }
    }
    g.writeEndObject();
  }

  private static boolean wantsBinary(InferenceRequest request, String output) {
    if (request == null) {
      return false;
    }
    for (RequestedOutput o : request.outputs()) {
      if (o.name().equals(output) && o.binary() != null) {
        return o.binary();
      }
    }
    return request.binaryOutputByDefault();
  }

  /** A first guess at the body size, so the buffer rarely grows: ~12 bytes per JSON number. */
  private static int estimateBytes(InferenceResponse response, InferenceRequest request) {
    long n = 0;
    for (Tensor t : response.outputs()) {
      if (t.type() == DataType.BYTES) {
        n += 16L * t.strings().length;
      } else if (wantsBinary(request, t.name())) {
        n += t.data().limit();
      } else {
        n += (long) t.data().limit() / t.type().byteSize() * 12;
      }
    }
    return (int) Math.min(n, 64 << 20);
  }
}
