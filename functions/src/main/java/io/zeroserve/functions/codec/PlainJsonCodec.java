package io.zeroserve.functions.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Shapes;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The plain serverless call's codec ({@code POST /v1/functions/{name}/invoke}): a JSON object from
 * input name to a value or arrays nested like the tensor, e.g. {@code {"x": [[1, 2], [3, 4]]}}. The
 * datatype comes from the model's {@link Signature}, the shape from the nesting, which must be
 * rectangular. Values are read as in {@link V2Codec}. Thread-safe: one instance serves every request.
 */
public final class PlainJsonCodec {

  private final DecodeLimits limits;
  private final JsonFactory factory;

  public PlainJsonCodec() {
    this(DecodeLimits.DEFAULTS);
  }

  public PlainJsonCodec(DecodeLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits cannot be null");
    this.factory = Json.factory(limits);
  }

  public DecodeLimits limits() {
    return limits;
  }

  /**
   * Decodes the inputs in body order. Only names, datatypes and rectangularity are checked here;
   * missing inputs and shapes the model does not accept are {@link InputValidator}'s job.
   *
   * @throws FunctionException BAD_REQUEST for malformed JSON, an unknown input name, ragged arrays
   *     or a value the datatype cannot hold; PAYLOAD_TOO_LARGE past a {@link DecodeLimits} limit
   */
  public List<Tensor> decodeInputs(Buffer body, Signature signature) {
    Objects.requireNonNull(signature, "signature cannot be null");
    if (body == null) {
      throw FunctionException.badRequest("request body is required");
    }
    BodyBytes bytes = BodyBytes.of(body);
    try (JsonParser p = factory.createParser(bytes.array(), bytes.offset(), bytes.length())) {
      TensorJsonReader r = new TensorJsonReader(p, limits, 0);
      JsonToken t = r.next();
      if (t != JsonToken.START_OBJECT) {
        throw FunctionException.badRequest("request body must be a JSON object of input name to value, was: "
            + r.describe(t));
      }
      List<Tensor> inputs = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      while ((t = r.next()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        TensorSpec spec = signature.input(name).orElseThrow(() -> FunctionException.badRequest(
            "input '" + name + "' is not an input of this function; its inputs are: " + inputNames(signature)));
        if (!seen.add(name)) {
          throw FunctionException.badRequest("input '" + name + "' must appear once, was: repeated");
        }
        t = r.next();
        long start = r.tokenOffset();
        long[] shape = scanShape(r, t, name);
        inputs.add(decode(bytes, start, t, r, spec.type(), shape, name));
      }
      try {
        t = r.next();
      } catch (IOException e) {
        t = JsonToken.NOT_AVAILABLE;
      }
      if (t != null) {
        throw FunctionException.badRequest("the body must hold exactly one JSON object, was: more data after it");
      }
      return inputs;
    } catch (IOException e) {
      throw Json.readError(e, "request body");
    } catch (NumberFormatException e) {
      throw FunctionException.badRequest("request body has a malformed number: " + e.getMessage());
    }
  }

  /**
   * Encodes outputs as {@code {"<name>": nested arrays shaped like the tensor}}; a 0-d tensor is a
   * bare value. FP16/BF16 are written as numbers; NaN and infinities as the strings {@code "NaN"},
   * {@code "Infinity"}, {@code "-Infinity"}.
   */
  public Buffer encodeOutputs(List<Tensor> outputs) {
    Objects.requireNonNull(outputs, "outputs cannot be null");
    Buffer out = Buffer.buffer(256);
    try (JsonGenerator g = factory.createGenerator(new Json.BufferOutputStream(out))) {
      g.writeStartObject();
      for (Tensor t : outputs) {
        g.writeFieldName(t.name());
        TensorJsonWriter.writeNested(g, t);
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to a memory buffer failed", e); // cannot happen
    }
    return out;
  }

  /**
   * Pass 1: walks the value (no number conversion) to infer its shape, refusing ragged nesting. The
   * reader ends on the value's last token.
   */
  private long[] scanShape(TensorJsonReader r, JsonToken first, String name) throws IOException {
    if (first == JsonToken.START_OBJECT) {
      throw FunctionException.badRequest("input '" + name + "' must be a value or nested arrays of values, was: "
          + "an object");
    }
    if (first != JsonToken.START_ARRAY) {
      return new long[0];
    }
    int maxRank = limits.maxJsonDepth();
    long[] dims = new long[maxRank];
    long[] counts = new long[maxRank];
    Arrays.fill(dims, -1);
    int open = 1; // arrays open inside this value; counts[k] = children seen so far in the k-th
    int rank = -1;
    long elements = 0;
    while (open > 0) {
      JsonToken t = r.next();
      if (t == JsonToken.START_ARRAY) {
        counts[open - 1]++;
        if (rank >= 0 && open >= rank) {
          throw ragged(name, open, "holds values in one place and arrays in another");
        }
        counts[open++] = 0;
      } else if (t == JsonToken.END_ARRAY) {
        int k = open - 1;
        long c = counts[k];
        if (c == 0 && rank < 0) {
          rank = open; // an empty array is the innermost dimension until a value says otherwise
        }
        if (dims[k] < 0) {
          dims[k] = c;
        } else if (dims[k] != c) {
          throw ragged(name, k, "has length " + c + " here but " + dims[k] + " before");
        }
        open--;
      } else if (t == JsonToken.START_OBJECT) {
        throw FunctionException.badRequest("input '" + name + "' must be a value or nested arrays of values, was: "
            + "an object inside its arrays");
      } else {
        counts[open - 1]++;
        if (rank < 0) {
          rank = open;
        } else if (rank != open) {
          throw ragged(name, open - 1, "holds values in one place and arrays in another");
        }
        if (++elements > limits.maxElementsPerTensor()) {
          throw FunctionException.tooLarge("input '" + name + "' must have at most maxElementsPerTensor="
              + limits.maxElementsPerTensor() + " elements, was: more");
        }
      }
    }
    return Arrays.copyOf(dims, rank);
  }

  private static FunctionException ragged(String name, int dim, String detail) {
    return FunctionException.badRequest("input '" + name + "' must be rectangular nested arrays, was: ragged; "
        + "dimension " + dim + " " + detail);
  }

  /** Pass 2: decodes the value at {@code start} now that its shape is known. */
  private Tensor decode(BodyBytes bytes, long start, JsonToken first, TensorJsonReader r, DataType type,
                        long[] shape, String name) throws IOException {
    long count = Shapes.elementCount(shape); // cannot overflow: the scan counted these elements
    if (type.isFixedSize() && count * type.byteSize() > limits.maxBytesPerTensor()) {
      throw FunctionException.tooLarge("input '" + name + "' must be at most maxBytesPerTensor="
          + limits.maxBytesPerTensor() + " bytes, was: " + count * type.byteSize() + " (" + type + " "
          + Shapes.format(shape) + ")");
    }
    int n = (int) count;
    if (first != JsonToken.START_ARRAY) {
      // A scalar: the main parser is still on it.
      return decodeWith(r, first, type, shape, n, name);
    }
    try (JsonParser p = factory.createParser(bytes.array(), bytes.offset() + (int) start, bytes.length() - (int) start)) {
      TensorJsonReader sub = new TensorJsonReader(p, limits, 1);
      return decodeWith(sub, sub.next(), type, shape, n, name);
    }
  }

  private static Tensor decodeWith(TensorJsonReader r, JsonToken first, DataType type, long[] shape, int n,
                                   String name) throws IOException {
    int read;
    Tensor tensor;
    if (type == DataType.BYTES) {
      String[] strings = new String[n];
      read = r.readStrings(first, strings, shape, name);
      tensor = Tensor.ofStrings(name, shape, strings);
    } else {
      ByteBuffer buf = ByteBuffer.allocateDirect(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
      read = r.readFixed(first, type, buf, n, shape, name);
      tensor = Tensor.ofBuffer(name, type, shape, buf);
    }
    if (read != n) {
      throw new IllegalStateException("shape scan and decode disagree for '" + name + "': " + n + " vs " + read);
    }
    return tensor;
  }

  private static List<String> inputNames(Signature signature) {
    List<String> names = new ArrayList<>();
    for (TensorSpec s : signature.inputs()) {
      names.add(s.name());
    }
    return names;
  }
}
