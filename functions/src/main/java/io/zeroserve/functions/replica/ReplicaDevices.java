package io.zeroserve.functions.replica;

import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.onnx.SessionSettings;

/**
 * The devices of this node as replicas see them: how a session is created on each, and the memory a
 * replica reserves there before it loads. The host implements it over the cluster's reservations, so
 * two nodes never over-commit a device; {@code functions/} knows nothing of the cluster.
 */
public interface ReplicaDevices {

  /** Where a replica started without a placement decision goes (warm-up, minReplicas). */
  String defaultDevice(String function, FunctionVersion version);

  /** How sessions are created on {@code deviceId}; throws IllegalArgumentException for an unknown device. */
  SessionSettings settings(String deviceId);

  /** What one replica of {@code version} reserves on {@code deviceId}. */
  long memoryBytes(FunctionVersion version, String deviceId);

  /**
   * Reserves {@code bytes} on the device for the replica, atomically against every node; false when
   * the device has no room. Blocking (a cluster round trip): called on a worker before the load.
   */
  boolean reserve(String deviceId, String replicaId, long bytes);

  /** Gives the replica's reservation back; idempotent. Blocking. */
  void release(String deviceId, String replicaId);

  /** One device, no accounting: for tests and tools that run a single replica set. */
  static ReplicaDevices single(String deviceId, SessionSettings settings) {
    return new ReplicaDevices() {
      @Override
      public String defaultDevice(String function, FunctionVersion version) {
        return deviceId;
      }

      @Override
      public SessionSettings settings(String id) {
        if (!id.equals(deviceId)) {
          throw new IllegalArgumentException("no device " + id + " on this node");
        }
        return settings;
      }

      @Override
      public long memoryBytes(FunctionVersion version, String id) {
        return 0;
      }

      @Override
      public boolean reserve(String id, String replicaId, long bytes) {
        return true;
      }

      @Override
      public void release(String id, String replicaId) {}
    };
  }
}
