package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the cluster knows about one live node: where its HTTP API listens, whether it is shutting
 * down, and its devices. Immutable.
 *
 * @param nodeId the node's id in the cluster ({@link ClusterState#localNodeId()} on that node)
 * @param httpHost the address other nodes and clients use to reach its HTTP API
 * @param httpPort its HTTP port, 1..65535 (the bound port, not 0)
 * @param startedAtMillis when the node started, milliseconds since the epoch, by its own clock
 * @param leaving true once the node drains before leaving: route no new work to it
 * @param devices the devices replicas can run on, with distinct ids; empty: none published. An immutable
 *     copy
 */
public record NodeInfo(String nodeId, String httpHost, int httpPort, long startedAtMillis, boolean leaving,
                       List<DeviceInfo> devices) {

  public NodeInfo {
    notBlank("nodeId", nodeId);
    notBlank("httpHost", httpHost);
    check("httpPort", httpPort >= 1 && httpPort <= 65535, "be in 1..65535", httpPort);
    check("startedAtMillis", startedAtMillis >= 0, "be >= 0", startedAtMillis);
    if (devices == null) {
      throw new IllegalArgumentException("devices cannot be null");
    }
    devices = List.copyOf(devices);
    Set<String> ids = new HashSet<>();
    for (DeviceInfo device : devices) {
      check("devices", ids.add(device.deviceId()), "have distinct deviceIds", device.deviceId());
    }
  }

  /** A node without devices. */
  public NodeInfo(String nodeId, String httpHost, int httpPort, long startedAtMillis, boolean leaving) {
    this(nodeId, httpHost, httpPort, startedAtMillis, leaving, List.of());
  }

  /** This node, leaving. */
  public NodeInfo asLeaving() {
    return leaving ? this : new NodeInfo(nodeId, httpHost, httpPort, startedAtMillis, true, devices);
  }

  /** This node with {@code nextDevices} instead of its devices. */
  public NodeInfo withDevices(List<DeviceInfo> nextDevices) {
    return new NodeInfo(nodeId, httpHost, httpPort, startedAtMillis, leaving, nextDevices);
  }
}
