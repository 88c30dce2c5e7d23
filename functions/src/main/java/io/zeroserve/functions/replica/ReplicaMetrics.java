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
