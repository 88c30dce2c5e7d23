package io.zeroserve.examples;

import io.zeroserve.examples.OnnxWriter.DataType;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Random;

/**
 * The example models, written from code so that no binary model is committed. Every method returns
 * fresh {@code ModelProto} bytes; the same bytes on every call and every JVM, because weights come
 * from fixed seeds and strict Java arithmetic. All models use IR version 8 and opset 17, and dim 0
 * of every input and output is the symbolic {@code "batch"}.
 *
 * <p>Thread-safe: methods share no mutable state.
 */
public final class ExampleModels {

    /** Iris-mlp classes, in label order. */
    public static final List<String> IRIS_CLASSES = List.of("setosa", "versicolor", "virginica");

    /** Width of heavy-mlp's input, in features. */
    public static final int HEAVY_MLP_INPUTS = 256;
    /** Width of heavy-mlp's hidden layers, in features. */
    public static final int HEAVY_MLP_WIDTH = 1024;
    /** Number of distinct hidden weight matrices in heavy-mlp; its hidden layers cycle through them. */
    public static final int HEAVY_MLP_SHARED_MATRICES = 8;
    /** Number of hidden layers (MatMul + Add + Relu) in heavy-mlp; one linear output layer follows. */
    public static final int HEAVY_MLP_HIDDEN_LAYERS = 96;
    /** Width of heavy-mlp's output, in features. */
    public static final int HEAVY_MLP_OUTPUTS = 16;

    private static final long IRIS_SEED = 17;
    private static final long HEAVY_MLP_SEED = 42;

    private ExampleModels() {
    }

    /**
     * Every servable example model by function name ({@code [a-z0-9][a-z0-9._-]*}), in a stable order:
     * iris-mlp, multi-io, heavy-mlp. Builds them anew on each call, about 0.4 s and 35 MB, almost all
     * of it heavy-mlp; callers that need them often should keep the map.
     */
    public static Map<String, byte[]> all() {
        Map<String, byte[]> models = new LinkedHashMap<>();
        generators().forEach((name, model) -> models.put(name, model.get()));
        return models;
    }

    /** The same models, each generated only when asked for: heavy-mlp costs 35 MB and ~0.4 s. */
    public static Map<String, Supplier<byte[]>> generators() {
        Map<String, Supplier<byte[]>> models = new LinkedHashMap<>();
        models.put("iris-mlp", ExampleModels::irisMlp);
        models.put("multi-io", ExampleModels::multiIo);
        models.put("heavy-mlp", ExampleModels::heavyMlp);
        return models;
    }

    /**
     * An iris classifier: a 4-16-3 MLP (Gemm, Relu, Gemm) trained at generation time on Fisher's 150
     * iris samples (iris.csv) by 400 epochs of full-batch gradient descent from a fixed seed. It
     * classifies 148 of them correctly, among them [5.1, 3.5, 1.4, 0.2] as setosa and
     * [6.7, 3.0, 5.2, 2.3] as virginica; the two it misses lie where versicolor and virginica overlap.
     * Input standardization is folded into the first layer, so inputs are raw centimetres.
     *
     * <ul>
     *   <li>input {@code input} FLOAT [batch, 4]: sepal length, sepal width, petal length, petal width (cm)
     *   <li>output {@code probabilities} FLOAT [batch, 3]: Softmax of the logits, ordered as {@link #IRIS_CLASSES}
     *   <li>output {@code label} INT64 [batch]: ArgMax of the logits, an index into {@link #IRIS_CLASSES}
     * </ul>
     */
    public static byte[] irisMlp() {
        IrisWeights w = IrisWeights.train(IRIS_SEED);
        OnnxWriter model = new OnnxWriter("iris_mlp")
                .input("input", DataType.FLOAT, "batch", 4)
                .output("probabilities", DataType.FLOAT, "batch", 3)
                .output("label", DataType.INT64, "batch")
                .initializer("w1", w.w1, 4, IrisWeights.HIDDEN)
                .initializer("b1", w.b1, IrisWeights.HIDDEN)
                .initializer("w2", w.w2, IrisWeights.HIDDEN, 3)
                .initializer("b2", w.b2, 3);
        model.node("Gemm").inputs("input", "w1", "b1").outputs("hidden_pre");
        model.node("Relu").inputs("hidden_pre").outputs("hidden");
        model.node("Gemm").inputs("hidden", "w2", "b2").outputs("logits");
        model.node("Softmax").inputs("logits").outputs("probabilities").attr("axis", -1);
        model.node("ArgMax").inputs("logits").outputs("label").attr("axis", 1).attr("keepdims", 0);
        return model.toByteArray();
    }

