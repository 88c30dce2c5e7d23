package io.zeroserve.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VersionedDocTest {

  private static final VersionedDoc REV_2 = new VersionedDoc("fn", 2, false, "{\"v\":2}");

  @Test
  void compareAndSetAcceptsOnlyFromTheExpectedRevisionForward() {
    assertTrue(VersionedDoc.compareAndSetAccepts(null, 0, new VersionedDoc("fn", 1, false, "{}")));
    assertTrue(VersionedDoc.compareAndSetAccepts(REV_2, 2, REV_2.next("{}")));
    assertFalse(VersionedDoc.compareAndSetAccepts(REV_2, 1, REV_2.next("{}")), "behind");
    assertFalse(VersionedDoc.compareAndSetAccepts(REV_2, 0, REV_2.next("{}")), "present, expected absent");
    assertFalse(VersionedDoc.compareAndSetAccepts(null, 2, REV_2.next("{}")), "absent, expected present");
    assertFalse(VersionedDoc.compareAndSetAccepts(REV_2, 2, REV_2), "not beyond the expected revision");
  }

  @Test
  void onlyAHigherRevisionSupersedes() {
    assertTrue(REV_2.supersedes(null));
    assertTrue(REV_2.next("{}").supersedes(REV_2));
    assertFalse(REV_2.supersedes(REV_2));
    assertFalse(REV_2.supersedes(REV_2.nextTombstone()));
    assertTrue(REV_2.nextTombstone().supersedes(REV_2));
  }

  @Test
  void successorsAndTombstones() {
    assertEquals(new VersionedDoc("fn", 3, false, "{}"), REV_2.next("{}"));
    assertEquals(new VersionedDoc("fn", 3, true, VersionedDoc.TOMBSTONE_JSON), REV_2.nextTombstone());
    assertEquals(0, VersionedDoc.revisionOf(null));
  }

  @Test
  void when_invalid_then_messageNamesKeyRuleAndValue() {
    assertEquals("revision must be >= 1 (0 means absent), was: 0",
        assertThrows(IllegalArgumentException.class, () -> new VersionedDoc("fn", 0, false, "{}")).getMessage());
    assertEquals("key must not be blank, was: ''",
        assertThrows(IllegalArgumentException.class, () -> new VersionedDoc("", 1, false, "{}")).getMessage());
    assertEquals("json cannot be null",
        assertThrows(NullPointerException.class, () -> new VersionedDoc("fn", 1, false, null)).getMessage());
    assertEquals("expectedRevision must be >= 0, was: -1", assertThrows(IllegalArgumentException.class,
        () -> VersionedDoc.checkCompareAndSet("fn", -1, REV_2)).getMessage());
  }

  @Test
  void nodeAndReplicaRecordsValidateTheirBoundaries() {
    assertEquals("httpPort must be in 1..65535, was: 0", assertThrows(IllegalArgumentException.class,
        () -> new NodeInfo("n", "127.0.0.1", 0, 1, false)).getMessage());
    assertEquals("version must be >= 1, was: 0", assertThrows(IllegalArgumentException.class,
        () -> new ReplicaLocation("r", "n", "fn", 0, "READY", 1)).getMessage());
    NodeInfo node = new NodeInfo("n", "127.0.0.1", 8080, 1, false);
    assertTrue(node.asLeaving().leaving());
    assertEquals(node.asLeaving(), node.asLeaving().asLeaving());
  }
}
