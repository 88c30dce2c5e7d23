package io.zeroserve.functions.store;

import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.FunctionConfig;
import io.zeroserve.functions.FunctionException;
import io.zeroserve.functions.FunctionRecord;
import io.zeroserve.functions.FunctionVersion;
import io.zeroserve.functions.Signature;
import io.zeroserve.functions.onnx.ModelInspector;
import io.zeroserve.functions.onnx.ModelSession;
import io.zeroserve.functions.onnx.SessionSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The functions this node serves, backed by the durable store: every change is on disk (fsynced)
 * before the method returns, so a caller that answers after it returns never acknowledges a write a
 * crash could lose. Reads are lock-free over immutable records; writes of one name are serialized,
 * writes of different names run in parallel. Blocking: call from a worker thread.
 */
public final class FunctionRegistry {

  /** What a deploy made. */
  public record Deployed(FunctionRecord function, FunctionVersion version, boolean createdFunction) {}

  private final ArtifactStore artifacts;
  private final MetadataStore metadata;
  private final ModelInspector inspector;
  private final Clock clock;
  private final Map<String, FunctionRecord> functions = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  /**
   * Deploys hold it shared from artifact commit to record save, garbage collection exclusively, so
   * an artifact that two functions share is never collected between one's commit and its record.
   */
  private final ReadWriteLock artifactLock = new ReentrantReadWriteLock();
  private final List<StoreProblem> problems = new CopyOnWriteArrayList<>();
  private final List<Consumer<String>> changeListeners = new CopyOnWriteArrayList<>();
  private volatile Consumer<String> artifactCommitted = sha256 -> { };
  private final int maxFunctions;
  private final int maxVersions;
  private final RecordReplication replication;
  /** Each name's revision as this node last stored it, deleted names included. */
  private final Map<String, Long> revisions = new ConcurrentHashMap<>();

  public static final int DEFAULT_MAX_FUNCTIONS = 10_000;

  /** A registry that shares its records with nobody. */
  public FunctionRegistry(Path dataDir, Clock clock, int maxFunctions) throws IOException {
    this(dataDir, clock, maxFunctions, RecordReplication.inMemory());
  }

  /**
   * @param replication where records are shared with the other nodes: every change is a
   *     compare-and-set there first, then written to this node's disk
   */
  public FunctionRegistry(Path dataDir, Clock clock, int maxFunctions, RecordReplication replication)
      throws IOException {
    this(dataDir, clock, StoreLimits.DEFAULTS.withMaxFunctions(maxFunctions), replication);
  }

  /**
   * @param limits what the store accepts: functions, versions per function, declared tensor sizes
   * @param replication where records are shared with the other nodes
   */
  public FunctionRegistry(Path dataDir, Clock clock, StoreLimits limits, RecordReplication replication)
      throws IOException {
    this.artifacts = new ArtifactStore(dataDir);
    this.metadata = new MetadataStore(dataDir);
    this.clock = clock;
    this.maxFunctions = limits.maxFunctions();
    this.maxVersions = limits.maxVersions();
    this.inspector = new ModelInspector(limits.maxTensorElements(), limits.maxTensorBytes());
    this.replication = replication;
  }

  /** Reads the store: every intact function is served, every damaged file becomes a {@link StoreProblem}. */
  public void load() throws IOException {
    artifacts.cleanTemp();
    MetadataStore.Loaded loaded = metadata.loadAll();
    problems.clear();
    problems.addAll(loaded.problems());
    for (FunctionRecord record : loaded.records()) {
      for (FunctionVersion v : record.versions()) {
        if (!artifacts.contains(v.sha256())) {
          problems.add(new StoreProblem("artifacts/" + v.sha256() + ".onnx", record.name(),
              "artifact of version " + v.version() + " is missing"));
        }
      }
      functions.put(record.name(), record);
    }
    revisions.putAll(loaded.revisions());
    // Merge with the cluster: what this disk has that the cluster lacks goes up, what the cluster
    // has that is newer comes down. A full cluster restart thus loses nothing any node kept.
    for (FunctionRecord record : loaded.records()) {
      replication.putIfNewer(shared(record, revisions.getOrDefault(record.name(), 0L)));
    }
    for (String name : loaded.tombstones()) {
      replication.putIfNewer(new RecordReplication.Shared(name, revisions.get(name), true, "{}"));
    }
    for (RecordReplication.Shared doc : replication.all()) {
      applyShared(doc);
    }
  }

