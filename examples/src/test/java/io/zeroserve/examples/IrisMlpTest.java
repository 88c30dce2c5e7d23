package io.zeroserve.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IrisMlpTest {

    private static final float[] SETOSA = {5.1f, 3.5f, 1.4f, 0.2f};
    private static final float[] VERSICOLOR = {7.0f, 3.2f, 4.7f, 1.4f};
    private static final float[] VIRGINICA = {6.7f, 3.0f, 5.2f, 2.3f};

    private static OrtSession session;

    @BeforeAll
    static void open() throws OrtException {
        session = Sessions.open(ExampleModels.irisMlp());
    }

    @AfterAll
    static void close() throws OrtException {
        session.close();
    }

    @Test
    void irisMlp_declaresDynamicBatch() throws OrtException {
        TensorInfo input = (TensorInfo) session.getInputInfo().get("input").getInfo();
        TensorInfo probabilities = (TensorInfo) session.getOutputInfo().get("probabilities").getInfo();
        TensorInfo label = (TensorInfo) session.getOutputInfo().get("label").getInfo();

        assertEquals(OnnxJavaType.FLOAT, input.type);
        assertArrayEquals(new long[] {-1, 4}, input.getShape());
        assertEquals("batch", input.getDimensionNames()[0]);
        assertEquals(OnnxJavaType.FLOAT, probabilities.type);
        assertArrayEquals(new long[] {-1, 3}, probabilities.getShape());
        assertEquals(OnnxJavaType.INT64, label.type);
        assertArrayEquals(new long[] {-1}, label.getShape());
    }

    @Test
    void irisMlp_classifiesBatchOfOne() throws OrtException {
        Prediction prediction = predict(new float[][] {SETOSA});

        assertArrayEquals(new long[] {0}, prediction.labels);
        assertSumsToOne(prediction.probabilities);
    }

    @Test
    void irisMlp_classifiesBatchOfFive() throws OrtException {
        Prediction prediction = predict(new float[][] {SETOSA, VIRGINICA, VERSICOLOR, SETOSA, VIRGINICA});

        assertArrayEquals(new long[] {0, 2, 1, 0, 2}, prediction.labels);
        assertEquals(5, prediction.probabilities.length);
        assertSumsToOne(prediction.probabilities);
    }

    @Test
    void irisMlp_classifiesNearlyAllOfTheIrisData() throws OrtException, IOException {
        List<float[]> rows = readIris();
        float[][] features = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            features[i] = new float[] {rows.get(i)[0], rows.get(i)[1], rows.get(i)[2], rows.get(i)[3]};
        }

        long[] labels = predict(features).labels;

        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += labels[i] == (long) rows.get(i)[4] ? 1 : 0;
        }
        assertTrue(correct >= 145, "correct: " + correct + " of " + labels.length);
    }

    private record Prediction(float[][] probabilities, long[] labels) {
    }

    private static Prediction predict(float[][] rows) throws OrtException {
        try (OnnxTensor input = OnnxTensor.createTensor(Sessions.ENV, rows);
             OrtSession.Result result = session.run(Map.of("input", input))) {
            return new Prediction((float[][]) result.get("probabilities").orElseThrow().getValue(),
                    (long[]) result.get("label").orElseThrow().getValue());
        }
    }

    private static void assertSumsToOne(float[][] probabilities) {
        for (float[] row : probabilities) {
            assertEquals(3, row.length);
            assertEquals(1.0, row[0] + row[1] + row[2], 1e-5);
        }
    }

    private static List<float[]> readIris() throws IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                ExampleModels.class.getResourceAsStream("iris.csv"), StandardCharsets.UTF_8))) {
            return reader.lines().filter(line -> !line.isBlank()).map(line -> {
                String[] fields = line.split(",");
                float[] row = new float[fields.length];
                for (int i = 0; i < fields.length; i++) {
                    row[i] = Float.parseFloat(fields[i]);
                }
                return row;
            }).collect(Collectors.toList());
        }
    }
}
