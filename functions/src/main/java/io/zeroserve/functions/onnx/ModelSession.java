package io.zeroserve.functions.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session over one model file. {@link #run} is thread-safe (ORT sessions are) and
 * blocking: call it from a worker executor, never from an event loop. {@link #close} returns the
 * session's native memory; it must not race with {@code run}.
 */
public final class ModelSession implements AutoCloseable {

  private final OrtSession session;
  private final Signature signature;

  private ModelSession(OrtSession session, Signature signature) {
    this.session = session;
    this.signature = signature;
  }

  /**
   * Creates a session, which makes ONNX Runtime parse and check the whole model.
   *
   * @throws FunctionException BAD_REQUEST when ORT refuses the model or its signature has types
   *     that cannot be served
   */
  public static ModelSession open(Path model, SessionSettings settings) {
    OrtEnvironment env = OnnxRuntime.environment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(settings.intraOpThreads());
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (settings.cudaDeviceId() >= 0) {
        options.addCUDA(settings.cudaDeviceId());
      }
      OrtSession session = env.createSession(model.toString(), options);
      try {
        Signature signature = new Signature(specs(session.getInputInfo(), "input"), specs(session.getOutputInfo(), "output"));
        return new ModelSession(session, signature);
      } catch (RuntimeException | OrtException e) {
        session.close();
        throw e;
      }
    } catch (OrtException e) {
      throw FunctionException.badRequest("ONNX Runtime cannot load the model: " + oneLine(e.getMessage()));
    }
  }

  public Signature signature() {
    return signature;
  }

  /**
   * Runs the model.
   *
   * @param inputs every model input, by name, already checked against {@link #signature()}
   * @param outputs the outputs to compute, by name; empty means all in the model's order
   * @return the outputs in the order asked for, each with a little-endian heap buffer or strings
   * @throws FunctionException BAD_REQUEST when ORT rejects the inputs (e.g. a shape its ops refuse)
   */
  public List<Tensor> run(Map<String, Tensor> inputs, List<String> outputs) {
    return runTimed(inputs, outputs).outputs();
  }

  /**
   * What {@link #run} returns, with the time of each phase on the {@link System#nanoTime()} clock.
   *
   * @param inputNanos handing the inputs to ORT (copies into native tensors)
   * @param inferNanos ORT's run itself
   * @param outputNanos reading the outputs back into Java tensors
   */
  public record TimedRun(List<Tensor> outputs, long inputNanos, long inferNanos, long outputNanos) {}

  /** {@link #run}, timing its three phases (the statistics' compute_input, compute_infer, compute_output). */
  public TimedRun runTimed(Map<String, Tensor> inputs, List<String> outputs) {
    OrtEnvironment env = OnnxRuntime.environment();
    List<String> wanted = outputs.isEmpty() ? signature.outputs().stream().map(TensorSpec::name).toList() : outputs;
    Map<String, OnnxTensor> ortInputs = new HashMap<>(inputs.size() * 2);
    try {
      long begin = System.nanoTime();
      for (Tensor t : inputs.values()) {
        ortInputs.put(t.name(), toOrt(env, t));
      }
      long inputsReady = System.nanoTime();
      try (OrtSession.Result result = session.run(ortInputs, new LinkedHashSet<>(wanted))) {
        long ran = System.nanoTime();
        List<Tensor> out = new ArrayList<>(wanted.size());
        for (String name : wanted) {
          OnnxValue value = result.get(name).orElseThrow(() -> new IllegalStateException("ORT returned no " + name));
          out.add(fromOrt(name, (OnnxTensor) value));
        }
        return new TimedRun(out, inputsReady - begin, ran - inputsReady, System.nanoTime() - ran);
      }
    } catch (OrtException e) {
      throw FunctionException.badRequest("the model rejected the inputs: " + oneLine(e.getMessage()));
    } finally {
      ortInputs.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing an ONNX Runtime session failed", e);
    }
  }

  private static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
    if (t.type() == DataType.BYTES) {
      return OnnxTensor.createTensor(env, t.strings(), t.shape());
    }
    // A direct buffer is handed to ORT in place. A heap one is copied into a direct one here: ORT's own
    // heap path casts the ByteBuffer to the element type's buffer class and fails (ORT 1.28).
    ByteBuffer data = t.data().duplicate();
    if (!data.isDirect()) {
      data = ByteBuffer.allocateDirect(data.remaining()).put(data).flip();
    }
    data.order(ByteOrder.nativeOrder());
    return OnnxTensor.createTensor(env, data, t.shape(), javaType(t.type()));
  }

  private static Tensor fromOrt(String name, OnnxTensor tensor) throws OrtException {
    TensorInfo info = tensor.getInfo();
    DataType type = dataType(info.onnxType);
    long[] shape = info.getShape();
    if (type == DataType.BYTES) {
      String[] flat = new String[Math.toIntExact(info.getNumElements())];
      flatten(tensor.getValue(), flat, new int[] {0});
      return Tensor.ofStrings(name, shape, flat);
    }
    return Tensor.ofBuffer(name, type, shape, tensor.getByteBuffer());
  }

  private static void flatten(Object value, String[] into, int[] next) {
    if (value instanceof String s) {
      into[next[0]++] = s;
    } else {
      for (int i = 0, n = Array.getLength(value); i < n; i++) {
        flatten(Array.get(value, i), into, next);
      }
    }
  }

  /** ORT Java numbers its element types its own way, not as ONNX does: map by constant. */
  private static DataType dataType(TensorInfo.OnnxTensorType type) {
    return switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DataType.BF16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
      default -> null;
    };
  }

  private static OnnxJavaType javaType(DataType type) {
    return switch (type) {
      case BOOL -> OnnxJavaType.BOOL;
      case UINT8 -> OnnxJavaType.UINT8;
      case INT8 -> OnnxJavaType.INT8;
      case INT16 -> OnnxJavaType.INT16;
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case FP16 -> OnnxJavaType.FLOAT16;
      case BF16 -> OnnxJavaType.BFLOAT16;
      case FP32 -> OnnxJavaType.FLOAT;
      case FP64 -> OnnxJavaType.DOUBLE;
      default -> throw FunctionException.badRequest("datatype " + type + " is not supported by ONNX Runtime's Java API");
    };
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> infos, String kind) {
    List<TensorSpec> specs = new ArrayList<>(infos.size());
    for (NodeInfo node : infos.values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw FunctionException.badRequest("model " + kind + " '" + node.getName() + "' is a "
            + node.getInfo().getClass().getSimpleName().replace("Info", "").toLowerCase()
            + ", not a tensor; only tensor inputs and outputs can be served");
      }
      DataType type = dataType(info.onnxType);
      if (type == null || !type.supportedByRuntime()) {
        throw FunctionException.badRequest("model " + kind + " '" + node.getName() + "' has element type "
            + info.onnxType + ", which ONNX Runtime's Java API cannot carry");
      }
      specs.add(new TensorSpec(node.getName(), type, info.getShape()));
    }
    return specs;
  }

  private static String oneLine(String message) {
    return message == null ? "unknown error" : message.replace('\n', ' ').strip();
  }
}
