package io.zeroserve.scheduler;

/**
 * One request to place: which function version, and which node received it.
 *
 * @param receivingNode the node the client called; serving there costs no network hop
 */
public record PlacementRequest(String function, int version, String receivingNode) {}
