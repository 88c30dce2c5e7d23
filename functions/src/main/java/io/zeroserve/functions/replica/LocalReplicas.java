package io.zeroserve.functions.replica;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.Reason;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.functions.store.ArtifactStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The replicas on this node, by function version: the mechanism that admits requests, routes them
 * to the least-loaded READY replica, loads replicas and drains them. How many replicas a version
 * should have is decided elsewhere (a control loop over {@link #snapshot()}); this class only
 * carries out {@link #scaleTo} and the first load a request needs.
 *
 * <p>A version with no READY replica is loaded on its first request, once however many requests
 * arrive while it loads (single flight); they all wait for that load and all get its outcome.
 * Thread-safe: the maps are guarded by this object's monitor, which is never held across I/O.
 */
public final class LocalReplicas {

  private final Vertx vertx;
  private final ArtifactSource artifacts;
  private final WorkerExecutor executor;
  private final WorkerExecutor loadExecutor;
  private final ReplicaDevices devices;
  private final int parallelism;
  private final Function<String, FunctionConfig> configs;
  private final AtomicLong replicaNumbers = new AtomicLong();
  private final AtomicLong coldStarts = new AtomicLong();
  private final AtomicLong evictions = new AtomicLong();
  private final AtomicLong changes = new AtomicLong();
  private final Map<VersionKey, Group> groups = new HashMap<>();
  private final Map<String, AtomicInteger> queuedByFunction = new ConcurrentHashMap<>();
  private volatile ReplicaMetrics metrics = ReplicaMetrics.NONE;
  private final List<java.util.function.BiConsumer<ReplicaId, Boolean>> routingListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A function version, the unit that replicas serve. */
  public record VersionKey(String function, int version) {}

  /**
   * A replica as others see it.
   *
   * @param loadStartedNanos when its load began ({@link System#nanoTime()})
   * @param lastUsedNanos when it last took a request, or its load start
   * @param requestsPerSecondInUse its arrival rate while in use ({@link FunctionVerticle#requestsPerSecondInUse})
   */
  public record ReplicaInfo(ReplicaId id, ReplicaState state, int outstanding, long loadNanos, String deviceId,
                            long memoryBytes, int parallelism, long loadStartedNanos, long lastUsedNanos,
                            double requestsPerSecondInUse) {}

  /**
   * A placement's order to start a replica on {@code deviceId} for this call, after unloading the
   * replicas named in {@code evict} (ids as {@link ReplicaId#toString()}) to make room.
   */
  public record NewReplica(String deviceId, List<String> evict) {
    public NewReplica {
      evict = List.copyOf(evict);
    }
  }

  /**
   * One version's replicas at one instant, for the scaling policy.
   *
   * @param replicas READY or LOADING replicas
   * @param outstanding requests queued or running on them, plus requests waiting for a load
   * @param lastRequestNanos when the last request arrived (or the version was first seen)
   */
  public record VersionSnapshot(VersionKey key, FunctionVersion version, int replicas, int ready, int outstanding,
                                long lastRequestNanos) {}

  private static final class Group {
    final FunctionVersion version;
    final List<FunctionVerticle> replicas = new ArrayList<>();
    final Map<FunctionVerticle, String> deploymentIds = new HashMap<>();
    int loading;
    /** Completes when any replica of the version is READY; fails when every pending load failed. */
    Promise<Void> firstReady;
    final AtomicInteger waitingForLoad = new AtomicInteger();
    volatile long lastRequestNanos = System.nanoTime();

    Group(FunctionVersion version) {
      this.version = version;
    }

    FunctionVerticle leastLoadedReady() {
      FunctionVerticle best = null;
      for (FunctionVerticle r : replicas) {
        if (r.state() == ReplicaState.READY && (best == null || r.outstanding() < best.outstanding())) {
          best = r;
        }
      }
      return best;
    }
  }

  /** Where a replica gets its model file: verified, and fetched from elsewhere first if need be. Blocking. */
  @FunctionalInterface
  public interface ArtifactSource {
    Path verifiedArtifact(String sha256);
  }

  /**
   * @param parallelism batches one replica runs at once
   * @param configs each function's live config, read at admission and by replicas at each batch
   */
  public LocalReplicas(Vertx vertx, ArtifactStore artifacts, WorkerExecutor executor, SessionSettings settings,
                       int parallelism, Function<String, FunctionConfig> configs) {
    this(vertx, artifacts::verified, executor, executor, ReplicaDevices.single("cpu", settings), parallelism, configs);
  }

  /**
   * @param executor runs inference
   * @param loadExecutor creates and closes sessions, and reserves and releases device memory
   */
  public LocalReplicas(Vertx vertx, ArtifactSource artifacts, WorkerExecutor executor, WorkerExecutor loadExecutor,
                       ReplicaDevices devices, int parallelism, Function<String, FunctionConfig> configs) {
    this.vertx = vertx;
    this.artifacts = artifacts;
    this.executor = executor;
    this.loadExecutor = loadExecutor;
    this.devices = devices;
    this.parallelism = parallelism;
    this.configs = configs;
  }

  /**
   * Runs a call on a replica of this version, loading one first when there is none. Fails with
   * OVERLOADED when the function's queue is full and TIMEOUT when the deadline passes first,
   * whether the call waits for a load or in a replica's queue.
   */
  public Future<List<Tensor>> invoke(String function, FunctionVersion version, InferenceCall call) {
    return invoke(function, version, call, null);
  }

  /**
   * As {@link #invoke(String, FunctionVersion, InferenceCall)}, but when {@code order} is not null a new
   * replica is started as it says, and the call runs on the first replica READY after it (that one,
   * or another that freed up first). A load of the version already in flight here with no READY
   * replica absorbs the order: decisions made at once on several threads, before any saw the other's
   * load, must not cost a load each.
   */
  public Future<List<Tensor>> invoke(String function, FunctionVersion version, InferenceCall call, NewReplica order) {
    FunctionConfig config = configs.apply(function);
    AtomicInteger queued = queuedByFunction.computeIfAbsent(function, f -> new AtomicInteger());
    if (queued.incrementAndGet() > config.maxQueue()) {
      queued.decrementAndGet();
      return Future.failedFuture(new FunctionException(Reason.OVERLOADED, "function '" + function + "' has "
          + config.maxQueue() + " requests queued (maxQueue); retry later"));
    }
    call.cancellation().holdSlot(queued::decrementAndGet);
    Promise<List<Tensor>> result = Promise.promise();
    long remainingMs = TimeUnit.NANOSECONDS.toMillis(call.deadlineNanos() - System.nanoTime());
    long timer = vertx.setTimer(Math.max(1, remainingMs), t -> {
      call.cancellation().cancel();
      result.tryFail(new FunctionException(Reason.TIMEOUT, "function '" + function + "' did not answer within "
          + "the request's deadline"));
    });
    Future<List<Tensor>> work = dispatch(new VersionKey(function, version.version()), version, call, true, order);
    work.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        result.tryComplete(ar.result());
      } else {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  /** Where replicas started from now on report their work. */
  public void metrics(ReplicaMetrics sink) {
    this.metrics = sink;
  }

  /** Requests of a function admitted but not yet started, on this node. */
  public int queued(String function) {
    AtomicInteger queued = queuedByFunction.get(function);
    return queued == null ? 0 : queued.get();
  }

  /**
   * Called with a replica's id and {@code true} when it becomes READY, {@code false} when it stops
   * taking requests (draining, unloaded, failed). Listeners must be quick; they run on Vert.x threads.
   */
  public void onRoutingChange(java.util.function.BiConsumer<ReplicaId, Boolean> listener) {
    routingListeners.add(listener);
  }

  private void routingChanged(ReplicaId id, boolean routable) {
    changes.incrementAndGet();
    routingListeners.forEach(l -> l.accept(id, routable));
  }

  /**
   * Hands a call to the least loaded READY replica, loading one first when there is none. A replica
   * that turns out to be closing refuses the call before running it; the call is then dispatched
   * once more, to another replica or a fresh load.
   */
  private Future<List<Tensor>> dispatch(VersionKey key, FunctionVersion version, InferenceCall call, boolean retry,
                                        NewReplica order) {
    Group group;
    FunctionVerticle ready;
    Future<Void> load = null;
    synchronized (this) {
      group = groups.computeIfAbsent(key, k -> new Group(version));
      group.lastRequestNanos = System.nanoTime();
      ready = group.leastLoadedReady();
      if (order != null && !(ready == null && group.loading > 0)) {
        load = evictThenStart(key, group, order);
        group.waitingForLoad.incrementAndGet();
        ready = null;
      } else if (ready == null) {
        load = loadingOrStart(key, group);
        group.waitingForLoad.incrementAndGet();
      }
    }
    Future<List<Tensor>> work;
    if (ready != null) {
      work = ready.submit(call);
    } else {
      Group g = group;
      work = load.transform(ar -> {
        g.waitingForLoad.decrementAndGet();
        FunctionVerticle r;
        synchronized (this) {
          r = g.leastLoadedReady();
        }
        if (ar.failed() && r == null) {
          return Future.failedFuture(ar.cause()); // a failed extra load falls back on the replicas there are
        }
        return r != null ? r.submit(call)
            : Future.failedFuture(new FunctionVerticle.ReplicaGone("the replicas of " + key + " were unloaded"));
      });
    }
    return work.transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(ar.result());
      }
      boolean gone = ar.cause() instanceof FunctionVerticle.ReplicaGone;
      if (gone && retry && !call.abandoned(System.nanoTime())) {
        return dispatch(key, version, call, false, null);
      }
      call.cancellation().releaseSlot(); // it may have failed before it started: a load failure, say
      return Future.failedFuture(gone ? FunctionException.unavailable(ar.cause().getMessage()) : ar.cause());
    });
  }

  /**
   * Starts one more replica of this version as {@code order} says, for requests to come (a placement
   * saw arrivals outgrow the replicas), unless one is already loading here. Completes when it is READY.
   */
  public Future<Void> startAhead(String function, FunctionVersion version, NewReplica order) {
    VersionKey key = new VersionKey(function, version.version());
    synchronized (this) {
      Group group = groups.computeIfAbsent(key, k -> new Group(version));
      if (group.loading > 0) {
        return Future.succeededFuture(); // one is on its way: the next decision will see it
      }
      return evictThenStart(key, group, order);
    }
  }

  /**
   * Caller holds the monitor. Drains the replicas {@code order} evicts, then starts the new one: it
   * reserves memory the evicted ones give back once drained.
   */
  private Future<Void> evictThenStart(VersionKey key, Group group, NewReplica order) {
    List<Future<Void>> evictions = evict(order.evict());
    if (evictions.isEmpty()) {
      return startReplica(key, group, order.deviceId());
    }
    return Future.all(evictions).transform(ignored -> {
      synchronized (this) {
        return startReplica(key, group, order.deviceId());
      }
    });
  }

  /** Loads a replica of this version if it has none READY (warm-up); completes when one is READY. */
  public Future<Void> load(String function, FunctionVersion version) {
    VersionKey key = new VersionKey(function, version.version());
    synchronized (this) {
      Group group = groups.computeIfAbsent(key, k -> new Group(version));
      return group.leastLoadedReady() != null ? Future.succeededFuture() : loadingOrStart(key, group);
    }
  }

  /** Caller holds the monitor. */
  private Future<Void> loadingOrStart(VersionKey key, Group group) {
    Promise<Void> firstReady = group.firstReady;
    if (firstReady == null) {
      firstReady = Promise.promise();
      group.firstReady = firstReady;
      if (group.loading == 0) {
        // may complete, and clear group.firstReady, before it returns
        startReplica(key, group, devices.defaultDevice(key.function(), group.version));
      } // else a load a placement ordered is in flight: its end completes or fails firstReady
    }
    return firstReady.future();
  }

  /** Caller holds the monitor. Drains the named replicas of any version on this node. */
  private List<Future<Void>> evict(List<String> replicaIds) {
    if (replicaIds.isEmpty()) {
      return List.of();
    }
    List<Future<Void>> stops = new ArrayList<>();
    for (Group g : groups.values()) {
      for (FunctionVerticle r : List.copyOf(g.replicas)) {
        if (replicaIds.contains(r.id().toString())) {
          evictions.incrementAndGet();
          stops.add(undeploy(g, r));
        }
      }
    }
    return stops;
  }

  /**
   * Caller holds the monitor. Starts a replica on {@code deviceId}: it reserves its memory there (on a
   * worker, before loading; no room fails the load) and gives it back once unloaded or failed.
   *
   * @return completes when this replica is READY, fails when its load fails
   */
  private Future<Void> startReplica(VersionKey key, Group group, String deviceId) {
    ReplicaId id = new ReplicaId(key.function(), key.version(), replicaNumbers.incrementAndGet());
    SessionSettings settings = devices.settings(deviceId);
    long memoryBytes = devices.memoryBytes(group.version, deviceId);
    String sha256 = group.version.sha256();
    FunctionVerticle replica = new FunctionVerticle(id, () -> {
      if (!devices.reserve(deviceId, id.toString(), memoryBytes)) {
        throw FunctionException.unavailable("device " + deviceId + " has no room for " + id + " ("
            + (memoryBytes >> 20) + " MiB); retry later");
      }
      return artifacts.verifiedArtifact(sha256);
    }, settings, executor, loadExecutor, parallelism, () -> configs.apply(key.function()), deviceId, memoryBytes);
    replica.metrics(metrics);
    changes.incrementAndGet();
    Promise<Void> thisReady = Promise.promise();
    group.loading++;
    group.replicas.add(replica);
    coldStarts.incrementAndGet();
    vertx.deployVerticle(replica).onComplete(ar -> {
      Promise<Void> toComplete = null;
      Promise<Void> toFail = null;
      boolean orphaned = false;
      synchronized (this) {
        group.loading--;
        if (ar.succeeded() && !group.replicas.contains(replica)) {
          orphaned = true; // unloaded while it was loading
          if (group.loading == 0 && group.leastLoadedReady() == null && group.firstReady != null) {
            toFail = group.firstReady;
            group.firstReady = null;
          }
        } else if (ar.succeeded()) {
          group.deploymentIds.put(replica, ar.result());
          routingChanged(id, true); // under the monitor, so it is ordered before any later undeploy's "false"
          toComplete = group.firstReady;
          group.firstReady = null;
        } else {
          group.replicas.remove(replica); // a failed load leaves nothing behind
          if (group.loading == 0 && group.leastLoadedReady() == null) {
            toFail = group.firstReady;
            group.firstReady = null;
          }
        }
      }
      if (orphaned) {
        vertx.undeploy(ar.result()).onComplete(v -> release(replica));
      } else if (ar.failed()) {
        release(replica);
      }
      if (ar.succeeded() && !orphaned) {
        thisReady.tryComplete();
      } else {
        thisReady.tryFail(FunctionException.unavailable(ar.succeeded() ? "replica " + id + " was unloaded while loading"
            : "loading " + id + " failed: " + ar.cause().getMessage()));
      }
      if (toComplete != null) {
        toComplete.tryComplete();
      }
      if (toFail != null) {
        // A stored model that will not load is the server's problem, not the caller's: 503, not 400.
        toFail.tryFail(FunctionException.unavailable(ar.succeeded() ? "replica " + id + " was unloaded while loading"
            : "loading " + id + " failed: " + ar.cause().getMessage()));
      }
    });
    return thisReady.future();
  }

  /** Gives a replica's memory back, off the event loop: it is a cluster round trip. */
  private Future<Void> release(FunctionVerticle replica) {
    if (replica.memoryBytes() == 0) {
      return Future.succeededFuture(); // nothing was reserved
    }
    return loadExecutor.executeBlocking(() -> {
      devices.release(replica.deviceId(), replica.id().toString());
      return null;
    }, false);
  }

  /**
   * Converges a version to {@code target} replicas: starts the missing ones, drains the surplus,
   * least busy first. Replicas already loading count as present.
   */
  public Future<Void> scaleTo(String function, FunctionVersion version, int target) {
    VersionKey key = new VersionKey(function, version.version());
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (this) {
      Group group = groups.get(key);
      if (group == null) {
        if (target == 0) {
          return Future.succeededFuture();
        }
        group = groups.computeIfAbsent(key, k -> new Group(version));
      }
      int present = live(group).size();
      for (int i = present; i < target; i++) {
        startReplica(key, group, devices.defaultDevice(function, version));
      }
      if (present > target) {
        List<FunctionVerticle> surplus = live(group).stream()
            .filter(r -> r.state() == ReplicaState.READY)
            .sorted(Comparator.comparingInt(FunctionVerticle::outstanding))
            .limit(present - target)
            .toList();
        for (FunctionVerticle r : surplus) {
          stops.add(undeploy(group, r));
        }
      }
      if (target == 0 && group.replicas.isEmpty() && group.waitingForLoad.get() == 0) {
        groups.remove(key);
      }
    }
    return Future.all(stops).mapEmpty();
  }

  private static List<FunctionVerticle> live(Group group) {
    return group.replicas.stream()
        .filter(r -> r.state() == ReplicaState.READY || r.state() == ReplicaState.LOADING)
        .toList();
  }

  /** Each version's replicas and load, for the control loop. */
  public synchronized List<VersionSnapshot> snapshot() {
    List<VersionSnapshot> out = new ArrayList<>(groups.size());
    for (Map.Entry<VersionKey, Group> e : groups.entrySet()) {
      Group g = e.getValue();
      List<FunctionVerticle> live = live(g);
      int ready = (int) live.stream().filter(r -> r.state() == ReplicaState.READY).count();
      int outstanding = g.waitingForLoad.get() + live.stream().mapToInt(FunctionVerticle::outstanding).sum();
      out.add(new VersionSnapshot(e.getKey(), g.version, live.size(), ready, outstanding, g.lastRequestNanos));
    }
    return out;
  }

  /** Every replica on this node. */
  public synchronized List<ReplicaInfo> replicas() {
    List<ReplicaInfo> infos = new ArrayList<>();
    for (Group g : groups.values()) {
      addInfos(g, infos);
    }
    infos.sort(Comparator.comparing((ReplicaInfo i) -> i.id().function()).thenComparingLong(i -> i.id().number()));
    return infos;
  }

  /** The replicas of one version on this node: what placement reads per request, without a pass over all. */
  public synchronized List<ReplicaInfo> replicas(String function, int version) {
    Group g = groups.get(new VersionKey(function, version));
    List<ReplicaInfo> infos = new ArrayList<>(g == null ? 0 : g.replicas.size());
    if (g != null) {
      addInfos(g, infos);
    }
    return infos;
  }

  private static void addInfos(Group g, List<ReplicaInfo> infos) {
    for (FunctionVerticle r : g.replicas) {
      infos.add(new ReplicaInfo(r.id(), r.state(), r.outstanding(), r.loadNanos(), r.deviceId(), r.memoryBytes(),
          r.parallelism(), r.loadStartedNanos(), r.lastUsedNanos(), r.requestsPerSecondInUse()));
    }
  }

  /**
   * A number that changes whenever a replica starts loading, becomes READY or stops taking requests:
   * a cached view of {@link #replicas()} is stale when it differs.
   */
  public long changes() {
    return changes.get();
  }

  /** Replicas unloaded to make room for another since this node started. */
  public long evictions() {
    return evictions.get();
  }

  /** Replica loads started since this node started: cold starts and scale-ups. */
  public long coldStarts() {
    return coldStarts.get();
  }

  /** Whether this replica is on this node and READY: publishers re-check before they announce it. */
  public synchronized boolean isReady(ReplicaId id) {
    Group g = groups.get(new VersionKey(id.function(), id.version()));
    return g != null && g.replicas.stream().anyMatch(r -> r.id().equals(id) && r.state() == ReplicaState.READY);
  }

  /** Whether a READY replica of this version is on this node. */
  public synchronized boolean isLoaded(String function, int version) {
    Group g = groups.get(new VersionKey(function, version));
    return g != null && g.leastLoadedReady() != null;
  }

  /** Drains and unloads the replicas of a function whose versions are not in {@code keep}. */
  public Future<Void> unloadExcept(String function, Set<Integer> keep) {
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (this) {
      for (Map.Entry<VersionKey, Group> e : List.copyOf(groups.entrySet())) {
        if (e.getKey().function().equals(function) && !keep.contains(e.getKey().version())) {
          Group g = e.getValue();
          List.copyOf(g.replicas).forEach(r -> stops.add(undeploy(g, r)));
          if (g.waitingForLoad.get() == 0) {
            groups.remove(e.getKey());
          }
        }
      }
    }
    return Future.all(stops).mapEmpty();
  }

  /** Drains and unloads every replica. */
  public Future<Void> unloadAll() {
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (this) {
      for (Group g : groups.values()) {
        List.copyOf(g.replicas).forEach(r -> stops.add(undeploy(g, r)));
      }
      groups.clear();
    }
    return Future.all(stops).mapEmpty();
  }

  /** Caller holds the monitor. A replica still loading is undeployed once its load ends. */
  private Future<Void> undeploy(Group group, FunctionVerticle replica) {
    group.replicas.remove(replica);
    routingChanged(replica.id(), false);
    String deploymentId = group.deploymentIds.remove(replica);
    // Still loading: its memory is given back when the load ends and finds it orphaned.
    return deploymentId == null ? Future.succeededFuture()
        : vertx.undeploy(deploymentId).transform(ar -> release(replica));
  }
}
