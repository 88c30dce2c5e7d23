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
    for (int i = 0; i < devices.size(); i++) {
      DeviceView d = devices.get(i);
      if (!d.nodeId().equals(nodeId)) {
        throw new IllegalArgumentException("device " + d.key() + " listed under node " + nodeId);
      }
      for (int j = 0; j < i; j++) {
        if (devices.get(j).deviceId().equals(d.deviceId())) {
          throw new IllegalArgumentException("device id " + d.deviceId() + " listed twice under node " + nodeId);
        }
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
