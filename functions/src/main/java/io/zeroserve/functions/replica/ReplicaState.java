package io.zeroserve.functions.replica;

/**
 * A replica's lifecycle: {@code LOADING -> READY -> DRAINING -> UNLOADED}, or {@code LOADING -> FAILED}.
 * Only READY replicas take new requests; DRAINING ones finish what they hold.
 */
public enum ReplicaState {
  LOADING, READY, DRAINING, UNLOADED, FAILED
}
