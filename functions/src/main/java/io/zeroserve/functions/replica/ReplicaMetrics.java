package io.zeroserve.functions.replica;

/**
 * What replicas report as they work: a write-only sink, so {@code functions/} knows nothing of the
 * metrics library behind it. Called on replica contexts and workers; implementations must be
 * thread-safe and quick.
 */
public interface ReplicaMetrics {

  /** A replica became READY after {@code loadNanos} of loading. */
  void loaded(ReplicaId id, long loadNanos);

  /** A load failed. */
  void loadFailed(ReplicaId id);

  /** A request waited {@code queueNanos} in the replica's queue before its batch started. */
  void queued(ReplicaId id, long queueNanos);

  /** A batch of {@code requests} requests and {@code rows} rows ran for {@code computeNanos}. */
  void batch(ReplicaId id, int requests, long rows, long computeNanos);

  /** As {@link #loaded}, with the device the replica loaded on; by default just {@link #loaded}. */
  default void loadedOn(ReplicaId id, String deviceId, long loadNanos) {
    loaded(id, loadNanos);
  }

  /** As {@link #batch}, with the device it ran on; by default just {@link #batch}. */
  default void batchOn(ReplicaId id, String deviceId, int requests, long rows, long computeNanos) {
    batch(id, requests, rows, computeNanos);
  }

  /**
   * A batch ran, with its time split into phases (nanoseconds): preparing the inputs (concatenating
   * the requests and copying them into ONNX Runtime), the run itself, and reading the outputs back
   * (and splitting them per request). Called once per batch, after {@link #batch}. A batch that
   * failed as a whole and was then run request by request reports the sum of all those runs.
   *
   * @param rows rows along dimension 0 of the whole batch (Triton's batch size)
   * @param answered requests of the batch that got their outputs
   * @param answeredRows rows of those requests
   */
  default void executed(ReplicaId id, int requests, long rows, int answered, long answeredRows,
                        long inputNanos, long inferNanos, long outputNanos) {}

  /** A sink that reports to both {@code first} and {@code second}, in that order. */
  static ReplicaMetrics both(ReplicaMetrics first, ReplicaMetrics second) {
    return new ReplicaMetrics() {
      @Override
      public void loaded(ReplicaId id, long loadNanos) {
        first.loaded(id, loadNanos);
        second.loaded(id, loadNanos);
      }

      @Override
      public void loadFailed(ReplicaId id) {
        first.loadFailed(id);
        second.loadFailed(id);
      }

      @Override
      public void queued(ReplicaId id, long queueNanos) {
        first.queued(id, queueNanos);
        second.queued(id, queueNanos);
      }

      @Override
      public void batch(ReplicaId id, int requests, long rows, long computeNanos) {
        first.batch(id, requests, rows, computeNanos);
        second.batch(id, requests, rows, computeNanos);
      }

      @Override
      public void loadedOn(ReplicaId id, String deviceId, long loadNanos) {
        first.loadedOn(id, deviceId, loadNanos);
        second.loadedOn(id, deviceId, loadNanos);
      }

      @Override
      public void batchOn(ReplicaId id, String deviceId, int requests, long rows, long computeNanos) {
        first.batchOn(id, deviceId, requests, rows, computeNanos);
        second.batchOn(id, deviceId, requests, rows, computeNanos);
      }

      @Override
      public void executed(ReplicaId id, int requests, long rows, int answered, long answeredRows,
                           long inputNanos, long inferNanos, long outputNanos) {
        first.executed(id, requests, rows, answered, answeredRows, inputNanos, inferNanos, outputNanos);
        second.executed(id, requests, rows, answered, answeredRows, inputNanos, inferNanos, outputNanos);
      }
    };
  }

  ReplicaMetrics NONE = new ReplicaMetrics() {
    @Override
    public void loaded(ReplicaId id, long loadNanos) {}

    @Override
    public void loadFailed(ReplicaId id) {}

    @Override
    public void queued(ReplicaId id, long queueNanos) {}

    @Override
    public void batch(ReplicaId id, int requests, long rows, long computeNanos) {}
  };
}