    /**
     * One input of each of ten element types and one output per input, each from a single op whose
     * result is exact, so that every type can be checked to round-trip. All shapes are [batch] unless
     * given.
     *
     * <ul>
     *   <li>{@code x} FLOAT [batch, 4] → {@code x_sum} FLOAT = ReduceSum over axis 1
     *   <li>{@code ids} INT64 → {@code ids_times_two} INT64 = ids * 2
     *   <li>{@code mask} BOOL → {@code mask_not} BOOL = Not(mask)
     *   <li>{@code names} STRING → {@code names_out} STRING = Identity(names)
     *   <li>{@code d} DOUBLE [batch, 2] → {@code d_neg} DOUBLE [batch, 2] = -d
     *   <li>{@code small} INT32 → {@code small_plus_one} INT32 = small + 1
     *   <li>{@code bytes8} UINT8 → {@code bytes8_out} UINT8 = Identity(bytes8)
     *   <li>{@code i8} INT8 → {@code i8_out} INT8 = -i8 (wraps for -128)
     *   <li>{@code i16} INT16 → {@code i16_out} INT16 = Identity(i16)
     *   <li>{@code h} FLOAT16 [batch, 2] → {@code h_double} FLOAT16 [batch, 2] = h + h
     * </ul>
     */
    public static byte[] multiIo() {
        OnnxWriter model = new OnnxWriter("multi_io")
                .input("x", DataType.FLOAT, "batch", 4)
                .input("ids", DataType.INT64, "batch")
                .input("mask", DataType.BOOL, "batch")
                .input("names", DataType.STRING, "batch")
                .input("d", DataType.DOUBLE, "batch", 2)
                .input("small", DataType.INT32, "batch")
                .input("bytes8", DataType.UINT8, "batch")
                .input("i8", DataType.INT8, "batch")
                .input("i16", DataType.INT16, "batch")
                .input("h", DataType.FLOAT16, "batch", 2)
                .output("x_sum", DataType.FLOAT, "batch")
                .output("ids_times_two", DataType.INT64, "batch")
                .output("mask_not", DataType.BOOL, "batch")
                .output("names_out", DataType.STRING, "batch")
                .output("d_neg", DataType.DOUBLE, "batch", 2)
                .output("small_plus_one", DataType.INT32, "batch")
                .output("bytes8_out", DataType.UINT8, "batch")
                .output("i8_out", DataType.INT8, "batch")
                .output("i16_out", DataType.INT16, "batch")
                .output("h_double", DataType.FLOAT16, "batch", 2)
                // Since opset 13 ReduceSum takes its axes as an input, not an attribute.
                .initializer("sum_axes", new long[] {1}, 1)
                .initializer("two", new long[] {2})
                .initializer("one", new int[] {1});
        model.node("ReduceSum").inputs("x", "sum_axes").outputs("x_sum").attr("keepdims", 0);
        model.node("Mul").inputs("ids", "two").outputs("ids_times_two");
        model.node("Not").inputs("mask").outputs("mask_not");
        model.node("Identity").inputs("names").outputs("names_out");
        model.node("Neg").inputs("d").outputs("d_neg");
        model.node("Add").inputs("small", "one").outputs("small_plus_one");
        model.node("Identity").inputs("bytes8").outputs("bytes8_out");
        model.node("Neg").inputs("i8").outputs("i8_out");
        model.node("Identity").inputs("i16").outputs("i16_out");
        model.node("Add").inputs("h", "h").outputs("h_double");
        return model.toByteArray();
    }

    /**
     * A compute-heavy MLP for scheduling and batching benchmarks, 34.7 MB: an input layer to width
     * {@value #HEAVY_MLP_WIDTH}, {@value #HEAVY_MLP_HIDDEN_LAYERS} hidden layers of MatMul + Add + Relu,
     * and a linear output layer. One row costs about 200 MFLOP.
     *
     * <p>The hidden layers cycle through {@value #HEAVY_MLP_SHARED_MATRICES} weight matrices (weight
     * tying), which keeps the file small while every layer still streams 4 MB of weights from memory
     * beyond the core's L2. That makes batch 1 bound by memory bandwidth and larger batches bound by
     * arithmetic, so batching raises rows per second several-fold: on one Zen 5 core, batch 1 takes
     * about 8 ms and batch 32 gives about 6 times the rows per second. Weights are N(0, 2 / fan_in)
     * (He) from a fixed seed and biases zero, so activations neither vanish nor overflow.
     *
     * <ul>
     *   <li>input {@code input} FLOAT [batch, {@value #HEAVY_MLP_INPUTS}]
     *   <li>output {@code output} FLOAT [batch, {@value #HEAVY_MLP_OUTPUTS}]
     * </ul>
     */
    public static byte[] heavyMlp() {
        return heavyMlp(HEAVY_MLP_INPUTS, HEAVY_MLP_WIDTH, HEAVY_MLP_SHARED_MATRICES, HEAVY_MLP_HIDDEN_LAYERS,
                HEAVY_MLP_OUTPUTS);
    }

