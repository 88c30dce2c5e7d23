package io.zeroserve.scheduler;

import java.util.List;
import java.util.Objects;

/**
 * One live node as placement sees it.
 *
 * @param leaving draining before it leaves: no new work, no new replicas
 */
public record NodeView(String nodeId, boolean leaving, List<DeviceView> devices) {

  public NodeView {
    Objects.requireNonNull(nodeId, "nodeId cannot be null");
    devices = List.copyOf(Objects.requireNonNull(devices, "devices cannot be null"));
    for (DeviceView d : devices) {
      if (!d.nodeId().equals(nodeId)) {
        throw new IllegalArgumentException("device " + d.key() + " listed under node " + nodeId);
      }
    }
  }

  /** Its device with this id; null if it has none. */
  public DeviceView device(String deviceId) {
    for (DeviceView d : devices) {
      if (d.deviceId().equals(deviceId)) {
        return d;
      }
    }
    return null;
  }
}
