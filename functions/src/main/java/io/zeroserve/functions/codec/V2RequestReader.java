package io.zeroserve.functions.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonParser.NumberType;
import com.fasterxml.jackson.core.JsonToken;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceRequest.RequestedOutput;
import io.zeroserve.functions.Shapes;
import io.zeroserve.functions.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/** Decodes one V2 request; see {@link V2Codec#decodeRequest}. One per request; not thread-safe. */
final class V2RequestReader {

  /** Depth of an input's {@code data} value's parent: request object, inputs array, input object. */
  private static final int INPUT_DEPTH = 3;
  /** ONNX allows more, but no real model comes near; it bounds the shape array a client can make us build. */
  static final int MAX_RANK = 32;

  private final JsonFactory factory;
  private final DecodeLimits limits;
  private final BodyBytes body;
  private final int jsonLength;
  private final boolean hasBinaryPart;
  private TensorJsonReader r;

  private String id;
  private boolean binaryOutputByDefault;
  private OptionalLong timeoutMicros = OptionalLong.empty();
  private List<InputDraft> inputs;
  private List<RequestedOutput> outputs = List.of();

  V2RequestReader(JsonFactory factory, DecodeLimits limits, BodyBytes body, int jsonHeaderLength) {
    this.factory = factory;
    this.limits = limits;
    this.body = body;
    this.hasBinaryPart = jsonHeaderLength >= 0;
    this.jsonLength = hasBinaryPart ? jsonHeaderLength : body.length();
  }

  InferenceRequest read() throws IOException {
    try (JsonParser p = factory.createParser(body.array(), body.offset(), jsonLength)) {
      r = new TensorJsonReader(p, limits, 0);
      readRequestObject();
      readEnd();
    }
    if (inputs == null) {
      throw FunctionException.badRequest("inputs is required");
    }
    if (inputs.isEmpty()) {
      throw FunctionException.badRequest("inputs must not be empty");
    }
    readBinaryPart();
    List<Tensor> tensors = new ArrayList<>(inputs.size());
    for (InputDraft in : inputs) {
      tensors.add(in.tensor);
    }
    return new InferenceRequest(id, tensors, outputs, binaryOutputByDefault, timeoutMicros);
  }

  private void readRequestObject() throws IOException {
    JsonToken t = r.next();
    if (t != JsonToken.START_OBJECT) {
      throw FunctionException.badRequest("request body must be a JSON object, was: " + r.describe(t));
    }
    Set<String> seen = new HashSet<>();
    while ((t = r.next()) == JsonToken.FIELD_NAME) {
      String field = r.parser.currentName();
      t = r.next();
      switch (field) {
        case "id" -> {
          once(seen, field, "");
          if (t == JsonToken.VALUE_STRING) {
            id = r.parser.getText();
          } else if (t != JsonToken.VALUE_NULL) {
            throw FunctionException.badRequest("id must be a string, was: " + r.describe(t));
          }
        }
        case "parameters" -> {
          once(seen, field, "");
          readRequestParameters(t);
        }
        case "inputs" -> {
          once(seen, field, "");
          readInputs(t);
        }
        case "outputs" -> {
          once(seen, field, "");
          readOutputs(t);
        }
        default -> r.skipValue(t);
      }
    }
  }

  private void readEnd() throws IOException {
    JsonToken t;
    try {
      t = r.next();
    } catch (IOException e) {
      t = JsonToken.NOT_AVAILABLE; // unparseable trailing bytes: the same answer as parseable ones
    }
    if (t != null) {
      String where = hasBinaryPart ? "the JSON header (Inference-Header-Content-Length=" + jsonLength + ")" : "the body";
      throw FunctionException.badRequest(where + " must hold exactly one JSON object, was: more data after it");
    }
  }