    /** heavy-mlp with other dimensions; package-private so that timing runs can size it. */
    static byte[] heavyMlp(int inputs, int width, int sharedMatrices, int hiddenLayers, int outputs) {
        Random random = new Random(HEAVY_MLP_SEED);
        OnnxWriter model = new OnnxWriter("heavy_mlp")
                .input("input", DataType.FLOAT, "batch", inputs)
                .output("output", DataType.FLOAT, "batch", outputs)
                .initializer("w_in", gaussian(random, inputs * width, Math.sqrt(2.0 / inputs)), inputs, width)
                .initializer("w_out", gaussian(random, width * outputs, Math.sqrt(1.0 / width)), width, outputs)
                .initializer("b_out", new float[outputs], outputs);
        for (int m = 0; m < sharedMatrices; m++) {
            model.initializer("w" + m, gaussian(random, width * width, Math.sqrt(2.0 / width)), width, width)
                    .initializer("b" + m, new float[width], width);
        }
        model.node("MatMul").inputs("input", "w_in").outputs("in_matmul");
        model.node("Relu").inputs("in_matmul").outputs("h0");
        for (int layer = 0; layer < hiddenLayers; layer++) {
            String m = Integer.toString(layer % sharedMatrices);
            model.node("MatMul").inputs("h" + layer, "w" + m).outputs("matmul" + layer);
            model.node("Add").inputs("matmul" + layer, "b" + m).outputs("add" + layer);
            model.node("Relu").inputs("add" + layer).outputs("h" + (layer + 1));
        }
        model.node("MatMul").inputs("h" + hiddenLayers, "w_out").outputs("out_matmul");
        model.node("Add").inputs("out_matmul", "b_out").outputs("output");
        return model.toByteArray();
    }

    /**
     * A model with one initializer stored outside it ({@code data_location = EXTERNAL}, location
     * {@code weights.bin}), which a host must refuse to load from an upload. Computes
     * {@code y = x + w} with {@code x} FLOAT [batch, 4].
     */
    public static byte[] withExternalData() {
        OnnxWriter model = new OnnxWriter("external_data")
                .input("x", DataType.FLOAT, "batch", 4)
                .output("y", DataType.FLOAT, "batch", 4)
                .externalInitializer("w", DataType.FLOAT, "weights.bin", 0, 16, 4);
        model.node("Add").inputs("x", "w").outputs("y");
        return model.toByteArray();
    }

    /**
     * A model whose only node, {@code Frobnicate}, belongs to the custom domain
     * {@code com.example.custom} (imported at version 1), which a host without that operator must
     * refuse. Maps {@code x} FLOAT [batch, 4] to {@code y} FLOAT [batch, 4].
     */
    public static byte[] withCustomOpDomain() {
        OnnxWriter model = new OnnxWriter("custom_op_domain")
                .opset("com.example.custom", 1)
                .input("x", DataType.FLOAT, "batch", 4)
                .output("y", DataType.FLOAT, "batch", 4);
        model.node("Frobnicate").domain("com.example.custom").inputs("x").outputs("y");
        return model.toByteArray();
    }

