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
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.VersionedDoc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * {@link ClusterState} on a Hazelcast member configured by {@link HazelcastConfigs#forNode}; the node id is
 * the member's UUID. The structures and their writes belong to {@link ClusterMaps}; this class adds
 * what the interface promises on top: reads that leave out non-members, a local index of replicas by
 * function version, removal of departed members' entries, and listener dispatch.
 *
 * <p>Hazelcast's event threads only record what changed (the live member set, the replica index) and
 * hand everything else to one thread of this object's own, {@code zeroserve-cluster-events}: the
 * cleanup writes after a member leaves, and every call to a listener of ours. So listeners never run on
 * a Hazelcast thread, and they are called in the order events arrived.
 *
 * <p>Entries of a member that leaves or dies are removed by every survivor when the membership event
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
  private final ExecutorService events;
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
        replicaIndex.rebuild(maps.replicaEntries());
      }
    });
    deregistrations.add(() -> maps.replicas().removeEntryListener(replicas));

    // After the listeners, so that no change falls between the first read and the first event.
    refreshLiveMembers();
    replicaIndex.rebuild(maps.replicaEntries());
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
    maps.putReplica(replica);
    refreshReplica(replica.replicaId());
  }

  @Override
  public void removeReplica(String replicaId) {
    Objects.requireNonNull(replicaId, "replicaId cannot be null");
    maps.removeReplica(replicaId);
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
      Set<String> confirmed = new HashSet<>(orphans);
      confirmed.retainAll(orphanSuspects);
      orphans.removeAll(confirmed);
      orphanSuspects = Set.copyOf(orphans);
      for (String nodeId : confirmed) {
        LOG.fine(() -> "removing the entries of departed node " + nodeId);
        maps.removeEntriesOf(nodeId);
      }
      replicaIndex.rebuild(maps.replicaEntries());
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

  /** Sets the index entry to what the local copy holds now: updates may arrive in any order. */
  private void refreshReplica(String replicaId) {
    replicaIndex.set(replicaId, maps.replica(replicaId));
  }

  private void removeEntriesOf(String nodeId) {
    try {
      maps.removeEntriesOf(nodeId);
      replicaIndex.rebuild(maps.replicaEntries());
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
