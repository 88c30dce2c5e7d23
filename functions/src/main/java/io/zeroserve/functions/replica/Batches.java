package io.zeroserve.functions.replica;

import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Concatenates requests along dimension 0 into one batch and splits the batch's outputs back. Pure
 * data movement: which requests form a batch is {@code BatchPolicy}'s decision.
 */
final class Batches {

  private Batches() {}

  /** Whether a model can be batched: every input and output has a dynamic dimension 0. */
  static boolean batchable(Signature signature) {
    return signature.inputs().stream().allMatch(TensorSpec::hasDynamicBatch)
        && signature.outputs().stream().allMatch(TensorSpec::hasDynamicBatch);
  }

  /**
   * Whether two calls can share a batch: the same inputs with the same dimensions past the first,
   * and within each call one row count shared by every input (else slicing the outputs by rows
   * would hand one call rows computed from another's inputs).
   */
  static boolean compatible(InferenceCall a, InferenceCall b) {
    if (!a.inputs().keySet().equals(b.inputs().keySet()) || !uniformRows(a) || !uniformRows(b)) {
      return false;
    }
    for (Map.Entry<String, Tensor> e : a.inputs().entrySet()) {
      long[] x = e.getValue().shape();
      long[] y = b.inputs().get(e.getKey()).shape();
      if (x.length != y.length || !Arrays.equals(x, 1, x.length, y, 1, y.length)) {
        return false;
      }
    }
    return true;
  }

  private static boolean uniformRows(InferenceCall call) {
    long rows = -1;
    for (Tensor t : call.inputs().values()) {
      if (t.shape().length == 0 || (rows >= 0 && t.shape()[0] != rows)) {
        return false;
      }
      rows = t.shape()[0];
    }
    return true;
  }

  /** The inputs of several compatible calls, concatenated along dimension 0. */
  static Map<String, Tensor> concat(List<InferenceCall> calls) {
    Map<String, Tensor> batch = new LinkedHashMap<>();
    for (String name : calls.get(0).inputs().keySet()) {
      Tensor first = calls.get(0).inputs().get(name);
      long rows = 0;
      long bytes = 0;
      int strings = 0;
      for (InferenceCall c : calls) {
        Tensor t = c.inputs().get(name);
        rows += t.shape()[0];
        if (t.type() == DataType.BYTES) {
          strings += t.strings().length;
        } else {
          bytes += t.data().limit();
        }
      }
      long[] shape = first.shape().clone();
      shape[0] = rows;
      if (first.type() == DataType.BYTES) {
        String[] all = new String[strings];
        int at = 0;
        for (InferenceCall c : calls) {
          String[] s = c.inputs().get(name).strings();
          System.arraycopy(s, 0, all, at, s.length);
          at += s.length;
        }
        batch.put(name, Tensor.ofStrings(name, shape, all));
      } else {
        ByteBuffer all = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (InferenceCall c : calls) {
          all.put(c.inputs().get(name).data().duplicate().position(0));
        }
        all.flip();
        batch.put(name, Tensor.ofBuffer(name, first.type(), shape, all));
      }
    }
    return batch;
  }

  /**
   * Splits batch outputs back per call, each call getting the outputs it asked for (all when it
   * asked for none), in its order.
   */
  static List<List<Tensor>> split(List<InferenceCall> calls, List<String> outputNames, List<Tensor> outputs) {
    long totalRows = calls.stream().mapToLong(InferenceCall::rows).sum();
    for (Tensor out : outputs) {
      if (out.shape().length == 0 || out.shape()[0] != totalRows) {
        // Not row-aligned with the inputs (top-k, detections, ...): each call must run alone.
        throw FunctionException.badRequest("output '" + out.name() + "' is not aligned with the batch's rows");
      }
    }
    List<List<Tensor>> perCall = new ArrayList<>(calls.size());
    long row = 0;
    for (InferenceCall c : calls) {
      long rows = c.rows();
      List<String> wanted = c.outputs().isEmpty() ? outputNames : c.outputs();
      List<Tensor> mine = new ArrayList<>(wanted.size());
      for (String name : wanted) {
        mine.add(slice(outputs.get(outputNames.indexOf(name)), row, rows));
      }
      perCall.add(mine);
      row += rows;
    }
    return perCall;
  }

  private static Tensor slice(Tensor t, long fromRow, long rows) {
    long[] shape = t.shape().clone();
    long total = shape[0];
    shape[0] = rows;
    if (t.type() == DataType.BYTES) {
      int perRow = total == 0 ? 0 : (int) (t.strings().length / total);
      return Tensor.ofStrings(t.name(), shape,
          Arrays.copyOfRange(t.strings(), (int) (fromRow * perRow), (int) ((fromRow + rows) * perRow)));
    }
    int perRow = total == 0 ? 0 : (int) (t.data().limit() / total);
    ByteBuffer part = t.data().duplicate();
    part.position((int) (fromRow * perRow)).limit((int) ((fromRow + rows) * perRow));
    return Tensor.ofBuffer(t.name(), t.type(), shape, part.slice());
  }
}
