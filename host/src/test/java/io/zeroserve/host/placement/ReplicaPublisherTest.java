package io.zeroserve.host.placement;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.cluster.ReplicaLocation;
import org.junit.jupiter.api.Test;

class ReplicaPublisherTest {

  @Test
  void aRateIsRepublishedWhenItMovesByAQuarterOrCrossesIntoDisuse() {
    assertTrue(ReplicaPublisher.rateMoved(ReplicaLocation.UNKNOWN_RATE, 0), "never published");
    assertFalse(ReplicaPublisher.rateMoved(10, 8), "a fifth down: not yet");
    assertTrue(ReplicaPublisher.rateMoved(10, 7), "30% down");
    assertTrue(ReplicaPublisher.rateMoved(10, 13), "30% up");
    assertTrue(ReplicaPublisher.rateMoved(0.011, 0.0095), "below 0.01/s: unused, though only 14% down");
    assertTrue(ReplicaPublisher.rateMoved(0.008, 0.0105), "back in use");
    assertTrue(ReplicaPublisher.rateMoved(0.008, 0.004), "still unused, but halved: eviction gets cheaper");
    assertFalse(ReplicaPublisher.rateMoved(0.0008, 0.0001), "tiny rates move by 0.001/s at least");
  }
}
