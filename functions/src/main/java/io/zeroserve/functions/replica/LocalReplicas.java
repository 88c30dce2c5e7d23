package io.zeroserve.functions.replica;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.Tensor;
import io.zeroserve.functions.onnx.SessionSettings;
import io.zeroserve.functions.store.ArtifactStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The replicas on this node, by function version. A version with no replica is loaded on its first
 * request, once however many requests arrive while it loads (single flight); they all wait for the
 * same load and all get its result. Thread-safe: the maps are guarded by this object's monitor,
 * which is never held across I/O.
 */
public final class LocalReplicas {

  private final Vertx vertx;
  private final ArtifactStore artifacts;
  private final WorkerExecutor executor;
  private final SessionSettings settings;
  private final int parallelism;
  private final AtomicLong replicaNumbers = new AtomicLong();
  private final Map<VersionKey, Group> groups = new HashMap<>();

  /** A function version, the unit that replicas serve. */
  public record VersionKey(String function, int version) {}

  /** A replica as others see it. */
  public record ReplicaInfo(ReplicaId id, ReplicaState state, int outstanding) {}

  private static final class Group {
    final List<FunctionVerticle> replicas = new ArrayList<>();
    final Map<FunctionVerticle, String> deploymentIds = new HashMap<>();
    Future<FunctionVerticle> loading;
  }

  /**
   * @param parallelism inferences one replica runs at once, normally the size of {@code executor}
   */
  public LocalReplicas(Vertx vertx, ArtifactStore artifacts, WorkerExecutor executor, SessionSettings settings,
                       int parallelism) {
    this.vertx = vertx;
    this.artifacts = artifacts;
    this.executor = executor;
    this.settings = settings;
    this.parallelism = parallelism;
  }

  /** Runs a call on a replica of this version, loading one first when there is none. */
  public Future<List<Tensor>> invoke(String function, FunctionVersion version, InferenceCall call) {
    return replicaFor(new VersionKey(function, version.version()), version).compose(r -> r.submit(call));
  }

  /** Loads a replica of this version if it has none (warm-up); completes when one is READY. */
  public Future<Void> load(String function, FunctionVersion version) {
    return replicaFor(new VersionKey(function, version.version()), version).mapEmpty();
  }

  private Future<FunctionVerticle> replicaFor(VersionKey key, FunctionVersion version) {
    synchronized (this) {
      Group group = groups.computeIfAbsent(key, k -> new Group());
      FunctionVerticle best = group.replicas.stream()
          .filter(r -> r.state() == ReplicaState.READY)
          .min(Comparator.comparingInt(FunctionVerticle::outstanding))
          .orElse(null);
      if (best != null) {
        return Future.succeededFuture(best);
      }
      if (group.loading == null) {
        group.loading = coldStart(key, version, group);
      }
      return group.loading;
    }
  }

  private Future<FunctionVerticle> coldStart(VersionKey key, FunctionVersion version, Group group) {
    ReplicaId id = new ReplicaId(key.function(), key.version(), replicaNumbers.incrementAndGet());
    FunctionVerticle replica = new FunctionVerticle(id, () -> artifacts.verified(version.sha256()), settings,
        executor, parallelism);
    Promise<FunctionVerticle> loaded = Promise.promise();
    vertx.deployVerticle(replica).onComplete(ar -> {
      synchronized (this) {
        group.loading = null;
        if (ar.succeeded()) {
          group.replicas.add(replica);
          group.deploymentIds.put(replica, ar.result());
        }
      }
      if (ar.succeeded()) {
        loaded.complete(replica);
      } else {
        loaded.fail(loadFailure(id, ar.cause()));
      }
    });
    return loaded.future();
  }

  private static Throwable loadFailure(ReplicaId id, Throwable cause) {
    // A stored model that will not load is the server's problem, not the caller's: 503, not 400.
    return FunctionException.unavailable("loading " + id + " failed: " + cause.getMessage());
  }

  /** Every replica on this node. */
  public synchronized List<ReplicaInfo> replicas() {
    List<ReplicaInfo> infos = new ArrayList<>();
    for (Group g : groups.values()) {
      for (FunctionVerticle r : g.replicas) {
        infos.add(new ReplicaInfo(r.id(), r.state(), r.outstanding()));
      }
    }
    infos.sort(Comparator.comparing((ReplicaInfo i) -> i.id().function()).thenComparingLong(i -> i.id().number()));
    return infos;
  }

  /** Whether a READY replica of this version is on this node. */
  public synchronized boolean isLoaded(String function, int version) {
    Group g = groups.get(new VersionKey(function, version));
    return g != null && g.replicas.stream().anyMatch(r -> r.state() == ReplicaState.READY);
  }

  /** Drains and unloads the replicas of a function whose versions are not in {@code keep}. */
  public Future<Void> unloadExcept(String function, Set<Integer> keep) {
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (this) {
      for (Map.Entry<VersionKey, Group> e : groups.entrySet()) {
        if (e.getKey().function().equals(function) && !keep.contains(e.getKey().version())) {
          stops.addAll(undeployAll(e.getValue()));
        }
      }
    }
    return Future.all(stops).mapEmpty();
  }

  /** Drains and unloads every replica. */
  public Future<Void> unloadAll() {
    List<Future<Void>> stops = new ArrayList<>();
    synchronized (this) {
      groups.values().forEach(g -> stops.addAll(undeployAll(g)));
    }
    return Future.all(stops).mapEmpty();
  }

  private List<Future<Void>> undeployAll(Group group) {
    List<Future<Void>> stops = new ArrayList<>();
    for (FunctionVerticle r : List.copyOf(group.replicas)) {
      group.replicas.remove(r);
      String deploymentId = group.deploymentIds.remove(r);
      stops.add(vertx.undeploy(deploymentId));
    }
    return stops;
  }
}
