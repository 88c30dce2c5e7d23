package io.zeroserve.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MultiIoTest {

    private static final long[] BATCH = {3};

    private static OrtSession session;

    @BeforeAll
    static void open() throws OrtException {
        session = Sessions.open(ExampleModels.multiIo());
    }

    @AfterAll
    static void close() throws OrtException {
        session.close();
    }

    @Test
    void multiIo_declaresOneInputOfEachDataType() throws OrtException {
        Map<String, OnnxJavaType> expected = new LinkedHashMap<>();
        expected.put("x", OnnxJavaType.FLOAT);
        expected.put("ids", OnnxJavaType.INT64);
        expected.put("mask", OnnxJavaType.BOOL);
        expected.put("names", OnnxJavaType.STRING);
        expected.put("d", OnnxJavaType.DOUBLE);
        expected.put("small", OnnxJavaType.INT32);
        expected.put("bytes8", OnnxJavaType.UINT8);
        expected.put("i8", OnnxJavaType.INT8);
        expected.put("i16", OnnxJavaType.INT16);
        expected.put("h", OnnxJavaType.FLOAT16);

        Map<String, OnnxJavaType> actual = new LinkedHashMap<>();
        session.getInputInfo().forEach((name, info) -> {
            TensorInfo tensor = (TensorInfo) info.getInfo();
            assertEquals(-1, tensor.getShape()[0], name + " has a dynamic batch");
            actual.put(name, tensor.type);
        });
        assertEquals(expected, actual);
        assertEquals(10, session.getOutputNames().size());
    }

    @Test
    void multiIo_returnsExactValuesForEveryDataTypeInBatchOfThree() throws OrtException {
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            inputs.put("x", OnnxTensor.createTensor(Sessions.ENV,
                    new float[][] {{1, 2, 3, 4}, {0.5f, 0.25f, 0, -1}, {-1, -2, -3, 10}}));
            inputs.put("ids", OnnxTensor.createTensor(Sessions.ENV,
                    LongBuffer.wrap(new long[] {1, -7, 1L << 40}), BATCH));
            inputs.put("mask", OnnxTensor.createTensor(Sessions.ENV, new boolean[] {true, false, true}));
            inputs.put("names", OnnxTensor.createTensor(Sessions.ENV, new String[] {"a", "", "zürich ✓"}, BATCH));
            inputs.put("d", OnnxTensor.createTensor(Sessions.ENV,
                    DoubleBuffer.wrap(new double[] {1.5, -2, 0, 1e300, -0.1, 3}), new long[] {3, 2}));
            inputs.put("small", OnnxTensor.createTensor(Sessions.ENV,
                    IntBuffer.wrap(new int[] {0, -1, Integer.MAX_VALUE - 1}), BATCH));
            inputs.put("bytes8", OnnxTensor.createTensor(Sessions.ENV,
                    ByteBuffer.wrap(new byte[] {0, 127, (byte) 255}), BATCH, OnnxJavaType.UINT8));
            inputs.put("i8", OnnxTensor.createTensor(Sessions.ENV,
                    ByteBuffer.wrap(new byte[] {1, -5, 127}), BATCH));
            inputs.put("i16", OnnxTensor.createTensor(Sessions.ENV,
                    ShortBuffer.wrap(new short[] {-32768, 0, 32767}), BATCH));
            // Half-precision bits of 1.5, -2, 0.25, 3, 0.5, 1.
            inputs.put("h", OnnxTensor.createTensor(Sessions.ENV,
                    halfBits(0x3E00, 0xC000, 0x3400, 0x4200, 0x3800, 0x3C00), new long[] {3, 2},
                    OnnxJavaType.FLOAT16));

            try (OrtSession.Result result = session.run(inputs)) {
                assertArrayEquals(new float[] {10, -0.25f, 4}, (float[]) value(result, "x_sum"));
                assertArrayEquals(new long[] {2, -14, 1L << 41}, (long[]) value(result, "ids_times_two"));
                assertArrayEquals(new boolean[] {false, true, false}, (boolean[]) value(result, "mask_not"));
                assertArrayEquals(new String[] {"a", "", "zürich ✓"}, (String[]) value(result, "names_out"));
                assertArrayEquals(new double[][] {{-1.5, 2}, {-0.0, -1e300}, {0.1, -3}},
                        (double[][]) value(result, "d_neg"));
                assertArrayEquals(new int[] {1, 0, Integer.MAX_VALUE}, (int[]) value(result, "small_plus_one"));
                assertArrayEquals(new byte[] {0, 127, (byte) 255}, bytes(result, "bytes8_out"));
                assertArrayEquals(new byte[] {-1, 5, -127}, bytes(result, "i8_out"));
                assertArrayEquals(new short[] {-32768, 0, 32767}, shorts(result, "i16_out"));
                // Doubled: 3, -4, 0.5, 6, 1, 2.
                assertArrayEquals(new short[] {0x4200, (short) 0xC400, 0x3800, 0x4600, 0x3C00, 0x4000},
                        shorts(result, "h_double"));
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static ByteBuffer halfBits(int... bits) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(2 * bits.length).order(ByteOrder.nativeOrder());
        for (int b : bits) {
            buffer.putShort((short) b);
        }
        return buffer.rewind();
    }

    private static Object value(OrtSession.Result result, String name) throws OrtException {
        return tensor(result, name).getValue();
    }

    private static byte[] bytes(OrtSession.Result result, String name) {
        ByteBuffer buffer = tensor(result, name).getByteBuffer();
        byte[] values = new byte[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    private static short[] shorts(OrtSession.Result result, String name) {
        ShortBuffer buffer = tensor(result, name).getShortBuffer();
        short[] values = new short[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    private static OnnxTensor tensor(OrtSession.Result result, String name) {
        OnnxValue value = result.get(name).orElseThrow(() -> new AssertionError("no output " + name));
        return (OnnxTensor) value;
    }
}
