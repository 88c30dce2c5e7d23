package io.zeroserve.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ClusterState} promises, run against each implementation. {@code a} and {@code b}
 * are views from two different members of one cluster. Every test uses keys and ids of its own, so an
 * implementation may keep its members across tests.
 */
public abstract class ClusterStateContract {

  protected ClusterState a;
  protected ClusterState b;

  /** Two views, on two different members of one cluster. The test closes them. */
  protected abstract List<ClusterState> openTwoMembers();

  @BeforeEach
  void open() {
    List<ClusterState> views = openTwoMembers();
    a = views.get(0);
    b = views.get(1);
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  protected static String unique(String name) {
    return name + "-" + UUID.randomUUID();
  }

  // ---- documents ----

  @Test
  void when_revisionMatches_then_compareAndSetStores() {
    String key = unique("doc");
    VersionedDoc first = new VersionedDoc(key, 1, false, "{\"v\":1}");

    assertTrue(a.compareAndSet(key, VersionedDoc.ABSENT, first));
    assertTrue(b.compareAndSet(key, 1, first.next("{\"v\":2}")));

    assertEquals(Optional.of(first.next("{\"v\":2}")), a.get(key));
    assertEquals(Optional.of(first.next("{\"v\":2}")), b.get(key));
  }

  @Test
  void when_revisionDiffers_then_compareAndSetRefusesAndKeepsTheDoc() {
    String key = unique("doc");
    VersionedDoc first = new VersionedDoc(key, 1, false, "{\"v\":1}");
    assertTrue(a.compareAndSet(key, 0, first));

    assertFalse(b.compareAndSet(key, 0, new VersionedDoc(key, 1, false, "{\"lost\":true}")), "key exists");
    assertFalse(b.compareAndSet(key, 2, new VersionedDoc(key, 3, false, "{\"lost\":true}")), "ahead");

    assertEquals(Optional.of(first), a.get(key));
  }

  @Test
  void when_keyIsAbsent_then_compareAndSetFromANonZeroRevisionFails() {
    String key = unique("absent");
    assertFalse(a.compareAndSet(key, 1, new VersionedDoc(key, 2, false, "{}")));
    assertEquals(Optional.empty(), b.get(key));
  }

  @Test
  void when_argumentsAreInconsistent_then_compareAndSetThrowsNamingTheRule() {
    String key = unique("doc");
    IllegalArgumentException notNewer = assertThrows(IllegalArgumentException.class,
        () -> a.compareAndSet(key, 3, new VersionedDoc(key, 3, false, "{}")));
    assertEquals("next.revision must be > expectedRevision 3, was: 3", notNewer.getMessage());
    IllegalArgumentException otherKey = assertThrows(IllegalArgumentException.class,
        () -> a.compareAndSet(key, 0, new VersionedDoc("other", 1, false, "{}")));
    assertTrue(otherKey.getMessage().startsWith("next.key must equal key"), otherKey.getMessage());
    assertEquals(Optional.empty(), a.get(key));
  }

  @Test
  void when_putIfNewerIsStaleOrEqual_then_ignored() {
    String key = unique("doc");
    VersionedDoc third = new VersionedDoc(key, 3, false, "{\"v\":3}");
    assertTrue(a.putIfNewer(third));

    assertFalse(b.putIfNewer(new VersionedDoc(key, 2, false, "{\"v\":2}")));
    assertFalse(b.putIfNewer(new VersionedDoc(key, 3, false, "{\"other\":3}")));
    assertEquals(Optional.of(third), b.get(key));

    assertTrue(b.putIfNewer(third.next("{\"v\":4}")));
    assertEquals(4, a.get(key).orElseThrow().revision());
  }

  @Test
  void when_docIsTombstoned_then_olderRevisionsCannotComeBack() {
    String key = unique("doc");
    VersionedDoc live = new VersionedDoc(key, 1, false, "{\"v\":1}");
    assertTrue(a.compareAndSet(key, 0, live));
    VersionedDoc tombstone = live.nextTombstone();
    assertTrue(a.compareAndSet(key, 1, tombstone));

    // A node that missed the delete publishes what it kept.
    assertFalse(b.putIfNewer(live));
    assertFalse(b.compareAndSet(key, 0, live), "a tombstone counts as present");
    assertEquals(Optional.of(tombstone), b.get(key));
    assertTrue(b.all().contains(tombstone), "all() includes tombstones");

    // Re-creating the document is a newer revision on top of the tombstone.
    assertTrue(b.compareAndSet(key, 2, tombstone.next("{\"v\":3}")));
    assertFalse(a.get(key).orElseThrow().deleted());
  }

  @Test
  void when_eightThreadsRaceCompareAndSet_then_noIncrementIsLost() throws Exception {
    String key = unique("counter");
    assertTrue(a.compareAndSet(key, 0, new VersionedDoc(key, 1, false, "[]")));
    int threads = 8;
    int appendsEach = 10;
    AtomicInteger successes = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        ClusterState view = id % 2 == 0 ? a : b;
        done.add(pool.submit(() -> {
          start.await();
          int appended = 0;
          while (appended < appendsEach) {
            VersionedDoc current = view.get(key).orElseThrow();
            if (view.compareAndSet(key, current.revision(), current.next(append(current.json(), id)))) {
              appended++;
              successes.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    VersionedDoc end = b.get(key).orElseThrow();
    assertEquals(threads * appendsEach, successes.get());
    assertEquals(1 + successes.get(), end.revision());
    Map<String, Long> perThread = Arrays.stream(end.json().replaceAll("[\\[\\]]", "").split(","))
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    assertEquals(threads, perThread.size(), end.json());
    perThread.values().forEach(n -> assertEquals(appendsEach, n, end.json()));
  }

  private static String append(String jsonArray, int id) {
    return jsonArray.equals("[]") ? "[" + id + "]" : jsonArray.substring(0, jsonArray.length() - 1) + "," + id + "]";
  }

  @Test
  void when_docChanges_then_listenersOnBothMembersFire() {
    String key = unique("doc");
    Collection<VersionedDoc> seenOnA = new ConcurrentLinkedQueue<>();
    Collection<VersionedDoc> seenOnB = new ConcurrentLinkedQueue<>();
    a.onDocChanged(doc -> {
      if (doc.key().equals(key)) {
        seenOnA.add(doc);
      }
    });
    b.onDocChanged(doc -> {
      if (doc.key().equals(key)) {
        seenOnB.add(doc);
      }
    });

    VersionedDoc first = new VersionedDoc(key, 1, false, "{}");
    assertTrue(a.compareAndSet(key, 0, first));
    Await.until("local listener sees the write", () -> seenOnA.contains(first));
    Await.until("remote listener sees the write", () -> seenOnB.contains(first));

    VersionedDoc second = first.next("{\"v\":2}");
    assertTrue(b.putIfNewer(second));
    Await.until("remote listener sees putIfNewer", () -> seenOnA.contains(second));
    Await.until("local listener sees putIfNewer", () -> seenOnB.contains(second));

    VersionedDoc stale = new VersionedDoc(key, 1, false, "{\"stale\":true}");
    assertFalse(b.putIfNewer(stale));
    assertFalse(a.compareAndSet(key, 1, stale.next("{\"stale\":true}")));
    assertTrue(a.compareAndSet(key, 2, second.nextTombstone()));
    Await.until("the tombstone reaches both", () -> seenOnA.contains(second.nextTombstone())
        && seenOnB.contains(second.nextTombstone()));
    // Events of one key arrive in order, so a refused write would have shown up by now.
    assertTrue(seenOnA.stream().noneMatch(d -> d.json().contains("stale")), "refused writes fire nothing");
    assertTrue(seenOnB.stream().noneMatch(d -> d.json().contains("stale")), "refused writes fire nothing");
  }

  // ---- nodes ----

  @Test
  void when_nodeRegistersAndLeaves_then_otherMembersSeeItAndAreNotified() {
    AtomicInteger notified = new AtomicInteger();
    a.onMembershipChanged(notified::incrementAndGet);
    NodeInfo nodeB = new NodeInfo(b.localNodeId(), "127.0.0.1", 8081, 1_000, false);

    b.registerNode(nodeB);
    Await.until("a sees b's entry", () -> a.nodes().contains(nodeB));
    Await.until("a is notified", () -> notified.get() > 0);
    assertTrue(b.nodes().contains(nodeB));

    int before = notified.get();
    b.markLeaving(b.localNodeId());
    Await.until("a sees b leaving", () -> a.nodes().contains(nodeB.asLeaving()));
    Await.until("a is notified again", () -> notified.get() > before);
  }

  @Test
  void when_nodeIsNotAMember_then_itsEntryIsHidden() {
    String ghost = unique("ghost");
    a.registerNode(new NodeInfo(ghost, "127.0.0.1", 8089, 1_000, false));
    NodeInfo nodeA = new NodeInfo(a.localNodeId(), "127.0.0.1", 8080, 1_000, false);
    a.registerNode(nodeA);

    Await.until("b sees a", () -> b.nodes().contains(nodeA));
    assertTrue(a.nodes().stream().noneMatch(n -> n.nodeId().equals(ghost)));
    assertTrue(b.nodes().stream().noneMatch(n -> n.nodeId().equals(ghost)));
  }

  // ---- replicas ----

  @Test
  void when_replicaIsPublished_then_everyMemberFindsItByFunctionVersion() {
    String function = unique("fn");
    ReplicaLocation r1 = new ReplicaLocation(unique("r"), b.localNodeId(), function, 1, "READY", 5);
    ReplicaLocation r2 = new ReplicaLocation(unique("r"), b.localNodeId(), function, 2, "LOADING", 5);

    b.putReplica(r1);
    b.putReplica(r2);
    assertEquals(List.of(r1), List.copyOf(b.replicas(function, 1)), "a node reads its own writes");
    Await.until("a finds both versions", () -> a.replicas(function, 1).contains(r1)
        && a.replicas(function, 2).contains(r2));
    assertEquals(1, a.replicas(function, 1).size());
    assertTrue(a.allReplicas().containsAll(List.of(r1, r2)));
    assertEquals(List.of(), List.copyOf(a.replicas(function, 3)));

    ReplicaLocation draining = new ReplicaLocation(r1.replicaId(), r1.nodeId(), function, 1, "DRAINING", 6);
    b.putReplica(draining);
    Await.until("a sees the new state", () -> a.replicas(function, 1).equals(List.of(draining)));

    b.removeReplica(r1.replicaId());
    assertTrue(b.replicas(function, 1).isEmpty());
    Await.until("a no longer finds it", () -> a.replicas(function, 1).isEmpty());
    assertTrue(a.replicas(function, 2).contains(r2));
  }

  @Test
  void when_replicaNodeIsNotAMember_then_replicaIsHiddenAndReconcileKeepsLiveOnes() {
    String function = unique("fn");
    ReplicaLocation live = new ReplicaLocation(unique("r"), a.localNodeId(), function, 1, "READY", 5);
    ReplicaLocation ghost = new ReplicaLocation(unique("r"), unique("ghost"), function, 1, "READY", 5);
    a.putReplica(ghost);
    a.putReplica(live);

    assertEquals(List.of(live), List.copyOf(a.replicas(function, 1)));
    Await.until("b finds the live one", () -> b.replicas(function, 1).contains(live));
    assertEquals(List.of(live), List.copyOf(b.replicas(function, 1)));
    assertFalse(b.allReplicas().contains(ghost));

    a.reconcile();
    a.reconcile();
    b.reconcile();
    assertEquals(List.of(live), List.copyOf(a.replicas(function, 1)));
    assertEquals(List.of(live), List.copyOf(b.replicas(function, 1)));
  }

  @Test
  void localNodeIdsDifferAndAreStable() {
    assertFalse(a.localNodeId().isBlank());
    assertFalse(a.localNodeId().equals(b.localNodeId()));
    assertEquals(a.localNodeId(), a.localNodeId());
  }
}
