package io.zeroserve.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.impl.SerializationConstants;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import io.zeroserve.cluster.Await;
import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.ClusterStateContract;
import io.zeroserve.cluster.DeviceInfo;
import io.zeroserve.cluster.DeviceReservations;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.VersionedDoc;
import io.zeroserve.scheduler.estimate.Ewma;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on two real members kept for the whole class, then what only a real cluster shows:
 * joining late, members dying, backups. Those tests start clusters of their own.
 */
class HazelcastClusterStateTest extends ClusterStateContract {

  private static Members shared;
  private static HazelcastInstance first;
  private static HazelcastInstance second;

  @BeforeAll
  static void startSharedMembers() {
    shared = new Members();
    first = shared.start();
    second = shared.start();
  }

  @AfterAll
  static void stopSharedMembers() {
    shared.close();
  }

  @Override
  protected List<ClusterState> openTwoMembers() {
    return List.of(new HazelcastClusterState(first), new HazelcastClusterState(second));
  }

  @Override
  protected void awaitBackgroundWrites(ClusterState view) {
    ((HazelcastClusterState) view).awaitLoadWrites();
  }

  @Test
  void nodeIdIsTheMemberUuid() {
    assertEquals(first.getCluster().getLocalMember().getUuid().toString(), a.localNodeId());
  }

  @Test
  void when_docWrittenOnA_then_visibleOnC_and_aLateJoinerSeesEveryDoc() {
    try (Members members = new Members()) {
      HazelcastInstance memberA = members.start();
      members.start();
      ClusterState onA = new HazelcastClusterState(memberA);
      List<VersionedDoc> docs = IntStream.range(0, 30)
          .mapToObj(i -> new VersionedDoc("fn-" + i, 1, false, "{\"i\":" + i + "}")).toList();
      docs.forEach(doc -> assertTrue(onA.compareAndSet(doc.key(), 0, doc)));

      HazelcastInstance memberC = members.start();
      ClusterState onC = new HazelcastClusterState(memberC);
      assertEquals(3, memberC.getCluster().getMembers().size());
      for (VersionedDoc doc : docs) {
        assertEquals(doc, onC.get(doc.key()).orElseThrow());
      }
      assertEquals(Set.copyOf(docs), Set.copyOf(onC.all()));

      VersionedDoc fromC = docs.get(0).next("{\"from\":\"c\"}");
      assertTrue(onC.compareAndSet(fromC.key(), 1, fromC));
      assertEquals(fromC, onA.get(fromC.key()).orElseThrow());
      onA.close();
      onC.close();
    }
  }

  @Test
  void when_memberIsKilled_then_survivorsDropItsNodeAndReplicasWithinTheBound() {
    try (Members members = new Members()) {
      List<HazelcastInstance> instances = List.of(members.start(), members.start(), members.start());
      List<ClusterState> views = instances.stream().map(HazelcastClusterState::new)
          .map(ClusterState.class::cast).toList();
      for (int i = 0; i < views.size(); i++) {
        ClusterState view = views.get(i);
        view.registerNode(new NodeInfo(view.localNodeId(), "127.0.0.1", 8080 + i, 1, false));
        view.putReplica(new ReplicaLocation(view.localNodeId() + "/1", view.localNodeId(), "fn", 1, "READY", 1));
        view.putReplica(new ReplicaLocation(view.localNodeId() + "/2", view.localNodeId(), "fn", 2, "READY", 1));
      }
      for (ClusterState view : views) {
        Await.until("every member sees 3 nodes and 6 replicas",
            () -> view.nodes().size() == 3 && view.allReplicas().size() == 6);
      }
      ClusterState survivor = views.get(0);
      AtomicInteger notified = new AtomicInteger();
      survivor.onMembershipChanged(notified::incrementAndGet);
      String dead = views.get(2).localNodeId();

      long killedAt = System.nanoTime();
      instances.get(2).getLifecycleService().terminate();

      for (ClusterState view : views.subList(0, 2)) {
        Await.until("the dead node's entry is gone", () -> view.nodes().size() == 2
            && view.nodes().stream().noneMatch(n -> n.nodeId().equals(dead)));
        Await.until("the dead node's replicas are gone", () -> view.replicas("fn", 1).size() == 2
            && view.allReplicas().stream().noneMatch(r -> r.nodeId().equals(dead)));
      }
      ReplicatedMap<String, ReplicaLocation> raw = instances.get(0).getReplicatedMap(ClusterMaps.REPLICAS);
      Await.until("the survivors removed the entries themselves",
          () -> raw.values().stream().noneMatch(r -> r.nodeId().equals(dead))
              && !instances.get(0).getReplicatedMap(ClusterMaps.NODES).containsKey(dead));
      Await.until("membership listeners fired", () -> notified.get() > 0);
      long millis = (System.nanoTime() - killedAt) / 1_000_000;
      assertTrue(millis < 10_000, "took " + millis + " ms");
      views.subList(0, 2).forEach(ClusterState::close);
    }
  }

