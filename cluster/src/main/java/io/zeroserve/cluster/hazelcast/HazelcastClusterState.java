package io.zeroserve.cluster.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryAdapter;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.DeviceReservations;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.SampleBatch;
import io.zeroserve.cluster.VersionedDoc;
import io.zeroserve.scheduler.estimate.Ewma;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * {@link ClusterState} on a Hazelcast member configured by {@link HazelcastConfigs#forNode}; the node id is
 * the member's UUID. The structures and their writes belong to {@link ClusterMaps}; this class adds
 * what the interface promises on top: reads that leave out non-members, a local index of replicas by
 * function version, local views of reservation totals and of estimates, lazy publication of replica load,
 * removal of departed members' entries, and listener dispatch.
 *
 * <p>The local views of reservations and estimates follow entry listeners (with values: each event
 * carries the entry after the change, and events of one key arrive in order), and {@link #reconcile()}
 * rebuilds them. A listener, not a near cache, because readers want every key at once and a near cache
 * only serves keys asked for one by one; and not a periodic re-read, because a re-read of every
 * estimate by every member each second costs more than the events and shows changes later.
 *
 * <p>A replica entry whose load alone changed ({@link ReplicaLocation#differsOnlyInLoad}) is written by one
 * thread of this object's own, {@code zeroserve-cluster-load}, latest value wins: the owner's caller does
 * not wait for the replicated map's round trip to the key's owner. Every write of a replica entry holds
 * {@code replicaWrites}, and a blocking write or a removal first drops the pending load write, so a stale
 * load write never overtakes a newer state or a removal. Until the load write lands, this member's reads
 * show the pending entry.
 *
 * <p>Hazelcast's event threads only record what changed (the live member set, the replica index, the
 * views of reservations and estimates) and
 * hand everything else to one thread of this object's own, {@code zeroserve-cluster-events}: the
 * cleanup writes after a member leaves, and every call to a listener of ours. So listeners never run on
 * a Hazelcast thread, and they are called in the order events arrived.
 *
 * <p>Entries of a member that leaves or dies (node, replicas, reservations) are removed by every survivor when the membership event
 * arrives (the removals are idempotent). {@link #reconcile()} catches what lost events left: an entry
 * whose node is not a member in two consecutive passes is removed. Two, because a member that just
 * joined can write its entries here a moment before this member learns that it joined.
 *
 * <p>The caller owns the {@link HazelcastInstance}: {@link #close()} stops listening, it does not
 * shut the member down.
 */
public final class HazelcastClusterState implements ClusterState {

  private static final Logger LOG = Logger.getLogger(HazelcastClusterState.class.getName());

  private final HazelcastInstance hazelcast;
  private final ClusterMaps maps;
  private final ReplicaIndex replicaIndex = new ReplicaIndex();
  /** Replica entries whose load changed and that the load thread has yet to write, by replica id. */
  private final ConcurrentHashMap<String, ReplicaLocation> pendingLoad = new ConcurrentHashMap<>();
  private final Object replicaWrites = new Object();
  /** Every device's reservations as the last event or rebuild showed them, by device key. */
  private final ConcurrentHashMap<String, DeviceReservations> reservationView = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Ewma> estimateView = new ConcurrentHashMap<>();
  private final Map<String, Ewma> estimatesReadOnly = Collections.unmodifiableMap(estimateView);
  private final ExecutorService events;
  private final ExecutorService loadWrites;
  private final CopyOnWriteArrayList<Consumer<VersionedDoc>> docListeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Runnable> membershipListeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> deregistrations = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object reconcileLock = new Object();
  /** Node ids without membership in the last reconcile pass; guarded by reconcileLock. */
  private Set<String> orphanSuspects = Set.of();
  private volatile Set<String> liveMembers = Set.of();

  public HazelcastClusterState(HazelcastInstance hazelcast) {
    this.hazelcast = Objects.requireNonNull(hazelcast, "hazelcast cannot be null");
    this.maps = new ClusterMaps(hazelcast);
    this.events = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, "zeroserve-cluster-events");
      thread.setDaemon(true);
      return thread;
    });
    this.loadWrites = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, "zeroserve-cluster-load");
      thread.setDaemon(true);
      return thread;
    });

    UUID membership = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        refreshLiveMembers();
        dispatch(HazelcastClusterState.this::fireMembershipChanged);
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        refreshLiveMembers();
        String departed = event.getMember().getUuid().toString();
        dispatch(() -> {
          removeEntriesOf(departed);
          fireMembershipChanged();
        });
      }
    });
    deregistrations.add(() -> hazelcast.getCluster().removeMembershipListener(membership));

    UUID lifecycle = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleState.MERGED) {
        // This member was cut off and has rejoined, possibly under a new UUID.
        refreshLiveMembers();
        dispatch(this::fireMembershipChanged);
      }
    });
    deregistrations.add(() -> hazelcast.getLifecycleService().removeLifecycleListener(lifecycle));

    UUID docs = maps.functions().addEntryListener(new DocListener(), true);
    deregistrations.add(() -> maps.functions().removeEntryListener(docs));

    UUID nodes = maps.nodes().addEntryListener(new EntryAdapter<String, NodeInfo>() {
      @Override
      public void onEntryEvent(EntryEvent<String, NodeInfo> event) {
        dispatch(HazelcastClusterState.this::fireMembershipChanged);
      }
    });
    deregistrations.add(() -> maps.nodes().removeEntryListener(nodes));

    UUID replicas = maps.replicas().addEntryListener(new EntryAdapter<String, ReplicaLocation>() {
      @Override
      public void onEntryEvent(EntryEvent<String, ReplicaLocation> event) {
        refreshReplica(event.getKey());
      }

      @Override
      public void onMapEvent(MapEvent event) {
        rebuildReplicaIndex();
      }
    });
    deregistrations.add(() -> maps.replicas().removeEntryListener(replicas));

    UUID reservations = maps.reservations().addEntryListener(
        new ViewListener<DeviceReservations>(reservationView, (held, incoming) -> incoming), true);
    deregistrations.add(() -> maps.reservations().removeEntryListener(reservations));

    UUID estimates = maps.estimates().addEntryListener(
        new ViewListener<Ewma>(estimateView, HazelcastClusterState::laterEstimate), true);
    deregistrations.add(() -> maps.estimates().removeEntryListener(estimates));

    // After the listeners, so that no change falls between the first read and the first event.
    refreshLiveMembers();
    replicaIndex.rebuild(maps.replicaEntries());
    rebuildReservationView(maps.reservationEntries());
    rebuildEstimateView(maps.estimateEntries());
  }

  @Override
  public String localNodeId() {
    return hazelcast.getCluster().getLocalMember().getUuid().toString();
  }

  // ---- documents ----

  @Override
  public Optional<VersionedDoc> get(String key) {
    Objects.requireNonNull(key, "key cannot be null");
    return Optional.ofNullable(maps.doc(key));
  }

  @Override
  public Collection<VersionedDoc> all() {
    return maps.docs();
  }

  @Override
  public boolean compareAndSet(String key, long expectedRevision, VersionedDoc next) {
    VersionedDoc.checkCompareAndSet(key, expectedRevision, next);
    return maps.compareAndSet(key, expectedRevision, next);
  }

  @Override
  public boolean putIfNewer(VersionedDoc doc) {
    Objects.requireNonNull(doc, "doc cannot be null");
    return maps.putIfNewer(doc);
  }

  @Override
  public void onDocChanged(Consumer<VersionedDoc> listener) {
    docListeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
  }

  // ---- nodes ----

  @Override
  public void registerNode(NodeInfo node) {
    Objects.requireNonNull(node, "node cannot be null");
    maps.putNode(node);
  }

  @Override
  public void markLeaving(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId cannot be null");
    // Only the node itself writes its entry, so this read-modify-write does not race another writer.
    NodeInfo node = maps.node(nodeId);
    if (node != null && !node.leaving()) {
      maps.putNode(node.asLeaving());
    }
  }

  @Override
  public Collection<NodeInfo> nodes() {
    Set<String> live = liveMembers;
    return maps.nodeEntries().stream().filter(n -> live.contains(n.nodeId())).toList();
  }

  @Override
  public void onMembershipChanged(Runnable listener) {
    membershipListeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
  }

  // ---- replica directory ----

  @Override
  public void putReplica(ReplicaLocation replica) {
    Objects.requireNonNull(replica, "replica cannot be null");
    String replicaId = replica.replicaId();
    ReplicaLocation pending = pendingLoad.get(replicaId);
    ReplicaLocation last = pending != null ? pending : maps.replica(replicaId);
    if (replica.differsOnlyInLoad(last) && !closed.get()) {
      if (pendingLoad.put(replicaId, replica) == null) {
        scheduleLoadWrite(replicaId);
      }
      refreshReplica(replicaId);
      return;
    }
    synchronized (replicaWrites) {
      pendingLoad.remove(replicaId);
      maps.putReplica(replica);
    }
    refreshReplica(replicaId);
  }

  @Override
  public void removeReplica(String replicaId) {
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    synchronized (replicaWrites) {
      pendingLoad.remove(replicaId);
      maps.removeReplica(replicaId);
    }
    refreshReplica(replicaId);
  }

  @Override
  public Collection<ReplicaLocation> replicas(String function, int version) {
    Objects.requireNonNull(function, "function cannot be null");
    Set<String> live = liveMembers;
    return replicaIndex.of(function, version, r -> live.contains(r.nodeId()));
  }

  @Override
  public Collection<ReplicaLocation> allReplicas() {
    Set<String> live = liveMembers;
    return replicaIndex.all(r -> live.contains(r.nodeId()));
  }

  // ---- reservations ----

  @Override
  public boolean reserve(String nodeId, String deviceId, long capacityBytes, String replicaId, long bytes) {
    DeviceReservations.key(nodeId, deviceId);
    DeviceReservations.checkReserve(capacityBytes, replicaId, bytes);
    return maps.reserve(nodeId, deviceId, capacityBytes, replicaId, bytes);
  }

  @Override
  public void release(String nodeId, String deviceId, String replicaId) {
    DeviceReservations.key(nodeId, deviceId);
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    maps.release(nodeId, deviceId, replicaId);
  }

  @Override
  public Map<String, Long> reservedBytes() {
    Set<String> live = liveMembers;
    Map<String, Long> bytes = new HashMap<>();
    for (DeviceReservations device : reservationView.values()) {
      if (live.contains(device.nodeId())) {
        bytes.put(device.key(), device.totalBytes());
      }
    }
    return bytes;
  }

  @Override
  public Map<String, Long> reservations(String nodeId, String deviceId) {
    DeviceReservations device = maps.reservations(nodeId, deviceId);
    return device == null ? Map.of() : device.bytesByReplica();
  }

  // ---- estimates ----

  @Override
  public void addSamples(Map<String, SampleBatch> batches) {
    Objects.requireNonNull(batches, "batches cannot be null");
    batches.forEach((key, batch) -> {
      Objects.requireNonNull(key, "batches cannot hold a null key");
      Objects.requireNonNull(batch, "batches cannot hold a null batch, key: " + key);
    });
    batches.forEach((key, batch) -> maps.fold(key, batch.meanNanos(), batch.count())
        .whenComplete((ignored, failure) -> {
          if (failure != null) {
            LOG.log(Level.FINE, "cannot fold samples into " + key + "; they are dropped", failure);
          }
        }));
  }

  /** A read-only view of the local copy: it changes as updates arrive; copy it for a snapshot. */
  @Override
  public Map<String, Ewma> estimates() {
    return estimatesReadOnly;
  }

  @Override
  public void reconcile() {
    synchronized (reconcileLock) {
      Set<String> live = refreshLiveMembers();
      Set<String> orphans = new HashSet<>();
      for (NodeInfo node : maps.nodeEntries()) {
        if (!live.contains(node.nodeId())) {
          orphans.add(node.nodeId());
        }
      }
      for (ReplicaLocation replica : maps.replicaEntries()) {
        if (!live.contains(replica.nodeId())) {
          orphans.add(replica.nodeId());
        }
      }
      Collection<DeviceReservations> reservations = maps.reservationEntries();
      for (DeviceReservations device : reservations) {
        if (!live.contains(device.nodeId())) {
          orphans.add(device.nodeId());
        }
      }
      Set<String> confirmed = new HashSet<>(orphans);
      confirmed.retainAll(orphanSuspects);
      orphans.removeAll(confirmed);
      orphanSuspects = Set.copyOf(orphans);
      for (String nodeId : confirmed) {
        LOG.fine(() -> "removing the entries of departed node " + nodeId);
        maps.removeEntriesOf(nodeId);
      }
      rebuildReplicaIndex();
      rebuildReservationView(confirmed.isEmpty() ? reservations : maps.reservationEntries());
      rebuildEstimateView(maps.estimateEntries());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (hazelcast.getLifecycleService().isRunning()) {
      for (Runnable deregistration : deregistrations) {
        try {
          deregistration.run();
        } catch (RuntimeException e) {
          LOG.log(Level.FINE, "cannot remove a listener; the member is stopping", e);
        }
      }
    }
    events.shutdownNow();
    loadWrites.shutdownNow();
    pendingLoad.clear();
    docListeners.clear();
    membershipListeners.clear();
  }

  // ---- internals ----

  private Set<String> refreshLiveMembers() {
    Set<String> live = hazelcast.getCluster().getMembers().stream()
        .map(Member::getUuid)
        .map(UUID::toString)
        .collect(Collectors.toUnmodifiableSet());
    liveMembers = live;
    return live;
  }

  /**
   * Sets the index entry to what this member last wrote and has yet to send, else to what the local copy
   * holds now: updates may arrive in any order.
   */
  private void refreshReplica(String replicaId) {
    ReplicaLocation pending = pendingLoad.get(replicaId);
    replicaIndex.set(replicaId, pending != null ? pending : maps.replica(replicaId));
  }

  private void rebuildReplicaIndex() {
    List<ReplicaLocation> entries = new ArrayList<>();
    for (ReplicaLocation replica : maps.replicaEntries()) {
      entries.add(pendingLoad.getOrDefault(replica.replicaId(), replica));
    }
    replicaIndex.rebuild(entries);
  }

  /** Returns once no load write is pending (tests): it waits for the writes scheduled so far, repeatedly. */
  void awaitLoadWrites() {
    do {
      try {
        loadWrites.submit(() -> { }).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | RejectedExecutionException e) {
        return;
      }
    } while (!pendingLoad.isEmpty());
  }

  private void scheduleLoadWrite(String replicaId) {
    try {
      loadWrites.execute(() -> writeLoad(replicaId));
    } catch (RejectedExecutionException e) {
      // closed meanwhile: load is a hint, and the node is going away
    }
  }

  /** Writes the pending load of {@code replicaId}, unless a blocking write or a removal took it. */
  private void writeLoad(String replicaId) {
    ReplicaLocation written = null;
    try {
      synchronized (replicaWrites) {
        written = pendingLoad.get(replicaId);
        if (written != null) {
          maps.putReplica(written);
        }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "cannot publish the load of replica " + replicaId + "; a later write will", e);
    } finally {
      // A newer value that arrived meanwhile found a pending entry and scheduled nothing: write it too.
      if (written != null && !pendingLoad.remove(replicaId, written)) {
        scheduleLoadWrite(replicaId);
      }
    }
    refreshReplica(replicaId);
  }

  private void rebuildReservationView(Collection<DeviceReservations> entries) {
    Map<String, DeviceReservations> byKey = new HashMap<>();
    for (DeviceReservations device : entries) {
      byKey.put(device.key(), device);
    }
    reservationView.keySet().retainAll(byKey.keySet());
    reservationView.putAll(byKey);
  }

  private void rebuildEstimateView(Map<String, Ewma> entries) {
    estimateView.keySet().retainAll(entries.keySet());
    entries.forEach((key, ewma) -> estimateView.merge(key, ewma, HazelcastClusterState::laterEstimate));
  }

  /**
   * Of two values of one estimate, the later fold: the one with more samples (every fold adds some). So
   * the view never goes back when a rebuild's read and an event cross.
   */
  private static Ewma laterEstimate(Ewma held, Ewma incoming) {
    return incoming.samples() >= held.samples() ? incoming : held;
  }

  private void removeEntriesOf(String nodeId) {
    try {
      maps.removeEntriesOf(nodeId);
      rebuildReplicaIndex();
    } catch (RuntimeException e) {
      // The member is stopping, or the cluster is in flux: reconcile() will finish the job.
      LOG.log(Level.FINE, "cannot remove the entries of departed node " + nodeId, e);
    }
  }

  private void dispatch(Runnable task) {
    if (closed.get()) {
      return;
    }
    try {
      events.execute(task);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void fireDocChanged(VersionedDoc doc) {
    for (Consumer<VersionedDoc> listener : docListeners) {
      try {
        listener.accept(doc);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a document listener failed on " + doc.key(), e);
      }
    }
  }

  private void fireMembershipChanged() {
    for (Runnable listener : membershipListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a membership listener failed", e);
      }
    }
  }

  /**
   * Keeps {@code view} equal to an IMap's entries: each event carries the entry's value after the change
   * (the listener is added with values), and events of one key arrive in order. {@code keep} chooses
   * between the held value and an event's, for a view that a rebuild may have moved ahead of its events.
   * Runs on Hazelcast's event threads, and only touches the view.
   */
  private static final class ViewListener<V> implements EntryAddedListener<String, V>,
      EntryUpdatedListener<String, V>, EntryMergedListener<String, V>, EntryRemovedListener<String, V>,
      EntryEvictedListener<String, V>, EntryExpiredListener<String, V>, MapClearedListener {

    private final ConcurrentHashMap<String, V> view;
    private final BinaryOperator<V> keep;

    ViewListener(ConcurrentHashMap<String, V> view, BinaryOperator<V> keep) {
      this.view = view;
      this.keep = keep;
    }

    @Override
    public void entryAdded(EntryEvent<String, V> event) {
      set(event);
    }

    @Override
    public void entryUpdated(EntryEvent<String, V> event) {
      set(event);
    }

    @Override
    public void entryMerged(EntryEvent<String, V> event) {
      set(event);
    }

    @Override
    public void entryRemoved(EntryEvent<String, V> event) {
      view.remove(event.getKey());
    }

    @Override
    public void entryEvicted(EntryEvent<String, V> event) {
      view.remove(event.getKey());
    }

    @Override
    public void entryExpired(EntryEvent<String, V> event) {
      view.remove(event.getKey());
    }

    @Override
    public void mapCleared(MapEvent event) {
      view.clear();
    }

    private void set(EntryEvent<String, V> event) {
      V value = event.getValue();
      if (value == null) {
        view.remove(event.getKey());
      } else {
        view.merge(event.getKey(), value, keep);
      }
    }
  }

  private final class DocListener implements EntryAddedListener<String, VersionedDoc>,
      EntryUpdatedListener<String, VersionedDoc>, EntryMergedListener<String, VersionedDoc> {

    @Override
    public void entryAdded(EntryEvent<String, VersionedDoc> event) {
      changed(event);
    }

    @Override
    public void entryUpdated(EntryEvent<String, VersionedDoc> event) {
      changed(event);
    }

    @Override
    public void entryMerged(EntryEvent<String, VersionedDoc> event) {
      changed(event);
    }

    private void changed(EntryEvent<String, VersionedDoc> event) {
      VersionedDoc doc = event.getValue();
      if (doc != null) {
        dispatch(() -> fireDocChanged(doc));
      }
    }
  }
}
