package io.zeroserve.scheduler;

/** Decides where one request runs. Pure: the snapshot in, the decision out. */
public interface PlacementPolicy {

  Placement place(PlacementRequest request, ClusterSnapshot snapshot);
}