  @Test
  void when_theWriterDies_then_everyDocSurvivesOnItsBackup() {
    try (Members members = new Members()) {
      HazelcastInstance writer = members.start();
      HazelcastInstance reader = members.start();
      members.start();
      ClusterState onWriter = new HazelcastClusterState(writer);
      // 100 keys spread over the partitions, so the writer owns some and backs up others.
      List<VersionedDoc> docs = IntStream.range(0, 100)
          .mapToObj(i -> new VersionedDoc("doc-" + i, 1, false, "{}")).toList();
      docs.forEach(doc -> assertTrue(onWriter.putIfNewer(doc)));
      long ownedByWriter = docs.stream().filter(doc -> writer.getPartitionService().getPartition(doc.key())
          .getOwner().localMember()).count();
      assertTrue(ownedByWriter > 0, "the writer owns some of the keys");

      writer.getLifecycleService().terminate();
      onWriter.close();

      ClusterState onReader = new HazelcastClusterState(reader);
      for (VersionedDoc doc : docs) {
        assertEquals(doc, onReader.get(doc.key()).orElseThrow(), doc.key());
      }
      assertEquals(docs.size(), onReader.all().size());
      onReader.close();
    }
  }

  @Test
  void when_entriesOutliveTheirMember_then_theSecondReconcileRemovesThem() {
    ReplicatedMap<String, ReplicaLocation> replicas = first.getReplicatedMap(ClusterMaps.REPLICAS);
    ReplicatedMap<String, NodeInfo> nodes = first.getReplicatedMap(ClusterMaps.NODES);
    String ghost = unique("ghost");
    String replicaId = unique("r");
    // What a missed membership event leaves behind: entries of a node that is no member.
    replicas.put(replicaId, new ReplicaLocation(replicaId, ghost, "fn", 1, "READY", 1));
    nodes.put(ghost, new NodeInfo(ghost, "127.0.0.1", 9000, 1, false));

    a.reconcile();
    assertTrue(replicas.containsKey(replicaId), "one pass only suspects it");
    assertTrue(nodes.containsKey(ghost), "one pass only suspects it");

    a.reconcile();
    assertFalse(replicas.containsKey(replicaId));
    assertFalse(nodes.containsKey(ghost));
    ReplicatedMap<String, ReplicaLocation> onSecond = second.getReplicatedMap(ClusterMaps.REPLICAS);
    Await.until("the removal reaches the other member", () -> !onSecond.containsKey(replicaId));
  }

