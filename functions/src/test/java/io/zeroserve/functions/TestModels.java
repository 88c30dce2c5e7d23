package io.zeroserve.functions;

import io.zeroserve.examples.ExampleModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The example models as bytes, built once per test JVM, and small fixtures shared by the API, store
 * and ONNX tests. Thread-safe as long as callers treat the arrays as read-only, which every test
 * does: they are shared by all tests in the JVM.
 */
public final class TestModels {

  private TestModels() {}

  public static final byte[] IRIS = ExampleModels.irisMlp();
  public static final byte[] MULTI_IO = ExampleModels.multiIo();
  public static final byte[] EXTERNAL_DATA = ExampleModels.withExternalData();
  public static final byte[] CUSTOM_DOMAIN = ExampleModels.withCustomOpDomain();

  /** A fixed instant with nanoseconds, so JSON round trips are checked to the last digit. */
  public static final Instant T0 = Instant.parse("2026-01-02T03:04:05.123456789Z");

  /** Heavy-mlp (35 MB) is built only by the tests that need it. */
  public static byte[] heavy() {
    return Heavy.BYTES;
  }

  private static final class Heavy {
    static final byte[] BYTES = ExampleModels.heavyMlp();
  }

  /** The first half of iris-mlp: cut inside its graph. */
  public static byte[] truncatedIris() {
    return Arrays.copyOf(IRIS, IRIS.length / 2);
  }

  public static Path write(Path file, byte[] bytes) {
    try {
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A signature that uses every datatype, dynamic and fixed dimensions, and a scalar. */
  public static Signature everyTypeSignature() {
    List<TensorSpec> inputs = Arrays.stream(DataType.values())
        .map(t -> new TensorSpec("in_" + t.name().toLowerCase(), t, new long[] {-1, 3}))
        .toList();
    return new Signature(inputs, List.of(
        new TensorSpec("scalar", DataType.FP32, new long[0]),
        new TensorSpec("label", DataType.INT64, new long[] {-1}),
        new TensorSpec("names", DataType.BYTES, new long[] {-1, -1})));
  }

  /** A lowercase hex string that looks like a SHA-256, different per seed. */
  public static String fakeSha(int seed) {
    return String.format("%064x", seed);
  }
}
