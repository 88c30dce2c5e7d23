package io.zeroserve.host.control;

import io.vertx.core.Vertx;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.LocalReplicas.VersionKey;
import io.zeroserve.functions.replica.LocalReplicas.VersionSnapshot;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.host.invoke.FunctionInvoker;
import io.zeroserve.scheduler.ScaleDecision;
import io.zeroserve.scheduler.ScalerState;
import io.zeroserve.scheduler.ScalingContext;
import io.zeroserve.scheduler.ScalingPolicy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The node's scale-in loop: every tick it takes a snapshot of the local replicas, asks
 * {@link ScalingPolicy} for each version's replica count, and has {@link LocalReplicas} carry out
 * reductions (and minReplicas). Scale-out is placement's: a request starts a replica when the cost
 * model says a load beats waiting. Only the serving version of a function keeps {@code minReplicas}; other versions drain to
 * zero once idle. Runs on one event-loop context; its state is confined to it.
 */
public final class ReplicaControlLoop {

  public static final long DEFAULT_PERIOD_MS = 100;

  private final Vertx vertx;
  private final FunctionRegistry registry;
  private final LocalReplicas replicas;
  private final FunctionInvoker invoker;
  private final ScalingPolicy policy = new ScalingPolicy();
  private final Map<VersionKey, ScalerState> states = new HashMap<>();
  private long timer = -1;

  public ReplicaControlLoop(Vertx vertx, FunctionRegistry registry, LocalReplicas replicas, FunctionInvoker invoker) {
    this.vertx = vertx;
    this.registry = registry;
    this.replicas = replicas;
    this.invoker = invoker;
  }

  public void start(long periodMs) {
    timer = vertx.setPeriodic(periodMs, t -> tick(System.nanoTime()));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  void tick(long nowNanos) {
    Set<VersionKey> seen = new HashSet<>();
    for (VersionSnapshot s : replicas.snapshot()) {
      seen.add(s.key());
      Optional<FunctionRecord> record = registry.find(s.key().function());
      if (record.isEmpty() || record.get().version(s.key().version()).isEmpty()) {
        replicas.scaleTo(s.key().function(), s.version(), 0); // deleted under us
        continue;
      }
      FunctionConfig config = record.get().config();
      boolean serving = invoker.servingVersion(s.key().function()).map(v -> v == s.key().version()).orElse(false);
      int min = serving ? config.minReplicas() : 0;
      ScalingContext ctx = new ScalingContext(nowNanos, s.replicas(), s.replicas() - s.ready(), s.outstanding(),
          s.lastRequestNanos(), min,
          Math.max(min, config.maxReplicas()), config.targetConcurrency(), config.idleTimeout().toNanos(),
          states.getOrDefault(s.key(), ScalerState.INITIAL));
      // Placement adds replicas, request by request (LeastExpectedResponseTime); this loop takes
      // idle ones away and keeps minReplicas.
      ScaleDecision decision = policy.decideScaleIn(ctx);
      states.put(s.key(), decision.next());
      if (decision.target() != s.replicas()) {
        replicas.scaleTo(s.key().function(), s.version(), decision.target());
      }
    }
    states.keySet().retainAll(seen);
    // Functions that must stay warm but have no replica here yet (a restart, a new minReplicas).
    for (FunctionRecord f : registry.list()) {
      if (f.config().minReplicas() > 0) {
        Optional<FunctionVersion> active = f.activeVersion();
        if (active.isPresent() && !seen.contains(new VersionKey(f.name(), active.get().version()))) {
          replicas.scaleTo(f.name(), active.get(), f.config().minReplicas());
        }
      }
    }
  }
}
