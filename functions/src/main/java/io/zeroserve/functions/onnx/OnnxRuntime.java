package io.zeroserve.functions.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import java.nio.ByteOrder;

/**
 * The process-wide ONNX Runtime environment. ORT allows one per process; it is created on first use
 * and lives as long as the JVM.
 */
public final class OnnxRuntime {

  private OnnxRuntime() {}

  private static final class Holder {
    static final OrtEnvironment ENV = create();

    private static OrtEnvironment create() {
      // Tensors travel as little-endian bytes handed to ORT in place; a big-endian host would need copies.
      if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new IllegalStateException("Zeroserve needs a little-endian platform, this one is " + ByteOrder.nativeOrder());
      }
      NativeLibraries.prepare();
      return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "zeroserve");
    }
  }

  public static OrtEnvironment environment() {
    return Holder.ENV;
  }

  /** Whether this build's ONNX Runtime can run sessions on NVIDIA GPUs (the {@code cuda} Maven profile). */
  public static boolean cudaAvailable() {
    environment();
    return OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA);
  }
}
