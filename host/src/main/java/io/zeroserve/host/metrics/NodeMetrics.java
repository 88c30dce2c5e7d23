package io.zeroserve.host.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaId;
import io.zeroserve.functions.replica.ReplicaMetrics;
import io.zeroserve.functions.replica.ReplicaState;
import io.zeroserve.functions.store.FunctionRegistry;
import io.zeroserve.host.invoke.CallMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The node's meters, in one Prometheus registry that Vert.x's own HTTP and pool meters share.
 * Names are lowercase and dot-separated; tags are bounded: function, version, outcome, kind, state.
 * Thread-safe.
 */
public final class NodeMetrics implements ReplicaMetrics, CallMetrics {

  private final PrometheusMeterRegistry registry;
  private final MultiGauge replicas;
  private final MultiGauge queueDepth;
  private final MultiGauge deviceCapacity;
  private final MultiGauge deviceReserved;

  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public NodeMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    replicas = MultiGauge.builder("zeroserve.replicas").description("Replicas on this node by state")
        .register(registry);
    queueDepth = MultiGauge.builder("zeroserve.queue.depth")
        .description("Requests admitted and not yet started, on this node").register(registry);
    deviceCapacity = MultiGauge.builder("zeroserve.device.memory.capacity").baseUnit("bytes")
        .description("Memory replicas may reserve on each device of this node").register(registry);
    deviceReserved = MultiGauge.builder("zeroserve.device.memory.reserved").baseUnit("bytes")
        .description("Memory reserved by replicas on each device of this node").register(registry);
  }

  /** Counts what the node's replicas count themselves: evictions. Call once, when they exist. */
  public void bind(LocalReplicas local) {
    io.micrometer.core.instrument.FunctionCounter.builder("zeroserve.evictions", local, LocalReplicas::evictions)
        .description("Idle replicas unloaded to make room for another").register(registry);
  }

  /**
   * Re-reads device memory: {@code reserved} by device key ({@code nodeId/deviceId}). Tags: device,
   * kind, and simulated, so a dashboard never mistakes a simulated GPU for a real one.
   */
  public void refreshDevices(String nodeId, List<io.zeroserve.host.devices.NodeDevice> devices,
                             Map<String, Long> reserved) {
    List<MultiGauge.Row<?>> capacity = new ArrayList<>();
    List<MultiGauge.Row<?>> used = new ArrayList<>();
    for (io.zeroserve.host.devices.NodeDevice d : devices) {
      Tags tags = Tags.of("device", d.deviceId(), "kind", d.kind().text(), "simulated", String.valueOf(d.simulated()));
      capacity.add(MultiGauge.Row.of(tags, d.memoryBytes()));
      used.add(MultiGauge.Row.of(tags, reserved.getOrDefault(nodeId + "/" + d.deviceId(), 0L)));
    }
    deviceCapacity.register(capacity, true);
    deviceReserved.register(used, true);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Re-reads the gauges' sources; the node calls it every second. */
  public void refresh(LocalReplicas local, FunctionRegistry functions) {
    Map<List<String>, Integer> byState = new HashMap<>();
    for (LocalReplicas.ReplicaInfo r : local.replicas()) {
      byState.merge(List.of(r.id().function(), String.valueOf(r.id().version()), state(r.state())), 1, Integer::sum);
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    byState.forEach((k, n) -> rows.add(MultiGauge.Row.of(Tags.of("function", k.get(0), "version", k.get(1),
        "state", k.get(2)), n)));
    replicas.register(rows, true);
    List<MultiGauge.Row<?>> depths = new ArrayList<>();
    functions.list().forEach(f -> depths.add(MultiGauge.Row.of(Tags.of("function", f.name()), local.queued(f.name()))));
    queueDepth.register(depths, true);
  }

  @Override
  public void loaded(ReplicaId id, long loadNanos) {
    counter("zeroserve.coldstarts", "Replica loads (cold starts and scale-ups)", id).increment();
    Timer.builder("zeroserve.coldstart.duration").description("Time to load a replica")
        .tags(tags(id)).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(2)).register(registry).record(loadNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void loadFailed(ReplicaId id) {
    counter("zeroserve.coldstart.failures", "Replica loads that failed", id).increment();
  }

  @Override
  public void queued(ReplicaId id, long queueNanos) {
    timer("zeroserve.request.queue", "Time requests wait in a replica's queue", id).record(queueNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void batch(ReplicaId id, int requests, long rows, long computeNanos) {
    timer("zeroserve.request.compute", "Time a batch runs in ONNX Runtime", id).record(computeNanos, TimeUnit.NANOSECONDS);
    DistributionSummary.builder("zeroserve.batch.size").description("Requests per batch").tags(tags(id))
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(4096.0)
        .register(registry).record(requests);
  }

  @Override
  public void finished(String function, int version, Throwable failure, long nanos) {
    String outcome = failure == null ? "success"
        : failure instanceof FunctionException fe ? fe.reason().name().toLowerCase(Locale.ROOT) : "error";
    // A client can name any function: unresolved calls share one tag so the registry stays bounded.
    Tags tags = version < 1 ? Tags.of("function", "unknown", "version", "none")
        : Tags.of("function", function, "version", String.valueOf(version));
    Counter.builder("zeroserve.requests").description("Inference requests by outcome")
        .tags(tags.and("outcome", outcome)).register(registry).increment();
    Timer.builder("zeroserve.request.duration").description("End-to-end latency of inference requests")
        .tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
        .maximumExpectedValue(Duration.ofMinutes(1)).register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void placed(String kind) {
    Counter.builder("zeroserve.scheduler.decisions").description("Placement decisions by kind")
        .tag("kind", kind).register(registry).increment();
  }

  @Override
  public void forwarded(boolean retriedHere) {
    Counter.builder("zeroserve.forwards").description("Calls forwarded to another node, and those retried here")
        .tag("outcome", retriedHere ? "retried" : "sent").register(registry).increment();
  }

  private Counter counter(String name, String description, ReplicaId id) {
    return Counter.builder(name).description(description).tags(tags(id)).register(registry);
  }

  private Timer timer(String name, String description, ReplicaId id) {
    return Timer.builder(name).description(description).tags(tags(id)).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1000)).maximumExpectedValue(Duration.ofMinutes(1)).register(registry);
  }

  private static Tags tags(ReplicaId id) {
    return Tags.of("function", id.function(), "version", String.valueOf(id.version()));
  }

  private static String state(ReplicaState s) {
    return s.name().toLowerCase(Locale.ROOT);
  }
}
