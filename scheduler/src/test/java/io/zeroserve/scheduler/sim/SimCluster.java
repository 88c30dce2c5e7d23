package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.NetworkModel;
import io.zeroserve.scheduler.NodeView;
import io.zeroserve.scheduler.Placement;
import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.ReplicaView.Phase;
import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Ewma;
import io.zeroserve.scheduler.estimate.LearnedEstimates;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The simulated cluster: nodes with devices and memory, replicas on them, and what happens to a
 * request once a {@link Router} has placed it.
 *
 * <p>The server model: a replica holds its memory from the moment its load starts until it is
 * unloaded; while LOADING it queues requests. A READY or DRAINING replica serves its FIFO queue on up
 * to {@code parallelism} lanes, and each running request also takes one of its device's lanes; replicas
 * waiting for a device lane are served in the order they asked (a FIFO of lane requests per device).
 * Service and load times are drawn per request and per load from the function's distributions and
 * fed, as measured, into the learned estimates ({@link Ewma}) that LERT reads. The response time of
 * a request is from its arrival (its first attempt, for retried ones) to its completion, plus the
 * network cost ({@link NetworkModel#DEFAULT}) when it ran on another node than the one that received it.
 */
final class SimCluster {

  /** A request placed nowhere ({@link Placement.NoCapacity}) is tried again after this: a client retry. */
  static final long RETRY_NANOS = 100_000_000L;
  /**
   * Weight of the newest gap in a replica's smoothed gap between requests, as the host's
   * FunctionVerticle keeps it: its rate in use is one over that gap.
   */
  static final double GAP_ALPHA = 0.2;
  /**
   * A gap longer than this many mean gaps, and than a second, is a quiet spell between bursts: it counts
   * as that long (as FunctionVerticle).
   */
  static final double MAX_GAP_IN_MEANS = 10;
  private static final double S_NANOS = 1e9;

  static final class Node {
    final int index;
    final String id;
    final List<Device> devices = new ArrayList<>();

    Node(int index) {
      this.index = index;
      this.id = "n" + index;
    }
  }

  static final class Device {
    final Node node;
    final String id;
    final String key;
    final DeviceKind kind;
    final String deviceClass;
    final long capacity;
    final int parallelism;
    final int replicaParallelism;
    long reserved;
    int busy;
    int outstanding;
    final ArrayDeque<Replica> waiting = new ArrayDeque<>();
    final List<Replica> replicas = new ArrayList<>();

    Device(Node node, String id, DeviceKind kind, long capacity, int parallelism, int replicaParallelism) {
      this.node = node;
      this.id = id;
      this.key = DeviceView.key(node.id, id);
      this.kind = kind;
      this.deviceClass = kind == DeviceKind.GPU ? GPU_CLASS : CPU_CLASS;
      this.capacity = capacity;
      this.parallelism = parallelism;
      this.replicaParallelism = replicaParallelism;
    }

    long free() {
      return capacity - reserved;
    }

    /** Memory that unloading its idle replicas would give back. */
    long idleBytes() {
      long b = 0;
      for (Replica r : replicas) {
        if (r.idle()) {
          b += r.memory;
        }
      }
      return b;
    }
  }

  static final String CPU_CLASS = "cpu";
  static final String GPU_CLASS = "gpu:sim";

  static final class Function {
    final int index;
    final FunctionProfile profile;
    /** Mean service time of one request, per {@link DeviceKind#ordinal()}; NaN where it cannot run. */
    final double[] serviceMean;
    /** Shape of the service time: {@code < 0} exponential, else log-normal noise of this sigma. */
    final double serviceSigma;
    final double[] loadMean;
    final long payloadBytes;
    final String[] serviceKeys = new String[2];
    final String[] loadKeys = new String[2];
    /** Replicas in any phase. */
    final List<Replica> replicas = new ArrayList<>();
    /** READY replicas: what the baselines route among. */
    final List<Replica> ready = new ArrayList<>();
    int live;
    int outstanding;
    int roundRobin;
    int loads;

    Function(int index, FunctionProfile profile, double gpuServiceMean, double cpuServiceMean, double serviceSigma,
             double gpuLoadMean, double cpuLoadMean, long payloadBytes) {
      this.index = index;
      this.profile = profile;
      this.serviceMean = new double[] {cpuServiceMean, gpuServiceMean};
      this.serviceSigma = serviceSigma;
      this.loadMean = new double[] {cpuLoadMean, gpuLoadMean};
      this.payloadBytes = payloadBytes;
      for (DeviceKind k : DeviceKind.values()) {
        String c = k == DeviceKind.GPU ? GPU_CLASS : CPU_CLASS;
        serviceKeys[k.ordinal()] = EstimateKey.service(profile.function(), profile.version(), c, 1).text();
        loadKeys[k.ordinal()] = EstimateKey.load(profile.function(), c).text();
      }
    }

    String name() {
      return profile.function();
    }
  }

  static final class Replica {
    final String id;
    final Function fn;
    final Device device;
    final long memory;
    final int parallelism;
    final boolean firstEver;
    Phase phase = Phase.LOADING;
    long readyAt;
    long lastUsed;
    double meanGapNanos;
    boolean used;
    final ArrayDeque<Request> queue = new ArrayDeque<>();
    int running;
    int tokens;
    boolean removed;
    boolean expiryScheduled;

    Replica(String id, Function fn, Device device, long now) {
      this.id = id;
      this.fn = fn;
      this.device = device;
      this.memory = fn.profile.memoryBytes();
      this.parallelism = device.replicaParallelism;
      this.firstEver = fn.loads++ == 0;
      this.lastUsed = now;
    }

    int outstanding() {
      return queue.size() + running;
    }

    boolean idle() {
      return phase == Phase.READY && outstanding() == 0;
    }

    double requestsPerSecondInUse() {
      return meanGapNanos > 0 ? 1e9 / meanGapNanos : 0;
    }

    ReplicaView view(long now) {
      return new ReplicaView(id, device.node.id, device.id, fn.name(), fn.profile.version(), phase, outstanding(),
          parallelism, memory, readyAt, lastUsed, requestsPerSecondInUse());
    }
  }

  static final class Request {
    final Function fn;
    final Node receiver;
    final long arrival;
    final boolean measured;
    int attempts;
    // For the tail report: when it was queued on its replica, how long it then waited for the load,
    // when it started running, and whether it waited for its function's first replica ever.
    long enqueuedAt;
    long loadWait;
    long startedAt;
    boolean firstEver;
    /** Served: a forward of it is answered. */
    boolean done;

    Request(Function fn, Node receiver, long arrival, boolean measured) {
      this.fn = fn;
      this.receiver = receiver;
      this.arrival = arrival;
      this.measured = measured;
    }
  }

  /** Where requests go. */
  interface Router {
    String name();

    /** Decides for one request; may start replicas itself (a baseline's autoscaler). */
    Placement place(Request request, SimCluster cluster);
  }

  /** What removes replicas that are no longer needed. */
  interface ScaleIn {
    void start(SimCluster cluster);

    void onRequest(Replica replica, SimCluster cluster);

    ScaleIn NONE = new ScaleIn() {
      @Override
      public void start(SimCluster cluster) {}

      @Override
      public void onRequest(Replica replica, SimCluster cluster) {}
    };
  }

  enum Unload { EVICTED, EXPIRED, DRAINED }

  final Simulation sim;
  final SplittableRandom rnd;
  final List<Node> nodes = new ArrayList<>();
  final List<Device> devices = new ArrayList<>();
  final List<Function> functions = new ArrayList<>();
  final Map<String, Device> devicesByKey = new HashMap<>();
  final Map<String, Replica> replicasById = new HashMap<>();
  final Map<String, Ewma> learned = new HashMap<>();
  final LearnedEstimates estimates = new LearnedEstimates(learned, Priors.DEFAULT,
      Map.of(CPU_CLASS, DeviceKind.CPU, GPU_CLASS, DeviceKind.GPU));
  NetworkModel network = NetworkModel.DEFAULT;
  final Metrics metrics;
  Router router;
  ScaleIn scaleIn = ScaleIn.NONE;
  /** Bumped whenever memory or a replica's phase changes: a snapshot older than that is rebuilt. */
  long epoch;
  private long replicaSeq;
  private long reservedTotal;
  private long reservedSince;

  SimCluster(Simulation sim, SplittableRandom rnd, long measureFrom, long measureTo) {
    this.sim = sim;
    this.rnd = rnd;
    this.metrics = new Metrics(measureFrom, measureTo);
  }

  Node addNode() {
    Node n = new Node(nodes.size());
    nodes.add(n);
    return n;
  }

  Device addDevice(Node n, String id, DeviceKind kind, long capacity, int parallelism, int replicaParallelism) {
    Device d = new Device(n, id, kind, capacity, parallelism, replicaParallelism);
    n.devices.add(d);
    devices.add(d);
    devicesByKey.put(d.key, d);
    return d;
  }

  Function addFunction(FunctionProfile profile, double gpuServiceMean, double cpuServiceMean, double serviceSigma,
                       double gpuLoadMean, double cpuLoadMean, long payloadBytes) {
    Function f = new Function(functions.size(), profile, gpuServiceMean, cpuServiceMean, serviceSigma, gpuLoadMean,
        cpuLoadMean, payloadBytes);
    functions.add(f);
    return f;
  }

  /** A request arrives (or is retried): the router places it and the placement is carried out. */
  void arrive(Request q) {
    q.attempts++;
    Placement p = router.place(q, this);
    if (p instanceof Placement.Route r) {
      Replica replica = replicasById.get(r.replicaId());
      if (replica == null || replica.phase == Phase.DRAINING) {
        throw new IllegalStateException(router.name() + " routed to a replica that does not take requests: " + r);
      }
      enqueue(replica, q);
      if (r.alsoStart() != null) {
        start(q.fn, r.alsoStart()); // ahead of need: no request waits for it
      }
    } else if (p instanceof Placement.ColdStart c) {
      Device d = devicesByKey.get(DeviceView.key(c.nodeId(), c.deviceId()));
      List<Replica> evict = new ArrayList<>(c.evict().size());
      for (String id : c.evict()) {
        evict.add(replicasById.get(id));
      }
      enqueue(startReplica(q.fn, d, evict), q);
    } else {
      metrics.noCapacity++;
      sim.after(RETRY_NANOS, () -> arrive(q));
    }
  }

  private Replica start(Function f, Placement.ColdStart c) {
    Device d = devicesByKey.get(DeviceView.key(c.nodeId(), c.deviceId()));
    List<Replica> evict = new ArrayList<>(c.evict().size());
    for (String id : c.evict()) {
      evict.add(replicasById.get(id));
    }
    return startReplica(f, d, evict);
  }

  /** Unloads {@code evict} (idle replicas on {@code d}), then starts loading a replica of {@code f} there. */
  Replica startReplica(Function f, Device d, List<Replica> evict) {
    if (!f.profile.requirement().allows(d.kind)) {
      throw new IllegalStateException(f.name() + " cannot run on " + d.key);
    }
    for (Replica r : evict) {
      if (r == null || r.removed || !r.idle() || r.device != d) {
        throw new IllegalStateException("cannot evict " + (r == null ? "an unknown replica" : r.id) + " from " + d.key);
      }
      unload(r, Unload.EVICTED);
    }
    if (d.free() < f.profile.memoryBytes()) {
      throw new IllegalStateException("no room for " + f.name() + " on " + d.key + ": " + d.free() + " free");
    }
    Replica r = new Replica("r" + replicaSeq++, f, d, sim.now());
    long load = sample(f.loadMean[d.kind.ordinal()], 0.3);
    r.readyAt = sim.now() + load;
    addReserved(r.memory);
    d.reserved += r.memory;
    d.replicas.add(r);
    f.replicas.add(r);
    f.live++;
    replicasById.put(r.id, r);
    epoch++;
    metrics.coldStart(sim.now());
    sim.at(r.readyAt, () -> ready(r, load));
    return r;
  }

  private void ready(Replica r, long loadNanos) {
    learn(r.fn.loadKeys[r.device.kind.ordinal()], loadNanos);
    learn(loadScaleKeys[r.device.kind.ordinal()],
        Priors.DEFAULT.loadRatio(loadNanos, r.fn.profile.modelBytes(), r.device.kind));
    if (r.removed) {
      return;
    }
    r.phase = Phase.READY;
    r.fn.ready.add(r);
    epoch++;
    pump(r);
  }

  /** Queues {@code q} on {@code r} (which may still be loading). */
  void enqueue(Replica r, Request q) {
    long now = sim.now();
    if (r.phase == Phase.LOADING && q.measured) {
      metrics.coldRequests++;
    }
    q.enqueuedAt = now;
    q.loadWait = r.phase == Phase.LOADING ? Math.max(0, r.readyAt - now) : 0;
    q.firstEver = r.phase == Phase.LOADING && r.firstEver;
    r.queue.add(q);
    if (r.used) {
      double gap = now - r.lastUsed;
      r.meanGapNanos = r.meanGapNanos == 0 ? gap
          : (1 - GAP_ALPHA) * r.meanGapNanos
              + GAP_ALPHA * Math.min(gap, Math.max(MAX_GAP_IN_MEANS * r.meanGapNanos, S_NANOS));
    }
    r.used = true;
    r.lastUsed = now;
    r.fn.outstanding++;
    r.device.outstanding++;
    scaleIn.onRequest(r, this);
    pump(r);
  }

  private void pump(Replica r) {
    if (r.phase == Phase.LOADING) {
      return;
    }
    Device d = r.device;
    while (r.running + r.tokens < r.parallelism && r.queue.size() > r.tokens) {
      r.tokens++;
      d.waiting.add(r);
    }
    pumpDevice(d);
  }

  private void pumpDevice(Device d) {
    while (d.busy < d.parallelism && !d.waiting.isEmpty()) {
      Replica r = d.waiting.poll();
      r.tokens--;
      Request q = r.queue.poll();
      q.startedAt = sim.now();
      r.running++;
      d.busy++;
      long service = sample(r.fn.serviceMean[d.kind.ordinal()], r.fn.serviceSigma);
      sim.after(service, () -> complete(r, q, service));
    }
  }

  private void complete(Replica r, Request q, long serviceNanos) {
    Device d = r.device;
    q.done = true;
    r.running--;
    d.busy--;
    r.fn.outstanding--;
    d.outstanding--;
    learn(r.fn.serviceKeys[d.kind.ordinal()], serviceNanos);
    learn(serviceScaleKeys[d.kind.ordinal()],
        Priors.DEFAULT.serviceRatio(serviceNanos, r.fn.profile.modelBytes(), d.kind, 1));
    if (q.measured) {
      long rt = sim.now() - q.arrival + network.nanos(q.receiver.id, d.node.id, q.fn.payloadBytes);
      metrics.record(rt);
      // What no policy can beat: this request's own service time, on the fastest device it may use.
      double fastest = Math.min(orInfinity(q.fn.serviceMean[0]), orInfinity(q.fn.serviceMean[1]));
      metrics.recordFloor((long) (serviceNanos * fastest / q.fn.serviceMean[d.kind.ordinal()]));
      if (metrics.tail != null) {
        metrics.tail.add(new TailReport.Row(rt, q.enqueuedAt - q.arrival, q.loadWait,
            q.startedAt - q.enqueuedAt - q.loadWait, serviceNanos, d.kind, q.firstEver, q.fn.index));
      }
    }
    if (r.phase == Phase.DRAINING && r.outstanding() == 0) {
      unload(r, Unload.DRAINED);
    } else {
      pump(r);
    }
    pumpDevice(d);
  }

  /** Stops routing to {@code r}; it is unloaded once its queue is empty. */
  void drain(Replica r) {
    if (r.phase == Phase.DRAINING || r.removed) {
      return;
    }
    if (r.phase == Phase.READY) {
      r.fn.ready.remove(r);
    }
    r.phase = Phase.DRAINING;
    r.fn.live--;
    epoch++;
    if (r.outstanding() == 0) {
      unload(r, Unload.DRAINED);
    }
  }

  /** Frees {@code r}'s memory; it must have nothing queued or running. */
  void unload(Replica r, Unload why) {
    if (r.outstanding() != 0 || r.tokens != 0 || r.removed) {
      throw new IllegalStateException("cannot unload " + r.id + " with " + r.outstanding() + " outstanding");
    }
    if (r.phase == Phase.READY) {
      r.fn.ready.remove(r);
    }
    if (r.phase != Phase.DRAINING) {
      r.fn.live--;
    }
    r.removed = true;
    r.fn.replicas.remove(r);
    r.device.replicas.remove(r);
    r.device.reserved -= r.memory;
    replicasById.remove(r.id);
    addReserved(-r.memory);
    epoch++;
    metrics.unloaded(why, sim.now());
  }

  // Scales learn from every sample here; a node first averages per function (EstimateRecorder), so in
  // the simulator busy functions weigh more in a class's scale than they do on a real node.
  private static final String[] loadScaleKeys = {EstimateKey.loadScale(CPU_CLASS).text(),
      EstimateKey.loadScale(GPU_CLASS).text()};
  private static final String[] serviceScaleKeys = {EstimateKey.serviceScale(CPU_CLASS).text(),
      EstimateKey.serviceScale(GPU_CLASS).text()};

  private void learn(String key, double value) {
    Ewma e = learned.get(key);
    learned.put(key, (e == null ? Ewma.EMPTY : e).add(value, Ewma.DEFAULT_ALPHA));
  }

  private static double orInfinity(double meanOrNaN) {
    return Double.isNaN(meanOrNaN) ? Double.POSITIVE_INFINITY : meanOrNaN;
  }

  private long sample(double mean, double sigma) {
    if (Double.isNaN(mean)) {
      throw new IllegalStateException("no service time for this device kind");
    }
    return sigma < 0 ? Dist.exp(rnd, mean) : Math.max(1, (long) (mean * Dist.unitLogNormal(rnd, sigma)));
  }

  private void addReserved(long delta) {
    long now = sim.now();
    metrics.memory(reservedTotal, reservedSince, now);
    reservedTotal += delta;
    reservedSince = now;
  }

  /** Closes the memory integral at the end of the run. */
  void finish() {
    addReserved(0);
  }

  /** The cluster as {@link io.zeroserve.scheduler.ClusterSnapshot} takes it. */
  List<NodeView> nodeViews() {
    List<NodeView> out = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      List<DeviceView> ds = new ArrayList<>(n.devices.size());
      for (Device d : n.devices) {
        ds.add(new DeviceView(n.id, d.id, d.kind, d.deviceClass, d.capacity, d.reserved, d.parallelism,
            d.outstanding, false));
      }
      out.add(new NodeView(n.id, false, ds));
    }
    return out;
  }

  List<ReplicaView> replicaViews() {
    long now = sim.now();
    List<ReplicaView> out = new ArrayList<>(replicasById.size());
    for (Device d : devices) {
      for (Replica r : d.replicas) {
        out.add(r.view(now));
      }
    }
    return out;
  }

  List<ReplicaView> replicaViews(Function f) {
    long now = sim.now();
    List<ReplicaView> out = new ArrayList<>(f.replicas.size());
    for (Replica r : f.replicas) {
      out.add(r.view(now));
    }
    return out;
  }
}
