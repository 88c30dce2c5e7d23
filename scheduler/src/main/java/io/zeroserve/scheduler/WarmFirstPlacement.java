package io.zeroserve.scheduler;

import java.util.Comparator;

/**
 * The simple policy the cluster starts with: a READY replica on the receiving node first (no
 * network hop), else the least loaded READY replica elsewhere, else a cold start on the receiving
 * node. It weighs no costs; the least-expected-response-time policy replaces it.
 */
public final class WarmFirstPlacement implements PlacementPolicy {

  @Override
  public Placement place(PlacementRequest request, ClusterView view) {
    ClusterView.ReplicaView best = null;
    for (ClusterView.ReplicaView r : view.replicas()) {
      if (r.nodeId().equals(request.receivingNode())) {
        if (best == null || !best.nodeId().equals(request.receivingNode()) || r.outstanding() < best.outstanding()) {
          best = r;
        }
      } else if (best == null || (!best.nodeId().equals(request.receivingNode())
          && Comparator.<Integer>naturalOrder().compare(load(r), load(best)) < 0)) {
        best = r;
      }
    }
    if (best != null) {
      return new Placement.Route(best.nodeId(), best.replicaId());
    }
    if (!view.nodes().contains(request.receivingNode())) {
      return new Placement.NoCapacity("the receiving node is leaving the cluster");
    }
    return new Placement.ColdStart(request.receivingNode());
  }

  private static int load(ClusterView.ReplicaView r) {
    return r.outstanding() < 0 ? Integer.MAX_VALUE / 2 : r.outstanding();
  }
}
