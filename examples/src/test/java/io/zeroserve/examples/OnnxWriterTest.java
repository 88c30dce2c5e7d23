package io.zeroserve.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class OnnxWriterTest {

    @Test
    void toByteArray_writesIrVersionOpsetAndGraphFields() throws InvalidProtocolBufferException {
        OnnxWriter writer = new OnnxWriter("g")
                .input("x", OnnxWriter.DataType.FLOAT, "batch", 2)
                .output("y", OnnxWriter.DataType.FLOAT, "batch", 2)
                .initializer("w", new float[] {1.0f, -2.0f}, 2);
        writer.node("Add").inputs("x", "w").outputs("y");

        UnknownFieldSet model = UnknownFieldSet.parseFrom(writer.toByteArray());

        assertEquals(List.of(8L), model.getField(1).getVarintList());
        UnknownFieldSet opset = parse(model.getField(8).getLengthDelimitedList().get(0));
        assertEquals("", opset.getField(1).getLengthDelimitedList().get(0).toStringUtf8());
        assertEquals(List.of(17L), opset.getField(2).getVarintList());
        UnknownFieldSet graph = parse(model.getField(7).getLengthDelimitedList().get(0));
        assertEquals("g", graph.getField(2).getLengthDelimitedList().get(0).toStringUtf8());
        UnknownFieldSet initializer = parse(graph.getField(5).getLengthDelimitedList().get(0));
        assertEquals(List.of(2L), initializer.getField(1).getVarintList(), "dims");
        assertEquals(List.of(1L), initializer.getField(2).getVarintList(), "data_type FLOAT");
        // 1.0f and -2.0f, little-endian.
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0},
                initializer.getField(9).getLengthDelimitedList().get(0).toByteArray());
    }

    @Test
    void toByteArray_makesAModelThatOnnxRuntimeRuns() throws OrtException {
        OnnxWriter writer = new OnnxWriter("g")
                .input("x", OnnxWriter.DataType.FLOAT, "batch", 3)
                .output("y", OnnxWriter.DataType.FLOAT, "batch", 3)
                .initializer("scale", new float[] {2, 3, 4}, 3);
        writer.node("Mul").inputs("x", "scale").outputs("scaled");
        writer.node("LeakyRelu").inputs("scaled").outputs("y").attr("alpha", 0.5f);

        try (OrtSession session = Sessions.open(writer.toByteArray());
             OnnxTensor x = OnnxTensor.createTensor(Sessions.ENV, new float[][] {{1, -1, 0.5f}});
             OrtSession.Result result = session.run(Map.of("x", x))) {
            TensorInfo input = (TensorInfo) session.getInputInfo().get("x").getInfo();
            assertEquals("batch", input.getDimensionNames()[0]);
            assertArrayEquals(new float[][] {{2, -1.5f, 2}}, (float[][]) result.get(0).getValue());
        }
    }

    @Test
    void initializer_rejectsValuesThatDoNotFillItsDims() {
        OnnxWriter writer = new OnnxWriter("g");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> writer.initializer("w", new float[3], 2, 2));
        assertEquals("initializer w has 3 values but its dims hold 4", e.getMessage());
    }

    private static UnknownFieldSet parse(ByteString bytes) throws InvalidProtocolBufferException {
        return UnknownFieldSet.parseFrom(bytes);
    }
}
