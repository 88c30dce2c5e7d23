package io.zeroserve.scheduler;

import java.util.List;

/** Where a request runs: decided by a {@link PlacementPolicy}, carried out by the host. */
public sealed interface Placement permits Placement.Route, Placement.ColdStart, Placement.NoCapacity {

  /**
   * Send it to a replica (READY, or LOADING: it waits there) on {@code nodeId}; and, when
   * {@code alsoStart} is not null, start that replica too, for the requests to come: the version's
   * arrivals outgrow its replicas, and waiting for a queue to be worth a load would make the requests
   * of the next load time wait for it too.
   */
  record Route(String nodeId, String replicaId, long expectedNanos, ColdStart alsoStart) implements Placement {

    public Route(String nodeId, String replicaId, long expectedNanos) {
      this(nodeId, replicaId, expectedNanos, null);
    }
  }

  /**
   * Load a new replica on {@code deviceId} of {@code nodeId}, after unloading {@code evict} (idle
   * replicas on that device) to make room, and run the request there.
   */
  record ColdStart(String nodeId, String deviceId, List<String> evict, long expectedNanos) implements Placement {
    public ColdStart {
      evict = List.copyOf(evict);
    }
  }

  /** Nowhere can take it now; the reason says why, for the client. */
  record NoCapacity(String reason) implements Placement {}
}
