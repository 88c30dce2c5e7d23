package io.zeroserve.scheduler;

/**
 * Decides a function version's replica count on a node: pure, no clock, no I/O, no mutable fields,
 * so the simulator and the tests run exactly what production runs.
 *
 * <ul>
 *   <li>Scale up at once to {@code ceil(outstanding / targetConcurrency)}, capped by maxReplicas:
 *       waiting requests are the signal. Not while a replica is loading: until it is up, its
 *       capacity is unknown, and a cold start of 200 requests must cost one load, not four.</li>
 *   <li>Scale down only after the surplus has lasted a whole idle timeout, so a bursty load does not
 *       pay a cold start on every burst, and then only to the most the load needed during it.</li>
 *   <li>Replicas above maxReplicas (lowered by the operator) are removed at once.</li>
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
    // maxReplicas is a limit the operator set, not a load signal: replicas above it go at once.
    int replicas = Math.min(ctx.replicas(), ctx.maxReplicas());
    if (desired > replicas && ctx.loading() > 0) {
      // Until the loading replica is up its capacity is unknown: 200 requests waiting on a cold
      // start must cost one load, not maxReplicas of them.
      return new ScaleDecision(replicas, ScalerState.INITIAL);
    }
    if (desired >= replicas) {
      return new ScaleDecision(desired, ScalerState.INITIAL);
    }
    ScalerState state = ctx.state();
    if (!state.hasSurplus()) {
      return new ScaleDecision(replicas, new ScalerState(ctx.nowNanos(), desired));
    }
    int peak = Math.max(state.peakNeeded(), desired);
    if (ctx.nowNanos() - state.surplusSinceNanos() >= ctx.idleTimeoutNanos()) {
      // Down to the most the surplus window needed, not to this instant's need: a dip at the end
      // of the window would otherwise cost a cold start at the next swing.
      return new ScaleDecision(Math.max(peak, 1), ScalerState.INITIAL);
    }
    return new ScaleDecision(replicas, new ScalerState(state.surplusSinceNanos(), peak));
  }

  /**
   * The decision when placement adds replicas (a cold start when a load beats waiting, a start ahead
   * of need when arrivals outgrow the replicas, {@link LeastExpectedResponseTime}): this policy then
   * only takes replicas away, and brings a version up to minReplicas.
   */
  public ScaleDecision decideScaleIn(ScalingContext ctx) {
    ScaleDecision d = decide(ctx);
    int target = Math.min(d.target(), Math.max(ctx.replicas(), ctx.minReplicas()));
    return target == d.target() ? d : new ScaleDecision(target, d.next());
  }

  private static int clamp(int value, int min, int max) {
    return Math.max(min, Math.min(max, value));
  }
}
