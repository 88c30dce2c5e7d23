package io.zeroserve.scheduler;

/**
 * How many replicas a function version should have now, and the state to pass next time.
 *
 * @param target the replica count to converge to; the caller adds or drains the difference
 */
public record ScaleDecision(int target, ScalerState next) {}
