package io.zeroserve.cluster.hazelcast;

import com.hazelcast.map.EntryProcessor;
import io.zeroserve.cluster.DeviceReservations;
import java.util.Map;

/**
 * Removes {@code replicaId}'s reservation from a device's entry ({@link DeviceReservations#release}), and
 * the entry once it holds none. Idempotent. Returns whether there was a reservation to release.
 */
public record ReleaseReplica(String replicaId) implements EntryProcessor<String, DeviceReservations, Boolean> {

  @Override
  public Boolean process(Map.Entry<String, DeviceReservations> entry) {
    DeviceReservations current = entry.getValue();
    if (current == null) {
      return false;
    }
    DeviceReservations after = current.release(replicaId);
    if (after == current) {
      return false;
    }
    entry.setValue(after.isEmpty() ? null : after);
    return true;
  }
}
