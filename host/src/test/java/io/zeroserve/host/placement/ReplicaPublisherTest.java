package io.zeroserve.host.placement;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.functions.replica.LocalReplicas;
import io.zeroserve.functions.replica.ReplicaId;
import io.zeroserve.functions.replica.ReplicaState;
import org.junit.jupiter.api.Test;

class ReplicaPublisherTest {

  @Test
  void aRateIsRepublishedWhenItMovesByAQuarter() {
    assertTrue(ReplicaPublisher.rateMoved(ReplicaLocation.UNKNOWN_RATE, 0), "never published");
    assertFalse(ReplicaPublisher.rateMoved(10, 8), "a fifth down: not yet");
    assertTrue(ReplicaPublisher.rateMoved(10, 7), "30% down");
    assertTrue(ReplicaPublisher.rateMoved(10, 13), "30% up");
    assertTrue(ReplicaPublisher.rateMoved(0.008, 0.004), "halved");
    assertFalse(ReplicaPublisher.rateMoved(0.0008, 0.0001), "tiny rates move by 0.001/s at least");
  }

  @Test
  void anIdleReplicasEntryIsLeftAlone_butOneUsedAgainIsRewrittenOnceItsLastUseDriftsBeyondTheSlack() {
    LocalReplicas.ReplicaInfo idle = new LocalReplicas.ReplicaInfo(new ReplicaId("f", 1, 1), ReplicaState.READY, 0,
        100, "cpu", 1 << 20, 2, 0, 0, 0.5);
    ReplicaLocation entry = new ReplicaLocation("a/f@1#1", "a", "f", 1, "READY", 60_000, "cpu", 0, 1 << 20, 0.5, 50_000);

    assertFalse(ReplicaPublisher.outdated(entry, "a", idle, 50_000), "nothing new");
    assertFalse(ReplicaPublisher.outdated(entry, "a", idle, 50_000 + ReplicaPublisher.LAST_USE_SLACK_MILLIS),
        "used again within the slack: its idle time as others see it is off by a second at most");
    assertTrue(ReplicaPublisher.outdated(entry, "a", idle, 50_000 + ReplicaPublisher.LAST_USE_SLACK_MILLIS + 1),
        "used again since: others would take it for idle longer than it is");
    assertTrue(ReplicaPublisher.outdated(null, "a", idle, 50_000), "never published");
    assertTrue(ReplicaPublisher.outdated(entry.withLoad(3, 61_000), "a", idle, 50_000), "its load changed");
  }
}
