package io.zeroserve.scheduler;

import java.util.Objects;

/**
 * One replica as placement sees it.
 *
 * @param phase LOADING replicas take requests that wait for them; DRAINING ones take none but still
 *     hold their memory
 * @param outstanding requests queued or running on it (for a LOADING replica: waiting for it)
 * @param parallelism batches it runs at once
 * @param memoryBytes memory it has reserved on its device
 * @param readyAtNanos LOADING: when it is expected to be READY, on the snapshot's clock; else ignored
 * @param lastUsedNanos when it last took a request (its load start, if none), on the snapshot's clock
 * @param requestsPerSecondInUse its request rate while in use (one over the smoothed gap between its
 *     requests; 0 before its second), not decayed while idle: {@link RequestForecast} weighs it against
 *     how long it has been idle
 */
public record ReplicaView(String replicaId, String nodeId, String deviceId, String function, int version, Phase phase,
                          int outstanding, int parallelism, long memoryBytes, long readyAtNanos, long lastUsedNanos,
                          double requestsPerSecondInUse) {

  public enum Phase { LOADING, READY, DRAINING }

  public ReplicaView {
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    Objects.requireNonNull(nodeId, "nodeId cannot be null");
    Objects.requireNonNull(deviceId, "deviceId cannot be null");
    Objects.requireNonNull(function, "function cannot be null");
    Objects.requireNonNull(phase, "phase cannot be null");
    if (outstanding < 0 || parallelism < 1 || memoryBytes < 0 || !(requestsPerSecondInUse >= 0)
        || Double.isInfinite(requestsPerSecondInUse)) {
      throw new IllegalArgumentException(
          "need outstanding, memoryBytes >= 0, a finite requestsPerSecondInUse >= 0 and parallelism >= 1");
    }
  }

  public String deviceKey() {
    return DeviceView.key(nodeId, deviceId);
  }

  /** Takes requests: READY, or LOADING (they wait for it). */
  public boolean routable() {
    return phase != Phase.DRAINING;
  }

  /**
   * Seconds since its last request arrived, at {@code nowNanos}, whether or not it still has work: a
   * busy replica whose last request came a while ago is not in a burst of arrivals.
   */
  public double idleSeconds(long nowNanos) {
    return Math.max(0, nowNanos - lastUsedNanos) / 1e9;
  }

  /** Chance of a request within {@code horizonSeconds} of {@code nowNanos} ({@link RequestForecast}). */
  public double chanceOfRequestWithin(long nowNanos, double horizonSeconds) {
    return RequestForecast.chanceWithin(requestsPerSecondInUse, idleSeconds(nowNanos), horizonSeconds);
  }

  /** Requests a second to expect from {@code nowNanos} on ({@link RequestForecast}). */
  public double expectedRequestsPerSecond(long nowNanos) {
    return RequestForecast.expectedRate(requestsPerSecondInUse, idleSeconds(nowNanos));
  }

  /**
   * Whether a node hands its next call for the version to this replica rather than to {@code other}
   * (both its own): a READY one before a loading one, then the one with less work per lane. What
   * another node is expected to do with a call forwarded to it.
   */
  public boolean takesCallBefore(ReplicaView other) {
    boolean ready = phase == Phase.READY;
    boolean otherReady = other.phase == Phase.READY;
    return ready != otherReady ? ready
        : (double) outstanding / parallelism < (double) other.outstanding / other.parallelism;
  }

  /** May be evicted to free memory: READY with nothing to do. */
  public boolean idle() {
    return phase == Phase.READY && outstanding == 0;
  }
}
