package io.zeroserve.scheduler;

/** Decides where one request runs. Pure: the view in, the decision out. */
public interface PlacementPolicy {

  Placement place(PlacementRequest request, ClusterView view);
}
