package io.zeroserve.functions.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.functions.DataType;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchesTest {

  private static Tensor fp32(String name, long rows, long cols) {
    ByteBuffer b = ByteBuffer.allocateDirect((int) (rows * cols * 4)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < rows * cols; i++) {
      b.putFloat(i);
    }
    b.flip();
    return Tensor.ofBuffer(name, DataType.FP32, new long[] {rows, cols}, b);
  }

  private static InferenceCall call(long rowsA, long rowsB) {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put("a", fp32("a", rowsA, 4));
    inputs.put("b", fp32("b", rowsB, 4));
    return new InferenceCall(inputs, List.of(), Long.MAX_VALUE);
  }

  @Test
  void callsWhoseInputsDisagreeOnRows_neverShareABatch() {
    // Concatenated, both would be [4, 4] and the model would accept it, but the rows would not line up.
    assertFalse(Batches.compatible(call(1, 3), call(3, 1)));
    assertTrue(Batches.compatible(call(2, 2), call(3, 3)));
  }

  @Test
  void outputsNotAlignedWithTheBatchRows_refuseToSplit() {
    List<InferenceCall> calls = List.of(call(2, 2), call(3, 3));
    assertThrows(FunctionException.class, () -> Batches.split(calls, List.of("topk"), List.of(fp32("topk", 1, 4))));
    List<List<Tensor>> split = Batches.split(calls, List.of("y"), List.of(fp32("y", 5, 4)));
    assertEquals(2, split.get(0).get(0).shape()[0]);
    assertEquals(3, split.get(1).get(0).shape()[0]);
    assertEquals(8.0f, split.get(1).get(0).data().order(ByteOrder.LITTLE_ENDIAN).getFloat(0), "call 2 starts at row 2");
  }
}
