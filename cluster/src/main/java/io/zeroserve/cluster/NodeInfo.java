package io.zeroserve.cluster;

import static io.zeroserve.cluster.Checks.check;
import static io.zeroserve.cluster.Checks.notBlank;

/**
 * What the cluster knows about one live node: where its HTTP API listens and whether it is shutting
 * down. Immutable.
 *
 * @param nodeId the node's id in the cluster ({@link ClusterState#localNodeId()} on that node)
 * @param httpHost the address other nodes and clients use to reach its HTTP API
 * @param httpPort its HTTP port, 1..65535 (the bound port, not 0)
 * @param startedAtMillis when the node started, milliseconds since the epoch, by its own clock
 * @param leaving true once the node drains before leaving: route no new work to it
 */
public record NodeInfo(String nodeId, String httpHost, int httpPort, long startedAtMillis, boolean leaving) {

  public NodeInfo {
    notBlank("nodeId", nodeId);
    notBlank("httpHost", httpHost);
    check("httpPort", httpPort >= 1 && httpPort <= 65535, "be in 1..65535", httpPort);
    check("startedAtMillis", startedAtMillis >= 0, "be >= 0", startedAtMillis);
  }

  /** This node, leaving. */
  public NodeInfo asLeaving() {
    return leaving ? this : new NodeInfo(nodeId, httpHost, httpPort, startedAtMillis, true);
  }
}
