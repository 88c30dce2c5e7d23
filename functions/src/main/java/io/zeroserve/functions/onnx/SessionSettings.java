package io.zeroserve.functions.onnx;

/**
 * How an ONNX Runtime session is created.
 *
 * @param intraOpThreads threads one inference may use; 1 lets a node run several inferences side by
 *     side on its worker pool instead of fighting over cores inside one
 * @param cudaDeviceId the CUDA device to run on, or -1 for the CPU
 */
public record SessionSettings(int intraOpThreads, int cudaDeviceId) {

  public static final int DEFAULT_INTRA_OP_THREADS = 1;
  public static final SessionSettings CPU = new SessionSettings(DEFAULT_INTRA_OP_THREADS, -1);

  public SessionSettings {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, was: " + intraOpThreads);
    }
  }
}