  @Test
  void everythingOnTheWireIsCompactNotJavaSerialization() {
    var serialization = ((SerializationServiceSupport) first).getSerializationService();
    VersionedDoc doc = new VersionedDoc("k", 1, false, "{}");
    DeviceInfo gpu = new DeviceInfo("gpu0", DeviceInfo.GPU, "GPU", "h100", 1L << 34, 1, true);
    List<Object> values = List.of(doc, new CompareAndSetDoc(0, doc), new PutIfNewer(doc),
        new NodeInfo("n", "127.0.0.1", 8080, 1, false), new ReplicaLocation("r", "n", "fn", 1, "READY", 1),
        new NodeInfo("n", "127.0.0.1", 8080, 1, true, List.of(gpu,
            new DeviceInfo("cpu", DeviceInfo.CPU, "CPU", "cpu-4", 1L << 30, 4, false))),
        new ReplicaLocation("r", "n", "fn", 1, "READY", 1, "gpu0", 7, 1L << 30), gpu,
        new DeviceReservations("n", "gpu0", Map.of("r1", 5L, "r2", 7L)), DeviceReservations.none("n", "cpu"),
        new Ewma(1.5e6, 42), new ReserveDeviceMemory("n", "gpu0", 100, "r1", 10), new ReleaseReplica("r1"),
        new FoldSamples(2.5e6, 3));
    Set<Integer> types = values.stream().map(v -> serialization.toData(v).getType()).collect(Collectors.toSet());
    assertEquals(Set.of(SerializationConstants.TYPE_COMPACT), types);
    for (Object value : values) {
      assertEquals(value, serialization.toObject(serialization.toData(value)));
    }
  }

  @Test
  void when_threadsOnThreeMembersRaceForOneDevice_then_capacityIsNeverExceeded() throws Exception {
    try (Members members = new Members()) {
      List<ClusterState> views = List.of(members.start(), members.start(), members.start()).stream()
          .map(HazelcastClusterState::new).map(ClusterState.class::cast).toList();
      assertReservationsStayWithinCapacity(views, views.get(0).localNodeId(), "gpu0", 3, 80);
      views.forEach(ClusterState::close);
    }
  }

  @Test
  void when_memberIsKilled_then_survivorsDropItsReservationsAndKeepTheirOwn() {
    try (Members members = new Members()) {
      List<HazelcastInstance> instances = List.of(members.start(), members.start(), members.start());
      List<ClusterState> views = instances.stream().map(HazelcastClusterState::new)
          .map(ClusterState.class::cast).toList();
      String survivor = views.get(0).localNodeId();
      String dead = views.get(2).localNodeId();
      // Enough devices that the dead member owns some entries and backs up others.
      for (int d = 0; d < 20; d++) {
        assertTrue(views.get(2).reserve(dead, "gpu" + d, 100, "r", 60));
        assertTrue(views.get(1).reserve(survivor, "gpu" + d, 100, "r", 40));
      }
      Await.until("the views show 40 devices", () -> views.get(0).reservedBytes().size() == 40
          && views.get(1).reservedBytes().size() == 40);

      instances.get(2).getLifecycleService().terminate();

      for (ClusterState view : views.subList(0, 2)) {
        Await.until("the dead member's reservations leave the view", () -> view.reservedBytes().size() == 20
            && view.reservedBytes().keySet().stream().allMatch(k -> k.startsWith(survivor + "/")));
      }
      Await.until("the survivors removed the entries themselves",
          () -> instances.get(0).getMap(ClusterMaps.RESERVATIONS).size() == 20);
      for (int d = 0; d < 20; d++) {
        assertEquals(Map.of(), views.get(1).reservations(dead, "gpu" + d));
        assertEquals(Map.of("r", 40L), views.get(0).reservations(survivor, "gpu" + d), "backups kept them");
      }
      views.subList(0, 2).forEach(ClusterState::close);
    }
  }

  @Test
  void when_aViewOpensAfterTheWrites_then_itsLocalViewsStartWithThem() {
    String device = unique("gpu");
    String key = unique("estimate");
    assertTrue(a.reserve(a.localNodeId(), device, 100, "r", 25));
    a.addSamples(Map.of(key, new io.zeroserve.cluster.SampleBatch(3_000, 5)));
    Await.until("b sees the estimate", () -> b.estimates().containsKey(key));

    try (HazelcastClusterState late = new HazelcastClusterState(second)) {
      assertEquals(25L, late.reservedBytes().get(DeviceReservations.key(a.localNodeId(), device)));
      assertEquals(Ewma.EMPTY.addAll(3_000, 5, Ewma.DEFAULT_ALPHA), late.estimates().get(key));
    }
  }
}
