package io.zeroserve.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class DataTypeTest {

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyType_roundTripsThroughItsV2NameAndItsOnnxNumber(DataType type) {
    assertEquals(type, DataType.fromV2(type.v2Name()));
    assertEquals(type, DataType.fromV2(type.v2Name().toLowerCase()));
    assertEquals(type, DataType.fromOnnx(type.onnxElementType()));
  }

  @Test
  void onnxNumbers_andSizes_areThoseOfOnnxProto() {
    assertEquals(1, DataType.FP32.onnxElementType());
    assertEquals(4, DataType.FP32.byteSize());
    assertEquals(7, DataType.INT64.onnxElementType());
    assertEquals(8, DataType.INT64.byteSize());
    assertEquals(10, DataType.FP16.onnxElementType());
    assertEquals(16, DataType.BF16.onnxElementType());
    assertEquals(8, DataType.BYTES.onnxElementType());
    assertEquals(0, DataType.BYTES.byteSize());
    assertFalse(DataType.BYTES.isFixedSize());
    assertNull(DataType.fromOnnx(0));
    assertNull(DataType.fromOnnx(14)); // COMPLEX64: no V2 datatype
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "float", "FP8", "STRING"})
  void unknownV2Name_isBadRequestNamingTheValue(String name) {
    FunctionException e = assertThrows(FunctionException.class, () -> DataType.fromV2(name));
    assertEquals(Reason.BAD_REQUEST, e.reason());
    assertTrue(e.getMessage().endsWith(", was: " + name), e.getMessage());
  }

  @Test
  void devicePreference_parsesAnyCase_andRefusesOthers() {
    assertEquals(DevicePreference.GPU, DevicePreference.parse("gpu"));
    assertEquals(DevicePreference.CPU, DevicePreference.parse("CPU"));
    assertEquals("any", DevicePreference.ANY.text());
    FunctionException e = assertThrows(FunctionException.class, () -> DevicePreference.parse(null));
    assertEquals("device must be one of any, gpu, cpu, was: null", e.getMessage());
  }

  @Test
  void functionException_carriesItsReason_andNoStackTrace() {
    FunctionException e = FunctionException.tooLarge("too big");
    assertEquals(Reason.PAYLOAD_TOO_LARGE, e.reason());
    assertEquals(0, e.getStackTrace().length);
    assertEquals(Reason.NOT_FOUND, FunctionException.notFound("x").reason());
    assertEquals(Reason.CONFLICT, FunctionException.conflict("x").reason());
    assertEquals(Reason.UNAVAILABLE, FunctionException.unavailable("x").reason());
    assertThrows(NullPointerException.class, () -> new FunctionException(null, "x"));
  }
}
