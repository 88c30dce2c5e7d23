package io.zeroserve.scheduler;

/** Where a request runs: decided by a {@link PlacementPolicy}, carried out by the host. */
public sealed interface Placement permits Placement.Route, Placement.ColdStart, Placement.NoCapacity {

  /** Send it to a READY replica on {@code nodeId}. */
  record Route(String nodeId, String replicaId) implements Placement {}

  /** Load a new replica on {@code nodeId} and run it there. */
  record ColdStart(String nodeId) implements Placement {}

  /** Nowhere can take it now; the reason says why. */
  record NoCapacity(String reason) implements Placement {}
}