    private static float[] gaussian(Random random, int count, double stddev) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * stddev);
        }
        return values;
    }

    /** Iris-mlp's weights, row-major as the Gemm nodes read them: w1 [4, 16], w2 [16, 3]. */
    private static final class IrisWeights {
        static final int FEATURES = 4, HIDDEN = 16, CLASSES = 3;
        private static final int EPOCHS = 400;
        private static final double LEARNING_RATE = 0.1, MOMENTUM = 0.9;

        final float[] w1 = new float[FEATURES * HIDDEN], b1 = new float[HIDDEN];
        final float[] w2 = new float[HIDDEN * CLASSES], b2 = new float[CLASSES];

        /**
         * Trains on standardized features with softmax cross-entropy. Doubles and StrictMath keep
         * the result bit-for-bit the same on every JVM.
         */
        static IrisWeights train(long seed) {
            List<double[]> rows = readIris();
            int n = rows.size();
            double[] mean = new double[FEATURES], std = new double[FEATURES];
            for (double[] row : rows) {
                for (int f = 0; f < FEATURES; f++) {
                    mean[f] += row[f] / n;
                }
            }
            for (double[] row : rows) {
                for (int f = 0; f < FEATURES; f++) {
                    std[f] += (row[f] - mean[f]) * (row[f] - mean[f]) / n;
                }
            }
            for (int f = 0; f < FEATURES; f++) {
                std[f] = StrictMath.sqrt(std[f]);
            }

            Random random = new Random(seed);
            double[][] w1 = new double[FEATURES][HIDDEN], w2 = new double[HIDDEN][CLASSES];
            double[] b1 = new double[HIDDEN], b2 = new double[CLASSES];
            for (double[] r : w1) {
                for (int j = 0; j < HIDDEN; j++) {
                    r[j] = random.nextGaussian() * StrictMath.sqrt(2.0 / FEATURES);
                }
            }
            for (double[] r : w2) {
                for (int k = 0; k < CLASSES; k++) {
                    r[k] = random.nextGaussian() * StrictMath.sqrt(1.0 / HIDDEN);
                }
            }
            double[][] vw1 = new double[FEATURES][HIDDEN], vw2 = new double[HIDDEN][CLASSES];
            double[] vb1 = new double[HIDDEN], vb2 = new double[CLASSES];

            double[] x = new double[FEATURES], h = new double[HIDDEN], p = new double[CLASSES];
            double[] dh = new double[HIDDEN];
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                double[][] gw1 = new double[FEATURES][HIDDEN], gw2 = new double[HIDDEN][CLASSES];
                double[] gb1 = new double[HIDDEN], gb2 = new double[CLASSES];
                for (double[] row : rows) {
                    for (int f = 0; f < FEATURES; f++) {
                        x[f] = (row[f] - mean[f]) / std[f];
                    }
                    for (int j = 0; j < HIDDEN; j++) {
                        double s = b1[j];
                        for (int f = 0; f < FEATURES; f++) {
                            s += x[f] * w1[f][j];
                        }
                        h[j] = Math.max(0, s);
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < CLASSES; k++) {
                        double s = b2[k];
                        for (int j = 0; j < HIDDEN; j++) {
                            s += h[j] * w2[j][k];
                        }
                        p[k] = s;
                        max = Math.max(max, s);
                    }
                    double total = 0;
                    for (int k = 0; k < CLASSES; k++) {
                        p[k] = StrictMath.exp(p[k] - max);
                        total += p[k];
                    }
                    // Gradient of the mean cross-entropy with respect to the logits: (p - onehot) / n.
                    int label = (int) row[FEATURES];
                    for (int k = 0; k < CLASSES; k++) {
                        p[k] = (p[k] / total - (k == label ? 1 : 0)) / n;
                        gb2[k] += p[k];
                    }
                    for (int j = 0; j < HIDDEN; j++) {
                        double s = 0;
                        for (int k = 0; k < CLASSES; k++) {
                            gw2[j][k] += h[j] * p[k];
                            s += w2[j][k] * p[k];
                        }
                        dh[j] = h[j] > 0 ? s : 0;
                        gb1[j] += dh[j];
                        for (int f = 0; f < FEATURES; f++) {
                            gw1[f][j] += x[f] * dh[j];
                        }
                    }
                }
                step(w1, vw1, gw1);
                step(w2, vw2, gw2);
                step(new double[][] {b1}, new double[][] {vb1}, new double[][] {gb1});
                step(new double[][] {b2}, new double[][] {vb2}, new double[][] {gb2});
            }

            // Fold (x - mean) / std into the first layer so that the model takes raw centimetres.
            IrisWeights weights = new IrisWeights();
            for (int j = 0; j < HIDDEN; j++) {
                double bias = b1[j];
                for (int f = 0; f < FEATURES; f++) {
                    weights.w1[f * HIDDEN + j] = (float) (w1[f][j] / std[f]);
                    bias -= w1[f][j] * mean[f] / std[f];
                }
                weights.b1[j] = (float) bias;
                for (int k = 0; k < CLASSES; k++) {
                    weights.w2[j * CLASSES + k] = (float) w2[j][k];
                }
            }
            for (int k = 0; k < CLASSES; k++) {
                weights.b2[k] = (float) b2[k];
            }
            return weights;
        }

        /** Gradient descent with momentum, in place. */
        private static void step(double[][] params, double[][] velocity, double[][] gradient) {
            for (int i = 0; i < params.length; i++) {
                for (int j = 0; j < params[i].length; j++) {
                    velocity[i][j] = MOMENTUM * velocity[i][j] - LEARNING_RATE * gradient[i][j];
                    params[i][j] += velocity[i][j];
                }
            }
        }

        /** Reads iris.csv: four features in cm, then the label index. */
        private static List<double[]> readIris() {
            List<double[]> rows = new ArrayList<>();
            try (InputStream in = ExampleModels.class.getResourceAsStream("iris.csv")) {
                if (in == null) {
                    throw new IllegalStateException("iris.csv is missing from the classpath");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (!line.isBlank()) {
                        String[] fields = line.split(",");
                        double[] row = new double[fields.length];
                        for (int i = 0; i < fields.length; i++) {
                            row[i] = Double.parseDouble(fields[i]);
                        }
                        rows.add(row);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return rows;
        }
    }
}
