package io.zeroserve.cluster.hazelcast;

import com.hazelcast.map.EntryProcessor;
import io.zeroserve.cluster.DeviceReservations;
import java.util.Map;
import java.util.Optional;

/**
 * Reserves {@code bytes} on a device's entry for {@code replicaId} if the total stays within
 * {@code capacityBytes} ({@link DeviceReservations#reserve}); creates the entry when absent. Runs on the
 * partition owner, then on the backup with the same outcome (it is deterministic). Idempotent. Returns
 * whether the reservation is held.
 */
public record ReserveDeviceMemory(String nodeId, String deviceId, long capacityBytes, String replicaId, long bytes)
    implements EntryProcessor<String, DeviceReservations, Boolean> {

  @Override
  public Boolean process(Map.Entry<String, DeviceReservations> entry) {
    DeviceReservations current = entry.getValue();
    DeviceReservations before = current == null ? DeviceReservations.none(nodeId, deviceId) : current;
    Optional<DeviceReservations> after = before.reserve(capacityBytes, replicaId, bytes);
    if (after.isEmpty()) {
      return false;
    }
    if (after.get() != current) {
      entry.setValue(after.get());
    }
    return true;
  }
}