  private void readRequestParameters(JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    expectObject(t, "parameters");
    Set<String> seen = new HashSet<>();
    while ((t = r.next()) == JsonToken.FIELD_NAME) {
      String field = r.parser.currentName();
      t = r.next();
      switch (field) {
        case "binary_data_output" -> {
          once(seen, field, "parameters.");
          binaryOutputByDefault = bool(t, "parameters.binary_data_output");
        }
        case "timeout" -> {
          once(seen, field, "parameters.");
          timeoutMicros = OptionalLong.of(nonNegativeLong(t, "parameters.timeout", " (microseconds)"));
        }
        default -> r.skipValue(t); // other servers' parameters (priority, sequence_id, ...) are not errors
      }
    }
  }

  private void readInputs(JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw FunctionException.badRequest("inputs must be an array, was: " + r.describe(t));
    }
    inputs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    while ((t = r.next()) != JsonToken.END_ARRAY) {
      int index = inputs.size();
      String key = "inputs[" + index + "]";
      expectObject(t, key);
      InputDraft in = new InputDraft(key);
      readInput(in);
      if (!names.add(in.name)) {
        throw FunctionException.badRequest(key + ".name must be unique among the inputs, was: '" + in.name + "' again");
      }
      inputs.add(in);
    }
  }

  private void readInput(InputDraft in) throws IOException {
    Set<String> seen = new HashSet<>();
    JsonToken t;
    while ((t = r.next()) == JsonToken.FIELD_NAME) {
      String field = r.parser.currentName();
      t = r.next();
      switch (field) {
        case "name" -> {
          once(seen, field, in.key + ".");
          if (t != JsonToken.VALUE_STRING || r.parser.getTextLength() == 0) {
            throw FunctionException.badRequest(in.key + ".name must be a non-empty string, was: " + r.describe(t));
          }
          in.name = r.parser.getText();
        }
        case "shape" -> {
          once(seen, field, in.key + ".");
          in.shape = readShape(t, in.key + ".shape");
        }
        case "datatype" -> {
          once(seen, field, in.key + ".");
          if (t != JsonToken.VALUE_STRING) {
            throw FunctionException.badRequest(in.key + ".datatype must be a string, was: " + r.describe(t));
          }
          try {
            in.type = DataType.fromV2(r.parser.getText());
          } catch (FunctionException e) {
            throw FunctionException.badRequest(in.key + "." + e.getMessage());
          }
        }
        case "parameters" -> {
          once(seen, field, in.key + ".");
          readInputParameters(t, in);
        }
        case "data" -> {
          once(seen, field, in.key + ".");
          in.hasData = true;
          if (in.type != null && in.shape != null) {
            prepare(in);
            decodeData(in, r, t, r.tokenOffset());
          } else {
            // Fields may come in any order; come back to the data once datatype and shape are known.
            in.dataOffset = r.tokenOffset();
            if (t != JsonToken.START_ARRAY) {
              throw FunctionException.badRequest(in.key + ".data must be an array, was: " + r.describe(t));
            }
            r.skipValue(t);
          }
        }
        default -> r.skipValue(t);
      }
    }
    if (in.name == null) {
      throw FunctionException.badRequest(in.key + ".name is required");
    }
    if (in.shape == null) {
      throw FunctionException.badRequest(in.key + ".shape is required");
    }
    if (in.type == null) {
      throw FunctionException.badRequest(in.key + ".datatype is required");
    }
    if (in.hasData && in.binarySize >= 0) {
      throw FunctionException.badRequest(in.key + " must have either data or parameters.binary_data_size, was: both");
    }
    if (!in.hasData && in.binarySize < 0) {
      throw FunctionException.badRequest(in.key + " must have data or parameters.binary_data_size, was: neither");
    }
    if (in.hasData) {
      if (in.data == null && in.strings == null) {
        prepare(in);
        decodeDeferredData(in);
      }
      in.tensor = in.type == DataType.BYTES
          ? Tensor.ofStrings(in.name, in.shape, in.strings)
          : Tensor.ofBuffer(in.name, in.type, in.shape, in.data);
    } else {
      prepare(in);
      checkBinarySize(in);
    }
  }

  private void readInputParameters(JsonToken t, InputDraft in) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    String key = in.key + ".parameters";
    expectObject(t, key);
    Set<String> seen = new HashSet<>();
    while ((t = r.next()) == JsonToken.FIELD_NAME) {
      String field = r.parser.currentName();
      t = r.next();
      if (field.equals("binary_data_size")) {
        once(seen, field, key + ".");
        in.binarySize = nonNegativeLong(t, key + ".binary_data_size", "");
      } else {
        r.skipValue(t);
      }
    }
  }

  private long[] readShape(JsonToken t, String key) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw FunctionException.badRequest(key + " must be an array of non-negative integers, was: " + r.describe(t));
    }
    long[] dims = new long[4];
    int rank = 0;
    while ((t = r.next()) != JsonToken.END_ARRAY) {
      long d = -1;
      if (t == JsonToken.VALUE_NUMBER_INT) {
        NumberType nt = r.parser.getNumberType();
        if (nt == NumberType.INT || nt == NumberType.LONG) {
          d = r.parser.getLongValue();
        }
      }
      if (d < 0) {
        throw FunctionException.badRequest(key + " must be an array of non-negative integers, was: " + r.describe(t)
            + " at index " + rank);
      }
      if (rank == MAX_RANK) {
        throw FunctionException.badRequest(key + " must have at most " + MAX_RANK + " dimensions, was: more");
      }
      if (rank == dims.length) {
        dims = Arrays.copyOf(dims, dims.length * 2);
      }
      dims[rank++] = d;
    }
    return Arrays.copyOf(dims, rank);
  }

  private void readOutputs(JsonToken t) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw FunctionException.badRequest("outputs must be an array, was: " + r.describe(t));
    }
    List<RequestedOutput> list = new ArrayList<>();
    Set<String> names = new HashSet<>();
    while ((t = r.next()) != JsonToken.END_ARRAY) {
      String key = "outputs[" + list.size() + "]";
      expectObject(t, key);
      String name = null;
      Boolean binary = null;
      Set<String> seen = new HashSet<>();
      while ((t = r.next()) == JsonToken.FIELD_NAME) {
        String field = r.parser.currentName();
        t = r.next();
        if (field.equals("name")) {
          once(seen, field, key + ".");
          if (t != JsonToken.VALUE_STRING || r.parser.getTextLength() == 0) {
            throw FunctionException.badRequest(key + ".name must be a non-empty string, was: " + r.describe(t));
          }
          name = r.parser.getText();
        } else if (field.equals("parameters")) {
          once(seen, field, key + ".");
          binary = readOutputParameters(t, key + ".parameters");
        } else {
          r.skipValue(t);
        }
      }
      if (name == null) {
        throw FunctionException.badRequest(key + ".name is required");
      }
      if (!names.add(name)) {
        throw FunctionException.badRequest(key + ".name must be unique among the outputs, was: '" + name + "' again");
      }
      list.add(new RequestedOutput(name, binary));
    }
    outputs = list;
  }

  private Boolean readOutputParameters(JsonToken t, String key) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    expectObject(t, key);
    Boolean binary = null;
    Set<String> seen = new HashSet<>();
    while ((t = r.next()) == JsonToken.FIELD_NAME) {
      String field = r.parser.currentName();
      t = r.next();
      if (field.equals("binary_data")) {
        once(seen, field, key + ".");
        binary = bool(t, key + ".binary_data");
      } else {
        r.skipValue(t); // classification and friends: not supported, not an error
      }
    }
    return binary;
  }

  /** Checks the declared size against the limits, before anything is allocated for it. */
  private void prepare(InputDraft in) {
    long count;
    try {
      count = Shapes.elementCount(in.shape);
    } catch (FunctionException e) {
      throw FunctionException.tooLarge(in.key + ".shape must describe at most maxElementsPerTensor="
          + limits.maxElementsPerTensor() + " elements, was: " + Shapes.format(in.shape));
    }
    if (count > limits.maxElementsPerTensor()) {
      throw FunctionException.tooLarge(in.key + ".shape must describe at most maxElementsPerTensor="
          + limits.maxElementsPerTensor() + " elements, was: " + Shapes.format(in.shape) + " (" + count + ")");
    }
    if (in.type.isFixedSize() && count * in.type.byteSize() > limits.maxBytesPerTensor()) {
      throw FunctionException.tooLarge(in.key + " must be at most maxBytesPerTensor=" + limits.maxBytesPerTensor()
          + " bytes, was: " + count * in.type.byteSize() + " (" + in.type + " " + Shapes.format(in.shape) + ")");
    }
    in.count = (int) count;
  }

  private void decodeDeferredData(InputDraft in) throws IOException {
    int start = (int) in.dataOffset;
    try (JsonParser p = factory.createParser(body.array(), body.offset() + start, jsonLength - start)) {
      TensorJsonReader sub = new TensorJsonReader(p, limits, INPUT_DEPTH);
      decodeData(in, sub, sub.next(), start);
    }
  }

  /** Decodes {@code data} with the reader on its first token, which is at {@code start} in the JSON. */
  private void decodeData(InputDraft in, TensorJsonReader reader, JsonToken first, long start) throws IOException {
    String key = in.key + ".data";
    if (first != JsonToken.START_ARRAY) {
      throw FunctionException.badRequest(key + " must be an array, was: " + reader.describe(first));
    }
    // Every element takes at least 2 bytes of JSON ("1,"): refuse shapes the body cannot hold before
    // allocating for them, so a tiny request cannot make us allocate maxBytesPerTensor.
    long room = (jsonLength - start) / 2 + 1;
    if (in.count > room) {
      throw FunctionException.badRequest(key + " must have " + in.count + " elements for shape "
          + Shapes.format(in.shape) + ", was: fewer (the JSON is too short to hold them)");
    }
    int n;
    if (in.type == DataType.BYTES) {
      in.strings = new String[in.count];
      n = reader.readStrings(first, in.strings, in.shape, key);
    } else {
      in.data = ByteBuffer.allocateDirect(in.count * in.type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
      n = reader.readFixed(first, in.type, in.data, in.count, in.shape, key);
    }
    if (n != in.count) {
      throw FunctionException.badRequest(key + " must have " + in.count + " elements for shape "
          + Shapes.format(in.shape) + ", was: " + n);
    }
  }

  private void checkBinarySize(InputDraft in) {
    String key = in.key + ".parameters.binary_data_size";
    if (!hasBinaryPart) {
      throw FunctionException.badRequest(key + " needs the Inference-Header-Content-Length header, was: absent");
    }
    if (in.type.isFixedSize()) {
      long expected = (long) in.count * in.type.byteSize();
      if (in.binarySize != expected) {
        throw FunctionException.badRequest(key + " must be " + expected + " (" + in.count + " x " + in.type.byteSize()
            + " bytes for " + in.type + " " + Shapes.format(in.shape) + "), was: " + in.binarySize);
      }
    } else if (in.binarySize < 4L * in.count) {
      throw FunctionException.badRequest(key + " must be at least " + 4L * in.count + " (a 4-byte length per BYTES"
          + " element of " + Shapes.format(in.shape) + "), was: " + in.binarySize);
    }
    long remainder = body.length() - jsonLength;
    if (in.binarySize > remainder) {
      throw FunctionException.badRequest(key + " must fit in the " + remainder
          + " bytes after the JSON header (Inference-Header-Content-Length=" + jsonLength + "), was: " + in.binarySize);
    }
  }

  private void readBinaryPart() {
    long remainder = body.length() - jsonLength;
    long sum = 0;
    for (InputDraft in : inputs) {
      if (in.binarySize >= 0) {
        sum += in.binarySize; // each fits in the remainder, so the sum cannot overflow
      }
    }
    if (sum != remainder) {
      throw FunctionException.badRequest("the inputs' binary_data_size values must add up to the " + remainder
          + " bytes after the JSON header (Inference-Header-Content-Length=" + jsonLength + "), was: " + sum);
    }
    int pos = jsonLength;
    for (InputDraft in : inputs) {
      if (in.binarySize < 0) {
        continue;
      }
      int size = (int) in.binarySize;
      if (in.type == DataType.BYTES) {
        in.tensor = Tensor.ofStrings(in.name, in.shape, readBinaryStrings(in, pos, size));
      } else {
        if (in.type == DataType.BOOL) {
          checkBools(in, pos, size);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(0, body.array(), body.offset() + pos, size);
        in.tensor = Tensor.ofBuffer(in.name, in.type, in.shape, buf);
      }
      pos += size;
    }
  }

  private void checkBools(InputDraft in, int pos, int size) {
    byte[] a = body.array();
    int base = body.offset() + pos;
    for (int i = 0; i < size; i++) {
      if ((a[base + i] & 0xFE) != 0) {
        throw FunctionException.badRequest(in.key + " binary BOOL element " + i + " must be 0 or 1, was: "
            + (a[base + i] & 0xFF));
      }
    }
  }

  /** Triton's BYTES framing: each element is a 4-byte little-endian length, then that many bytes. */
  private String[] readBinaryStrings(InputDraft in, int pos, int size) {
    String key = in.key + " binary BYTES";
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    String[] out = new String[in.count];
    int end = pos + size;
    long totalBytes = 0;
    for (int i = 0; i < in.count; i++) {
      if (end - pos < 4) {
        throw FunctionException.badRequest(key + " element " + i + " must start with a 4-byte length, was: "
            + (end - pos) + " bytes left of binary_data_size=" + size);
      }
      long len = body.intLE(pos) & 0xFFFF_FFFFL;
      pos += 4;
      if (len > end - pos) {
        throw FunctionException.badRequest(key + " element " + i + " length must fit in the " + (end - pos)
            + " bytes left of binary_data_size=" + size + ", was: " + len);
      }
      if (len > limits.maxStringBytes()) {
        throw FunctionException.tooLarge(key + " element " + i + " must be at most maxStringBytes="
            + limits.maxStringBytes() + " bytes, was: " + len);
      }
      totalBytes += len;
      if (totalBytes > limits.maxBytesPerTensor()) {
        throw FunctionException.tooLarge(key + " must hold at most maxBytesPerTensor=" + limits.maxBytesPerTensor()
            + " bytes of strings, was more by element " + i);
      }
      try {
        CharBuffer chars = utf8.decode(ByteBuffer.wrap(body.array(), body.offset() + pos, (int) len));
        out[i] = chars.toString();
      } catch (CharacterCodingException e) {
        throw FunctionException.badRequest(key + " element " + i + " must be valid UTF-8, was not");
      }
      pos += (int) len;
    }
    if (pos != end) {
      throw FunctionException.badRequest(key + " must hold exactly " + in.count + " elements for shape "
          + Shapes.format(in.shape) + " in binary_data_size=" + size + ", was: " + (end - pos) + " bytes left over");
    }
    return out;
  }

  private void expectObject(JsonToken t, String key) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      throw FunctionException.badRequest(key + " must be an object, was: " + r.describe(t));
    }
  }

  private boolean bool(JsonToken t, String key) throws IOException {
    if (t == JsonToken.VALUE_TRUE) {
      return true;
    }
    if (t == JsonToken.VALUE_FALSE) {
      return false;
    }
    throw FunctionException.badRequest(key + " must be true or false, was: " + r.describe(t));
  }

  private long nonNegativeLong(JsonToken t, String key, String unit) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      NumberType nt = r.parser.getNumberType();
      if (nt == NumberType.INT || nt == NumberType.LONG) {
        long v = r.parser.getLongValue();
        if (v >= 0) {
          return v;
        }
      }
    }
    throw FunctionException.badRequest(key + " must be a non-negative integer" + unit + ", was: " + r.describe(t));
  }

  private static void once(Set<String> seen, String field, String prefix) {
    if (!seen.add(field)) {
      throw FunctionException.badRequest(prefix + field + " must appear once, was: repeated");
    }
  }

  /** What is known about one input while its object is being read. */
  private static final class InputDraft {
    final String key;
    String name;
    long[] shape;
    DataType type;
    boolean hasData;
    long dataOffset = -1;
    long binarySize = -1;
    int count;
    ByteBuffer data;
    String[] strings;
    Tensor tensor;

    InputDraft(String key) {
      this.key = key;
    }
  }
}
