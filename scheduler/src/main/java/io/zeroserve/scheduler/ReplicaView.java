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
 * @param lastUsedNanos when it last took a request, on the snapshot's clock
 * @param requestsPerSecond its recent request rate: what evicting it would cost others
 */
public record ReplicaView(String replicaId, String nodeId, String deviceId, String function, int version, Phase phase,
                          int outstanding, int parallelism, long memoryBytes, long readyAtNanos, long lastUsedNanos,
                          double requestsPerSecond) {

  public enum Phase { LOADING, READY, DRAINING }

  public ReplicaView {
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    Objects.requireNonNull(nodeId, "nodeId cannot be null");
    Objects.requireNonNull(deviceId, "deviceId cannot be null");
    Objects.requireNonNull(function, "function cannot be null");
    Objects.requireNonNull(phase, "phase cannot be null");
    if (outstanding < 0 || parallelism < 1 || memoryBytes < 0 || !(requestsPerSecond >= 0)) {
      throw new IllegalArgumentException("need outstanding, memoryBytes, requestsPerSecond >= 0 and parallelism >= 1");
    }
  }

  public String deviceKey() {
    return DeviceView.key(nodeId, deviceId);
  }

  /** Takes requests: READY, or LOADING (they wait for it). */
  public boolean routable() {
    return phase != Phase.DRAINING;
  }

  /** May be evicted to free memory: READY with nothing to do. */
  public boolean idle() {
    return phase == Phase.READY && outstanding == 0;
  }
}
