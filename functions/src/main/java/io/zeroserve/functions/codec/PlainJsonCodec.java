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
        inputs.add(readValue(r, r.next(), spec.type(), name));
      }
      try {
        t = r.next();
      } catch (IOException e) {
        t = JsonToken.NOT_AVAILABLE; // unparseable trailing bytes: the same answer as parseable ones
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
    long estimate = 256;
    for (Tensor t : outputs) {
      // ~12 bytes per number, so the buffer rarely grows.
      estimate += t.type() == DataType.BYTES ? 16L * t.strings().length : 12L * t.data().limit() / t.type().byteSize();
    }
    Buffer out = Buffer.buffer((int) Math.min(estimate, 64 << 20));
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
   * Reads one input's value in a single pass, inferring the shape from the nesting (refusing ragged
   * arrays) while decoding elements into a growing heap buffer; the result is copied once into an
   * exact direct buffer. One pass instead of scan-then-decode halves the tokenizing, which dominates.
   */
  private Tensor readValue(TensorJsonReader r, JsonToken first, DataType type, String name) throws IOException {
    if (first == JsonToken.START_OBJECT) {
      throw FunctionException.badRequest("input '" + name + "' must be a value or nested arrays of values, was: "
          + "an object");
    }
    if (first != JsonToken.START_ARRAY) {
      long[] scalar = new long[0];
      if (type == DataType.BYTES) {
        return Tensor.ofStrings(name, scalar, new String[] {r.string(first, 0, name)});
      }
      ByteBuffer one = ByteBuffer.allocateDirect(type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
      r.putElement(first, type, one, 0, name);
      return Tensor.ofBuffer(name, type, scalar, one);
    }
    ElementSink sink = new ElementSink(r, type, name);
    int maxRank = limits.maxJsonDepth();
    long[] dims = new long[maxRank];
    long[] counts = new long[maxRank];
    Arrays.fill(dims, -1);
    int open = 1; // arrays open inside this value; counts[k] = children seen so far in the k-th
    int rank = -1;
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
        sink.add(t);
      }
    }
    long[] shape = Arrays.copyOf(dims, rank);
    if (Shapes.elementCount(shape) != sink.count) {
      throw new IllegalStateException("inferred shape " + Shapes.format(shape) + " disagrees with " + sink.count
          + " elements read for '" + name + "'");
    }
    return sink.toTensor(shape);
  }

  private static FunctionException ragged(String name, int dim, String detail) {
    return FunctionException.badRequest("input '" + name + "' must be rectangular nested arrays, was: ragged; "
        + "dimension " + dim + " " + detail);
  }

  /** Collects one input's elements while its shape is still unknown. */
  private final class ElementSink {
    private final TensorJsonReader r;
    private final DataType type;
    private final String name;
    private ByteBuffer scratch;
    private List<String> strings;
    private long stringBytes;
    int count;

    ElementSink(TensorJsonReader r, DataType type, String name) {
      this.r = r;
      this.type = type;
      this.name = name;
      if (type == DataType.BYTES) {
        strings = new ArrayList<>();
      } else {
        // Never above the limit, so outgrowing the scratch is where the limit is checked.
        int initial = (int) Math.min(1024L * type.byteSize(), limits.maxBytesPerTensor());
        scratch = ByteBuffer.allocate(initial).order(ByteOrder.LITTLE_ENDIAN);
      }
    }

    void add(JsonToken t) throws IOException {
      if (count == limits.maxElementsPerTensor()) {
        throw FunctionException.tooLarge("input '" + name + "' must have at most maxElementsPerTensor="
            + limits.maxElementsPerTensor() + " elements, was: more");
      }
      if (strings != null) {
        String s = r.string(t, count, name);
        stringBytes += TensorJsonReader.utf8Length(s);
        if (stringBytes > limits.maxBytesPerTensor()) {
          throw FunctionException.tooLarge("input '" + name + "' must hold at most maxBytesPerTensor="
              + limits.maxBytesPerTensor() + " bytes of strings, was more by element " + count);
        }
        strings.add(s);
      } else {
        long end = (long) (count + 1) * type.byteSize();
        if (end > scratch.capacity()) {
          if (end > limits.maxBytesPerTensor()) {
            throw FunctionException.tooLarge("input '" + name + "' must be at most maxBytesPerTensor="
                + limits.maxBytesPerTensor() + " bytes, was: more (" + type + ")");
          }
          grow(end);
        }
        r.putElement(t, type, scratch, count, name);
      }
      count++;
    }

    private void grow(long needed) {
      int capacity = (int) Math.min(Math.max(2L * scratch.capacity(), needed), limits.maxBytesPerTensor());
      ByteBuffer bigger = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
      bigger.put(0, scratch, 0, scratch.capacity());
      scratch = bigger;
    }

    Tensor toTensor(long[] shape) {
      if (strings != null) {
        return Tensor.ofStrings(name, shape, strings.toArray(new String[0]));
      }
      int bytes = count * type.byteSize();
      ByteBuffer direct = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
      direct.put(0, scratch, 0, bytes);
      return Tensor.ofBuffer(name, type, shape, direct);
    }
  }

  private static List<String> inputNames(Signature signature) {
    List<String> names = new ArrayList<>();
    for (TensorSpec s : signature.inputs()) {
      names.add(s.name());
    }
    return names;
  }
}
