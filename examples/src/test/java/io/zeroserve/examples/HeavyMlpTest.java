package io.zeroserve.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Shapes and numerics only; timings depend on the machine, see {@link HeavyMlpTiming}. */
class HeavyMlpTest {

    private static OrtSession session;

    @BeforeAll
    static void open() throws OrtException {
        session = Sessions.open(ExampleModels.heavyMlp());
    }

    @AfterAll
    static void close() throws OrtException {
        session.close();
    }

    @Test
    void heavyMlp_declaresDynamicBatchAndItsWidths() throws OrtException {
        TensorInfo input = (TensorInfo) session.getInputInfo().get("input").getInfo();
        TensorInfo output = (TensorInfo) session.getOutputInfo().get("output").getInfo();

        assertArrayEquals(new long[] {-1, ExampleModels.HEAVY_MLP_INPUTS}, input.getShape());
        assertArrayEquals(new long[] {-1, ExampleModels.HEAVY_MLP_OUTPUTS}, output.getShape());
    }

    @Test
    void heavyMlp_producesFiniteNonZeroOutputsForBatchOfFour() throws OrtException {
        int batch = 4;
        float[] values = new float[batch * ExampleModels.HEAVY_MLP_INPUTS];
        Random random = new Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }

        try (OnnxTensor input = OnnxTensor.createTensor(Sessions.ENV, FloatBuffer.wrap(values),
                new long[] {batch, ExampleModels.HEAVY_MLP_INPUTS});
             OrtSession.Result result = session.run(Map.of("input", input))) {
            float[][] output = (float[][]) result.get(0).getValue();

            assertEquals(batch, output.length);
            for (float[] row : output) {
                assertEquals(ExampleModels.HEAVY_MLP_OUTPUTS, row.length);
                double sumOfSquares = 0;
                for (float v : row) {
                    assertTrue(Float.isFinite(v), "output " + v);
                    sumOfSquares += (double) v * v;
                }
                // 96 layers could have shrunk the signal to nothing; He initialization keeps it.
                assertTrue(sumOfSquares > 1e-6, "sum of squares " + sumOfSquares);
            }
        }
    }
}
