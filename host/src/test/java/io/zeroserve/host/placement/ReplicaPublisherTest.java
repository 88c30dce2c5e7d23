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
    assertFalse(ReplicaPublisher.rateMoved(0.02, 0.011), "small rates move by 0.01/s at least");
    assertTrue(ReplicaPublisher.rateMoved(0.02, 0.009));
    assertFalse(ReplicaPublisher.rateMoved(0, 0.005));
  }
}
