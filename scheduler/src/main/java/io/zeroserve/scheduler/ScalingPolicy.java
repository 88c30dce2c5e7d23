package io.zeroserve.scheduler;

/**
 * Decides a function version's replica count on a node: pure, no clock, no I/O, no mutable fields,
 * so the simulator and the tests run exactly what production runs.
 *
 * <ul>
 *   <li>Scale up at once to {@code ceil(outstanding / targetConcurrency)}, capped by maxReplicas:
 *       waiting requests are the signal.</li>
 *   <li>Scale down only after the surplus has lasted a whole idle timeout, so a bursty load does not
 *       pay a cold start on every burst.</li>
 *   <li>Scale to zero (or to minReplicas) once no request has arrived for the idle timeout.</li>
 * </ul>
 */
public final class ScalingPolicy {

  public ScaleDecision decide(ScalingContext ctx) {
    int needed = (int) Math.min(Integer.MAX_VALUE,
        (ctx.outstanding() + (long) ctx.targetConcurrency() - 1) / ctx.targetConcurrency());
    int desired = clamp(needed, ctx.minReplicas(), ctx.maxReplicas());
    boolean idle = ctx.outstanding() == 0 && ctx.nowNanos() - ctx.lastRequestNanos() >= ctx.idleTimeoutNanos();
    if (idle) {
      return new ScaleDecision(ctx.minReplicas(), ScalerState.INITIAL);
    }
    if (desired >= ctx.replicas()) {
      // Not idle: keep at least one replica for the traffic that is still arriving.
      return new ScaleDecision(Math.max(desired, Math.min(ctx.replicas(), Math.max(1, ctx.minReplicas()))),
          ScalerState.INITIAL);
    }
    ScalerState state = ctx.state();
    if (!state.hasSurplus()) {
      return new ScaleDecision(ctx.replicas(), new ScalerState(ctx.nowNanos()));
    }
    if (ctx.nowNanos() - state.surplusSinceNanos() >= ctx.idleTimeoutNanos()) {
      return new ScaleDecision(Math.max(desired, 1), ScalerState.INITIAL);
    }
    return new ScaleDecision(ctx.replicas(), state);
  }

  private static int clamp(int value, int min, int max) {
    return Math.max(min, Math.min(max, value));
  }
}