  /**
   * Takes a record another node changed, when it is newer than this node's copy: written to disk,
   * then served. Blocking (disk); call from a worker. Stale or repeated documents are ignored.
   */
  public void applyShared(RecordReplication.Shared doc) {
    boolean changed;
    synchronized (lock(doc.name())) {
      changed = doc.revision() > revisions.getOrDefault(doc.name(), 0L);
      if (changed) {
        try {
          if (doc.deleted()) {
            metadata.saveTombstone(doc.name(), doc.revision());
            functions.remove(doc.name());
          } else {
            FunctionRecord record = FunctionRecord.fromJson(new JsonObject(doc.json()));
            metadata.save(record, doc.revision());
            functions.put(doc.name(), record);
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot store function '" + doc.name() + "' from the cluster", e);
        }
        revisions.put(doc.name(), doc.revision());
        problems.removeIf(p -> doc.name().equals(p.function()) && p.path().startsWith("functions/"));
      }
    }
    if (changed) {
      notifyChange(doc.name());
    }
  }

  /**
   * Like {@link #get}, but a name this node does not know yet is looked up in the cluster first:
   * right after another node acknowledged a deploy, this node's event for it may still be on its
   * way. Blocking (cluster read, disk write); call from a worker.
   */
  public FunctionRecord getFresh(String name) {
    if (!functions.containsKey(name)) {
      replication.get(name).ifPresent(this::applyShared);
    }
    return get(name);
  }

  /** The revision of a function's record as this node holds it; 0 when it never had one. */
  public long revision(String name) {
    return revisions.getOrDefault(name, 0L);
  }

  public ArtifactStore artifacts() {
    return artifacts;
  }

  public List<StoreProblem> problems() {
    return List.copyOf(problems);
  }

  /**
   * Runs after a deploy's artifact is committed on this node and before its record is saved, with
   * the artifact's SHA-256; blocking. The cluster uses it to make the artifact durable on a second
   * node first. Throwing aborts the deploy, which then leaves no record.
   */
  public void beforeRecordSaved(Consumer<String> hook) {
    this.artifactCommitted = hook;
  }

  /** Called with a function's name after each change to it (deploy, config, delete). */
  public void onChange(Consumer<String> listener) {
    changeListeners.add(listener);
  }

  public List<FunctionRecord> list() {
    return functions.values().stream().sorted(Comparator.comparing(FunctionRecord::name)).toList();
  }

  public Optional<FunctionRecord> find(String name) {
    return Optional.ofNullable(functions.get(name));
  }

  /** @throws FunctionException NOT_FOUND (or UNAVAILABLE when its metadata is damaged) */
  public FunctionRecord get(String name) {
    FunctionRecord record = functions.get(name);
    if (record == null) {
      for (StoreProblem p : problems) {
        if (name.equals(p.function()) && p.path().startsWith("functions/")) {
          throw FunctionException.unavailable("function '" + name + "' cannot be served: " + p.message());
        }
      }
      throw FunctionException.notFound("function '" + name + "' does not exist");
    }
    return record;
  }

  /**
   * Deploys a model file as the next version of a function, creating the function if it is new.
   * Checks the model (structure, then a real ONNX Runtime load), moves it into the artifact store,
   * and persists the record. The upload file is consumed: moved or deleted.
   *
   * @param upload a fully written model file in {@link ArtifactStore#tempDir()}
   * @param config the function's config, replacing the current one; null keeps it (defaults for a new function)
   */
  public Deployed deploy(String name, Path upload, JsonObject config) {
    try {
      FunctionRecord.checkName(name);
      FunctionConfig newConfig = config == null ? null : FunctionConfig.fromJson(config);
      inspector.inspect(upload);
      Signature signature;
      try (ModelSession session = ModelSession.open(upload, SessionSettings.CPU)) {
        signature = session.signature();
      }
      String sha256 = Sha256.of(upload);
      long size = Files.size(upload);
      boolean saved = false;
      artifactLock.readLock().lock();
      try {
        artifacts.commit(upload, sha256);
        artifactCommitted.accept(sha256);
        Deployed deployed = saveNewVersion(name, newConfig, sha256, size, signature);
        saved = true;
        return deployed;
      } finally {
        artifactLock.readLock().unlock();
        if (!saved) {
          collectGarbage(Set.of(sha256)); // a refused version (limit, bad activeVersion) leaves no artifact
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("deploy of '" + name + "' failed writing the store", e);
    } finally {
      try {
        Files.deleteIfExists(upload);
      } catch (IOException ignored) {
        // cleanTemp() at the next start removes it
      }
    }
  }

  private Deployed saveNewVersion(String name, FunctionConfig newConfig, String sha256, long size,
                                  Signature signature) {
    boolean[] created = {false};
    FunctionRecord next = update(name, existing -> {
      if (existing == null) {
        damagedMetadata(name).ifPresent(p -> {
          // Starting over at version 1 would hand clients that cached "name v1" another model.
          throw FunctionException.unavailable("function '" + name + "' has damaged metadata (" + p.message()
              + "); restore the file or DELETE /v1/functions/" + name + " before deploying it again");
        });
      }
      if (existing == null && functions.size() >= maxFunctions) {
        throw FunctionException.conflict("the node already serves " + maxFunctions + " functions, its limit");
      }
      if (existing != null && existing.versions().size() >= maxVersions) {
        throw FunctionException.conflict("function '" + name + "' already holds " + maxVersions
            + " versions, its limit (--max-versions); delete old versions first");
      }
      created[0] = existing == null;
      FunctionRecord base = existing != null ? existing
          : FunctionRecord.create(name, clock.instant(), FunctionConfig.DEFAULTS);
      FunctionRecord withVersion = base.withNewVersion(sha256, size, clock.instant(), signature);
      // A config sent with a deploy replaces the function's config.
      return newConfig == null ? withVersion : withVersion.withConfig(newConfig);
    });
    return new Deployed(next, next.versions().get(next.versions().size() - 1), created[0]);
  }

  /** Replaces a function's config. */
  public FunctionRecord configure(String name, FunctionConfig config) {
    return update(name, existing -> existing(name, existing).withConfig(config));
  }

  // Garbage is collected after the function's lock is released: a deploy takes the artifact read lock
  // before the function's lock, so taking the artifact write lock while holding it could deadlock.

  public void deleteFunction(String name) {
    if (functions.get(name) == null && damagedMetadata(name).isPresent()) {
      // The operator gives up on a damaged record: a tombstone replaces it, and the problem is gone.
      update(name, existing -> null);
      return;
    }
    getFresh(name); // NOT_FOUND when there is nothing to delete, here or in the cluster
    Set<String> shas = new java.util.HashSet<>();
    update(name, existing -> {
      existing(name, existing).versions().forEach(v -> shas.add(v.sha256()));
      return null;
    });
    collectGarbage(shas);
  }

  public FunctionRecord deleteVersion(String name, int version) {
    String[] sha = {null};
    FunctionRecord next = update(name, existing -> {
      FunctionRecord current = existing(name, existing);
      sha[0] = current.version(version).orElseThrow(() ->
          FunctionException.notFound("function '" + name + "' has no version " + version)).sha256();
      return current.withoutVersion(version);
    });
    collectGarbage(Set.of(sha[0]));
    return next;
  }

  private Optional<StoreProblem> damagedMetadata(String name) {
    return problems.stream().filter(p -> name.equals(p.function()) && p.path().startsWith("functions/")).findFirst();
  }

  private static FunctionRecord existing(String name, FunctionRecord record) {
    if (record == null) {
      throw FunctionException.notFound("function '" + name + "' does not exist");
    }
    return record;
  }

  /**
   * Changes one function: reads the shared record, applies {@code change} (null result = delete),
   * and compare-and-sets it in the cluster, retrying when another node changed it first; then
   * writes it to this node's disk before returning, so the caller may acknowledge it. Writers on
   * this node queue on the name's lock; writers on different nodes race on the revision.
   */
  private FunctionRecord update(String name, java.util.function.UnaryOperator<FunctionRecord> change) {
    FunctionRecord.checkName(name);
    synchronized (lock(name)) {
      while (true) {
        Optional<RecordReplication.Shared> shared = replication.get(name);
        long revision = shared.map(RecordReplication.Shared::revision).orElse(0L);
        FunctionRecord current = shared.filter(d -> !d.deleted())
            .map(d -> FunctionRecord.fromJson(new JsonObject(d.json()))).orElse(null);
        FunctionRecord next = change.apply(current);
        RecordReplication.Shared doc = next == null
            ? new RecordReplication.Shared(name, revision + 1, true, "{}")
            : shared(next, revision + 1);
        if (replication.compareAndSet(name, revision, doc)) {
          applyShared(doc);
          return next;
        }
      }
    }
  }

  private static RecordReplication.Shared shared(FunctionRecord record, long revision) {
    return new RecordReplication.Shared(record.name(), revision, false, record.toJson().encode());
  }

  /** Deletes artifacts no version of any function refers to any more. */
  private void collectGarbage(Set<String> candidates) {
    artifactLock.writeLock().lock();
    try {
      deleteUnused(candidates);
    } finally {
      artifactLock.writeLock().unlock();
    }
  }

  private void deleteUnused(Set<String> candidates) {
    Set<String> inUse = functions.values().stream().flatMap(f -> f.versions().stream())
        .map(FunctionVersion::sha256).collect(Collectors.toSet());
    // This node's cache may lag the cluster: a version another node just deployed may share the bytes.
    for (RecordReplication.Shared doc : replication.all()) {
      if (!doc.deleted()) {
        FunctionRecord.fromJson(new JsonObject(doc.json())).versions().forEach(v -> inUse.add(v.sha256()));
      }
    }
    List<String> unused = new ArrayList<>(candidates);
    unused.removeAll(inUse);
    for (String sha : unused) {
      try {
        artifacts.delete(sha);
      } catch (IOException e) {
        // A leftover artifact costs disk, not correctness; the next delete that names it retries.
      }
    }
  }

  private Object lock(String name) {
    return locks.computeIfAbsent(name, n -> new Object());
  }

  private void notifyChange(String name) {
    for (Consumer<String> l : changeListeners) {
      l.accept(name);
    }
  }
}
