package io.zeroserve.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.scheduler.estimate.Ewma;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

  /** Returns once the writes {@code view} made in the background so far have been made. */
  protected void awaitBackgroundWrites(ClusterState view) {
  }

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

  // ---- devices ----

  @Test
  void when_nodeRegistersWithDevices_then_otherMembersSeeThem() {
    DeviceInfo cpu = new DeviceInfo("cpu", DeviceInfo.CPU, "host CPU", "cpu-16", 8L << 30, 4, false);
    DeviceInfo gpu = new DeviceInfo("gpu0", DeviceInfo.GPU, "NVIDIA H100 80GB HBM3", "h100", 80L << 30, 1, true);
    NodeInfo nodeB = new NodeInfo(b.localNodeId(), "127.0.0.1", 8081, 1_000, false, List.of(cpu, gpu));

    b.registerNode(nodeB);
    Await.until("a sees b's devices", () -> a.nodes().contains(nodeB));
    assertEquals(List.of(cpu, gpu), a.nodes().stream().filter(n -> n.nodeId().equals(b.localNodeId()))
        .findFirst().orElseThrow().devices());

    b.markLeaving(b.localNodeId());
    Await.until("leaving keeps the devices", () -> a.nodes().contains(nodeB.asLeaving()));
    assertEquals(List.of(cpu, gpu), nodeB.asLeaving().devices());
  }

  // ---- replica load ----

  @Test
  void when_onlyTheLoadChanges_then_theOwnerReadsItAtOnceAndOthersSoon() {
    String function = unique("fn");
    ReplicaLocation r = new ReplicaLocation(unique("r"), b.localNodeId(), function, 1, "READY", 5, "gpu0", 0,
        1L << 20, 0.5, 3);
    b.putReplica(r);
    Await.until("a finds it, with its rate and last use", () -> a.replicas(function, 1).contains(r));

    ReplicaLocation busy = r;
    for (int outstanding = 1; outstanding <= 20; outstanding++) {
      busy = busy.withLoad(outstanding, 5 + outstanding);
      b.putReplica(busy);
      assertEquals(List.of(busy), List.copyOf(b.replicas(function, 1)), "a node reads its own writes");
    }
    ReplicaLocation last = busy;
    Await.until("a sees the latest load", () -> a.replicas(function, 1).equals(List.of(last)));
    assertEquals(20, a.allReplicas().stream().filter(x -> x.replicaId().equals(r.replicaId()))
        .findFirst().orElseThrow().outstanding());
  }

  @Test
  void when_stateChangesRightAfterALoadChange_then_theStateWinsEverywhere() {
    String function = unique("fn");
    ReplicaLocation r = new ReplicaLocation(unique("r"), b.localNodeId(), function, 1, "READY", 5);
    b.putReplica(r);
    b.putReplica(r.withLoad(7, 6));
    ReplicaLocation draining = r.withLoad(7, 6).withState("DRAINING", 7);
    b.putReplica(draining);
    assertEquals(List.of(draining), List.copyOf(b.replicas(function, 1)));
    Await.until("a sees it draining", () -> a.replicas(function, 1).equals(List.of(draining)));

    ReplicaLocation other = new ReplicaLocation(unique("r"), b.localNodeId(), function, 2, "READY", 5);
    b.putReplica(other);
    b.putReplica(other.withLoad(3, 6));
    b.removeReplica(other.replicaId());
    assertTrue(b.replicas(function, 2).isEmpty());
    awaitBackgroundWrites(b);
    b.reconcile();
    assertTrue(b.replicas(function, 2).isEmpty(), "the load write did not bring the removed replica back");
    Await.until("a does not find the removed replica", () -> a.replicas(function, 2).isEmpty());
    assertEquals(List.of(draining), List.copyOf(a.replicas(function, 1)));
  }

  // ---- reservations ----

  @Test
  void when_reservationsWouldExceedCapacity_then_refusedAndNothingChanges() {
    String node = a.localNodeId();
    String device = unique("gpu");
    String key = DeviceReservations.key(node, device);

    assertTrue(a.reserve(node, device, 100, "r1", 60));
    assertFalse(b.reserve(node, device, 100, "r2", 41), "60 + 41 > 100");
    assertTrue(b.reserve(node, device, 100, "r2", 40), "60 + 40 = 100 fits");
    assertFalse(b.reserve(node, device, 100, "r3", 1));
    assertEquals(Map.of("r1", 60L, "r2", 40L), b.reservations(node, device));
    Await.until("both views show 100 reserved", () -> Long.valueOf(100).equals(a.reservedBytes().get(key))
        && Long.valueOf(100).equals(b.reservedBytes().get(key)));

    b.release(node, device, "r1");
    assertEquals(Map.of("r2", 40L), a.reservations(node, device));
    assertTrue(a.reserve(node, device, 100, "r3", 60));
    b.release(node, device, "r2");
    b.release(node, device, "r3");
    assertEquals(Map.of(), a.reservations(node, device));
    Await.until("a device without reservations leaves the view", () -> !a.reservedBytes().containsKey(key)
        && !b.reservedBytes().containsKey(key));
  }

  @Test
  void when_replicaReservesAgain_then_itsAmountIsReplacedIfItFits() {
    String node = b.localNodeId();
    String device = unique("gpu");
    assertTrue(a.reserve(node, device, 100, "r1", 30));
    assertTrue(b.reserve(node, device, 100, "r1", 30), "the same again");
    assertTrue(a.reserve(node, device, 100, "r2", 50));
    assertEquals(Map.of("r1", 30L, "r2", 50L), a.reservations(node, device));

    assertTrue(b.reserve(node, device, 100, "r1", 50), "50 + 50 fits, the 30 is replaced");
    assertEquals(Map.of("r1", 50L, "r2", 50L), a.reservations(node, device));
    assertFalse(b.reserve(node, device, 100, "r1", 51), "51 + 50 does not fit");
    assertEquals(Map.of("r1", 50L, "r2", 50L), a.reservations(node, device), "a refusal keeps the old amount");
    assertTrue(b.reserve(node, device, 100, "r1", 10), "shrinking fits");
    assertFalse(b.reserve(node, device, 40, "r3", 0), "a capacity below the held total refuses even 0");
    assertEquals(Map.of("r1", 10L, "r2", 50L), a.reservations(node, device));
  }

  @Test
  void when_releasingWhatIsNotHeld_then_nothingHappens() {
    String node = a.localNodeId();
    String device = unique("cpu");
    a.release(node, device, "nobody");
    assertTrue(a.reserve(node, device, 10, "r1", 10));
    b.release(node, device, "nobody");
    b.release(node, device, "r1");
    b.release(node, device, "r1");
    assertEquals(Map.of(), a.reservations(node, device));
    assertTrue(b.reserve(node, device, 10, "r2", 10));
  }

  @Test
  void when_reserveArgumentsAreBad_then_throwsNamingTheRule() {
    String node = a.localNodeId();
    assertEquals("bytes must be >= 0, was: -1", assertThrows(IllegalArgumentException.class,
        () -> a.reserve(node, "gpu0", 10, "r", -1)).getMessage());
    assertEquals("capacityBytes must be >= 0, was: -5", assertThrows(IllegalArgumentException.class,
        () -> a.reserve(node, "gpu0", -5, "r", 1)).getMessage());
    assertEquals("deviceId must not contain '/', was: 'a/b'", assertThrows(IllegalArgumentException.class,
        () -> a.reserve(node, "a/b", 10, "r", 1)).getMessage());
    assertEquals("replicaId must not be blank, was: ' '", assertThrows(IllegalArgumentException.class,
        () -> a.reserve(node, "gpu0", 10, " ", 1)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> a.release(" ", "gpu0", "r"));
  }

  @Test
  void when_reservationsBelongToANonMember_then_hiddenAndReconcileRemovesThem() {
    String ghost = unique("ghost");
    String live = a.localNodeId();
    String device = unique("gpu");
    assertTrue(a.reserve(ghost, device, 100, "r1", 10));
    assertTrue(a.reserve(live, device, 100, "r1", 10));
    Await.until("the live device shows", () -> b.reservedBytes().containsKey(DeviceReservations.key(live, device)));
    assertFalse(b.reservedBytes().containsKey(DeviceReservations.key(ghost, device)));

    a.reconcile();
    b.reconcile();
    a.reconcile();
    assertEquals(Map.of(), b.reservations(ghost, device));
    assertEquals(Map.of("r1", 10L), b.reservations(live, device));
  }

  @Test
  void when_threadsOnTwoMembersRaceForOneDevice_then_capacityIsNeverExceeded() throws Exception {
    String node = a.localNodeId();
    String device = unique("gpu");
    assertReservationsStayWithinCapacity(List.of(a, b), node, device, 4, 60);
  }

  /**
   * Threads (spread over {@code views}) reserve and release replicas of their own on one device, while a
   * checker reads the device's reservations; at the end the device holds exactly what the threads
   * believe they hold.
   */
  protected static void assertReservationsStayWithinCapacity(List<ClusterState> views, String node, String device,
                                                             int threadsPerView, int opsEach) throws Exception {
    long capacity = 1_000;
    int threads = views.size() * threadsPerView;
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicReference<String> violation = new AtomicReference<>();
    AtomicInteger checks = new AtomicInteger();
    AtomicInteger granted = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Map<String, Long>> believed = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      Future<?> checker = pool.submit(() -> {
        while (running.get()) {
          Map<String, Long> now = views.get(checks.get() % views.size()).reservations(node, device);
          long sum = now.values().stream().mapToLong(Long::longValue).sum();
          if (sum > capacity) {
            violation.compareAndSet(null, "reserved " + sum + " > " + capacity + ": " + now);
          }
          checks.incrementAndGet();
        }
        return null;
      });
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        ClusterState view = views.get(t % views.size());
        Map<String, Long> mine = new HashMap<>();
        believed.add(mine);
        String prefix = "t" + t + "-r";
        done.add(pool.submit(() -> {
          start.await();
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int i = 0; i < opsEach; i++) {
            String replica = prefix + random.nextInt(4);
            if (random.nextInt(3) == 0) {
              view.release(node, device, replica);
              mine.remove(replica);
            } else {
              long bytes = 50 + random.nextInt(250);
              if (view.reserve(node, device, capacity, replica, bytes)) {
                mine.put(replica, bytes);
                granted.incrementAndGet();
              } else {
                refused.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      running.set(false);
      checker.get(10, TimeUnit.SECONDS);
    } finally {
      running.set(false);
      pool.shutdownNow();
    }

    assertEquals(null, violation.get());
    assertTrue(checks.get() > 0, "the checker ran");
    assertTrue(refused.get() > 0, "the threads competed for the capacity: " + granted + " granted");
    Map<String, Long> expected = new HashMap<>();
    believed.forEach(expected::putAll);
    Map<String, Long> actual = views.get(0).reservations(node, device);
    assertEquals(expected, actual);
    assertTrue(actual.values().stream().mapToLong(Long::longValue).sum() <= capacity, actual.toString());
  }

  // ---- estimates ----

  @Test
  void when_twoMembersAddSamplesConcurrently_then_everySampleIsFoldedAndBothSeeIt() throws Exception {
    String key = unique("estimate");
    String untouched = unique("estimate");
    int batchesEach = 50;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier start = new CyclicBarrier(2);
      List<Future<?>> done = new ArrayList<>();
      for (ClusterState view : List.of(a, b)) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < batchesEach; i++) {
            view.addSamples(Map.of(key, new SampleBatch(2_000_000, 1 + i % 3)));
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
    long total = 0;
    for (int i = 0; i < batchesEach; i++) {
      total += 2L * (1 + i % 3);
    }
    long expected = total;
    for (ClusterState view : List.of(a, b)) {
      Await.until("every sample is folded and visible", () -> {
        Ewma ewma = view.estimates().get(key);
        return ewma != null && ewma.samples() == expected;
      });
      assertEquals(2_000_000, view.estimates().get(key).mean(), 1e-6);
    }
    assertFalse(a.estimates().containsKey(untouched));
  }

  @Test
  void when_batchesFoldInOrder_then_theSharedValueIsTheirEwma() {
    String key = unique("estimate");
    a.addSamples(Map.of(key, new SampleBatch(1_000, 4)));
    Await.until("b sees the first batch", () -> b.estimates().containsKey(key));
    b.addSamples(Map.of(key, new SampleBatch(9_000, 10)));
    Ewma expected = Ewma.EMPTY.addAll(1_000, 4, Ewma.DEFAULT_ALPHA).addAll(9_000, 10, Ewma.DEFAULT_ALPHA);
    Await.until("a sees both batches", () -> expected.equals(a.estimates().get(key)));
    Await.until("b sees both batches", () -> expected.equals(b.estimates().get(key)));
  }

  @Test
  void when_sampleBatchIsBad_then_throwsNamingTheRule() {
    assertEquals("count must be >= 1, was: 0", assertThrows(IllegalArgumentException.class,
        () -> new SampleBatch(1, 0)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SampleBatch(-1, 1));
    assertThrows(IllegalArgumentException.class, () -> new SampleBatch(Double.NaN, 1));
  }
}
