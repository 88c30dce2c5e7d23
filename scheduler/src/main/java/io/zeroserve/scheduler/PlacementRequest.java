package io.zeroserve.scheduler;

import java.util.Objects;

/**
 * One request to place.
 *
 * @param receivingNode the node the client called; serving there costs no network hop
 * @param payloadBytes size of the request body: what a forward carries
 */
public record PlacementRequest(FunctionProfile function, String receivingNode, long payloadBytes) {

  public PlacementRequest {
    Objects.requireNonNull(function, "function cannot be null");
    Objects.requireNonNull(receivingNode, "receivingNode cannot be null");
    if (payloadBytes < 0) {
      throw new IllegalArgumentException("payloadBytes must be >= 0, was " + payloadBytes);
    }
  }
}
