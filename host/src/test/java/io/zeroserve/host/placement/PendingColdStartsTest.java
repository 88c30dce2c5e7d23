package io.zeroserve.host.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zeroserve.scheduler.ReplicaView;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingColdStartsTest {

  private static final long S = 1_000_000_000L;
  private final PendingColdStarts pending = new PendingColdStarts();

  private static ReplicaView replica(String id, String node, String function, ReplicaView.Phase phase) {
    return new ReplicaView(id, node, "cpu", function, 1, phase, 1, 1, 1 << 20, 0, 0, 0);
  }

  /** Orders one on {@code node} as Placements does: after asking what is still pending. */
  private void order(String id, String node, List<ReplicaView> listed, long now) {
    pending.stillPending("f", 1, listed, now);
    pending.ordered(replica(id, node, "f", ReplicaView.Phase.LOADING), listed, now);
  }

  private List<String> pendingIds(List<ReplicaView> listed, long now) {
    return pending.stillPending("f", 1, listed, now).stream().map(ReplicaView::replicaId).sorted().toList();
  }

  @Test
  void when_twoOrdersToOneNode_andOneIsListed_then_theOtherIsStillPending() {
    List<ReplicaView> listed = new ArrayList<>(List.of(replica("b/1", "b", "f", ReplicaView.Phase.READY)));
    order("p1", "b", listed, 0);
    order("p2", "b", listed, 1);
    assertEquals(List.of("p1", "p2"), pendingIds(listed, 2));

    listed.add(replica("b/2", "b", "f", ReplicaView.Phase.LOADING));
    assertEquals(1, pendingIds(listed, 3).size(), "one order shows; the other has not yet");

    listed.add(replica("b/3", "b", "f", ReplicaView.Phase.LOADING));
    assertEquals(List.of(), pendingIds(listed, 4));
  }

  @Test
  void when_anEarlierOrderFailed_then_aLaterOneShowsWithTheFirstNewReplica() {
    List<ReplicaView> listed = new ArrayList<>(List.of(replica("b/1", "b", "f", ReplicaView.Phase.READY)));
    order("p1", "b", listed, 0); // never shows: its load failed
    order("p2", "b", listed, 1);

    listed.add(replica("b/2", "b", "f", ReplicaView.Phase.LOADING));

    assertEquals(1, pendingIds(listed, 2).size(), "one of the two shows; the other waits for its own replica");
    listed.add(replica("b/3", "b", "f", ReplicaView.Phase.LOADING));
    assertEquals(List.of(), pendingIds(listed, 3));
  }

  @Test
  void when_aReplicaLeavesTheNode_then_anOrderStillShowsWithItsNewOne() {
    List<ReplicaView> listed = new ArrayList<>(List.of(replica("b/1", "b", "f", ReplicaView.Phase.READY)));
    order("p1", "b", listed, 0);

    listed.clear(); // b/1 drained and went
    listed.add(replica("b/2", "b", "f", ReplicaView.Phase.LOADING));

    assertEquals(List.of(), pendingIds(listed, 1), "by identity: b/2 is new, whatever the count");
  }

  @Test
  void when_anotherNodeListsMore_then_anOrderHereStillPends() {
    List<ReplicaView> listed = new ArrayList<>();
    order("p1", "b", listed, 0);
    listed.add(replica("c/1", "c", "f", ReplicaView.Phase.LOADING));

    assertEquals(List.of("p1"), pendingIds(listed, 1));
  }

  @Test
  void when_anOrderIsNeverListed_then_itIsForgottenAfterItsTtl_andOtherVersionsDoNotSeeIt() {
    order("p1", "b", List.of(), 0);
    assertEquals(List.of(), pending.stillPending("g", 1, List.of(), 1).stream().map(ReplicaView::replicaId).toList());
    assertEquals(List.of(), pending.stillPending("f", 2, List.of(), 1).stream().map(ReplicaView::replicaId).toList());
    assertEquals(List.of("p1"), pendingIds(List.of(), PendingColdStarts.TTL_NANOS));

    // Asked about another version after the TTL: forgotten all the same.
    pending.stillPending("g", 1, List.of(), PendingColdStarts.TTL_NANOS + S);
    assertEquals(List.of(), pendingIds(List.of(), 0));
  }
}
