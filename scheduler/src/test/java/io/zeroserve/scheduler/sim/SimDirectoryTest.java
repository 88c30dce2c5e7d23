package io.zeroserve.scheduler.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.sim.SimCluster.Function;
import io.zeroserve.scheduler.sim.SimCluster.Node;
import io.zeroserve.scheduler.sim.SimCluster.Replica;
import io.zeroserve.scheduler.sim.SimCluster.Request;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimDirectoryTest {

  private static final long MS = 1_000_000L;

  @Test
  void when_aReplicaTakesRequests_then_otherNodesSeeItsQueueOnlyFromItsNodesNextPublication() {
    Simulation sim = new Simulation();
    SimCluster c = new SimCluster(sim, new SplittableRandom(1), 0, Long.MAX_VALUE);
    Function f = c.addFunction(new FunctionProfile("f", 1, 0, 1, DeviceRequirement.CPU, 4, 1, 60_000 * MS),
        Double.NaN, 1_000 * MS, -1, Double.NaN, 1, 0);
    Node a = c.addNode();
    Node b = c.addNode();
    c.addDevice(a, "cpu", DeviceKind.CPU, 1L << 40, 1, 1);
    SimCluster.Device bCpu = c.addDevice(b, "cpu", DeviceKind.CPU, 1L << 40, 1, 1);
    SimDirectory directory = new SimDirectory(100 * MS); // a publishes at 0, 100, ... ms; b at 50, 150, ...
    directory.publishDue(c, sim.now());

    Replica onB = c.startReplica(f, bCpu, List.of());
    sim.runUntil(10); // loaded
    directory.publishDue(c, sim.now());
    assertNull(directory.published(onB), "b has not published since the replica started");
    assertEquals(-1, directory.outstandingSeenBy(onB, a));

    sim.runUntil(45 * MS);
    c.enqueue(onB, new Request(f, a, sim.now(), false));
    sim.runUntil(55 * MS); // b published at 50 ms, with one queued
    for (int i = 0; i < 2; i++) {
      c.enqueue(onB, new Request(f, a, sim.now(), false));
    }
    sim.runUntil(60 * MS);
    directory.publishDue(c, sim.now());
    assertEquals(50 * MS, directory.publishedAt(b));
    assertEquals(1, directory.outstandingSeenBy(onB, a), "as published at 50 ms, not as at the call after it");
    assertEquals(3, directory.outstandingSeenBy(onB, b), "its own node knows it exactly");

    sim.runUntil(150 * MS);
    assertEquals(3, directory.outstandingSeenBy(onB, a));
  }
}
