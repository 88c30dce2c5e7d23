package io.zeroserve.functions.codec;

import static io.zeroserve.functions.codec.CodecTestSupport.assertFails;
import static io.zeroserve.functions.codec.CodecTestSupport.fixed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.zeroserve.functions.DataType;
import io.zeroserve.functions.InferenceRequest;
import io.zeroserve.functions.InferenceRequest.RequestedOutput;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class InputValidatorTest {

  private static final Signature SIG = new Signature(
      List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 4}), new TensorSpec("mask", DataType.BOOL, new long[] {-1})),
      List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 2}), new TensorSpec("z", DataType.INT64, new long[] {-1})));

  private static Tensor x(DataType type, long... shape) {
    return fixed("x", type, shape, b -> { });
  }

  private static final Tensor MASK = fixed("mask", DataType.BOOL, new long[] {3}, b -> b.put(new byte[3]));

  private static InferenceRequest request(List<Tensor> inputs, RequestedOutput... outputs) {
    return new InferenceRequest(null, inputs, List.of(outputs), false, OptionalLong.empty());
  }

  @Test
  void validInputs_comeBackInTheModelsOrder() {
    Tensor x = x(DataType.FP32, 3, 4);
    LinkedHashMap<String, Tensor> ready = InputValidator.validate(SIG,
        request(List.of(MASK, x), new RequestedOutput("z", true)));
    assertEquals(List.of("x", "mask"), List.copyOf(ready.keySet()));
    assertSame(x, ready.get("x"));
  }

  @Test
  void unknownInput_isBadRequest_listingTheValidNames() {
    Tensor extra = fixed("w", DataType.FP32, new long[] {1}, b -> b.putFloat(0));
    assertFails(Reason.BAD_REQUEST, "input 'w' is not an input of this model; its inputs are: [x, mask]",
        () -> InputValidator.validateInputs(SIG, List.of(x(DataType.FP32, 1, 4), MASK, extra)));
  }

  @Test
  void missingInput_isBadRequest() {
    assertFails(Reason.BAD_REQUEST, "input 'mask' is required by the model but missing",
        () -> InputValidator.validateInputs(SIG, List.of(x(DataType.FP32, 1, 4))));
  }

  @Test
  void datatypeMismatch_isBadRequest() {
    assertFails(Reason.BAD_REQUEST, "input 'x' has datatype FP64 but the model expects FP32",
        () -> InputValidator.validateInputs(SIG, List.of(x(DataType.FP64, 1, 4), MASK)));
  }

  @Test
  void shapeMismatch_isBadRequest() {
    assertFails(Reason.BAD_REQUEST, "input 'x' has shape [2, 5] but the model expects [-1, 4]",
        () -> InputValidator.validateInputs(SIG, List.of(x(DataType.FP32, 2, 5), MASK)));
    assertFails(Reason.BAD_REQUEST, "input 'x' has shape [8] but the model expects [-1, 4]",
        () -> InputValidator.validateInputs(SIG, List.of(x(DataType.FP32, 8), MASK)));
  }

  @Test
  void duplicateInput_isBadRequest() {
    assertFails(Reason.BAD_REQUEST, "input 'mask' must be given once, was: repeated",
        () -> InputValidator.validateInputs(SIG, List.of(x(DataType.FP32, 1, 4), MASK, MASK)));
  }

  @Test
  void unknownRequestedOutput_isBadRequest_listingTheValidNames() {
    assertFails(Reason.BAD_REQUEST, "output 'q' is not an output of this model; its outputs are: [y, z]",
        () -> InputValidator.validate(SIG, request(List.of(x(DataType.FP32, 1, 4), MASK), new RequestedOutput("q", null))));
  }
}
