package io.zeroserve.examples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Measures heavy-mlp on one CPU thread: latency at batch 1 and rows per second at several batch
 * sizes. A plain main, not a test, because timings depend on the machine. Run from examples/:
 * {@code mvn test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.zeroserve.examples.HeavyMlpTiming}.
 * Optional args: inputs, width, shared matrices, hidden layers, outputs, to size other variants.
 */
public final class HeavyMlpTiming {

    private static final int[] BATCHES = {1, 8, 32};
    private static final long MEASURE_NANOS = 3_000_000_000L;

    private HeavyMlpTiming() {
    }

    public static void main(String[] args) throws OrtException {
        int inputs = args.length > 0 ? Integer.parseInt(args[0]) : ExampleModels.HEAVY_MLP_INPUTS;
        int width = args.length > 1 ? Integer.parseInt(args[1]) : ExampleModels.HEAVY_MLP_WIDTH;
        int shared = args.length > 2 ? Integer.parseInt(args[2]) : ExampleModels.HEAVY_MLP_SHARED_MATRICES;
        int layers = args.length > 3 ? Integer.parseInt(args[3]) : ExampleModels.HEAVY_MLP_HIDDEN_LAYERS;
        int outputs = args.length > 4 ? Integer.parseInt(args[4]) : ExampleModels.HEAVY_MLP_OUTPUTS;
        byte[] model = ExampleModels.heavyMlp(inputs, width, shared, layers, outputs);
        System.out.printf("heavy-mlp inputs=%d width=%d sharedMatrices=%d hiddenLayers=%d outputs=%d size=%,d bytes%n",
                inputs, width, shared, layers, outputs, model.length);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options)) {
                double rowsPerSecondAtOne = 0;
                for (int batch : BATCHES) {
                    float[] input = new float[batch * inputs];
                    for (int i = 0; i < input.length; i++) {
                        input[i] = (float) Math.sin(i);
                    }
                    try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input),
                            new long[] {batch, inputs})) {
                        Map<String, OnnxTensor> feeds = Map.of("input", tensor);
                        for (int i = 0; i < 20; i++) {
                            session.run(feeds).close();
                        }
                        long start = System.nanoTime();
                        long runs = 0;
                        while (System.nanoTime() - start < MEASURE_NANOS) {
                            session.run(feeds).close();
                            runs++;
                        }
                        double seconds = (System.nanoTime() - start) / 1e9;
                        double latencyMs = seconds * 1e3 / runs;
                        double rowsPerSecond = runs * batch / seconds;
                        if (batch == 1) {
                            rowsPerSecondAtOne = rowsPerSecond;
                        }
                        System.out.printf("batch %3d: %8.2f ms/run  %9.0f rows/s  %5.1fx batch 1%n",
                                batch, latencyMs, rowsPerSecond, rowsPerSecond / rowsPerSecondAtOne);
                    }
                }
            }
        }
    }
}
