package io.zeroserve.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zeroserve.scheduler.ClusterSnapshot;
import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.DeviceRequirement;
import io.zeroserve.scheduler.DeviceView;
import io.zeroserve.scheduler.FunctionProfile;
import io.zeroserve.scheduler.NetworkModel;
import io.zeroserve.scheduler.ReplicaView;
import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Ewma;
import io.zeroserve.scheduler.estimate.LearnedEstimates;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterSnapshotsTest {

  private static final long MS = 1_000_000;
  private static final DeviceInfo CPU = new DeviceInfo("cpu", "cpu", "CPU", "cpu", 1000, 2, false);
  private static final DeviceInfo SIM = new DeviceInfo("simgpu0", "gpu", "Simulated GPU 0", "gpu:simulated", 500, 1, true);

  private final LearnedEstimates estimates = new LearnedEstimates(
      Map.of(EstimateKey.load("f", "cpu").text(), new Ewma(400 * MS, 5)), Priors.DEFAULT);

  @Test
  void devicesCarryReservationsAndLoad_selfFromItsOwnReplicas_othersFromTheSharedView() {
    List<NodeInfo> nodes = List.of(
        new NodeInfo("a", "127.0.0.1", 8080, 0, false).withDevices(List.of(CPU, SIM)),
        new NodeInfo("b", "127.0.0.1", 8081, 0, true).withDevices(List.of(CPU)));
    List<ReplicaLocation> directory = List.of(
        new ReplicaLocation("a/stale", "a", "f", 1, "READY", 0, "cpu", 9, 999), // self: ignored, fresher below
        new ReplicaLocation("b/r1", "b", "f", 1, "READY", 0, "cpu", 3, 100, 0.25, 4_100),
        new ReplicaLocation("b/r2", "b", "f", 1, "LOADING", 10_000, "cpu", 1, 100),
        new ReplicaLocation("b/gone", "b", "f", 1, "UNLOADED", 0, "cpu", 0, 100),
        new ReplicaLocation("b/elsewhere", "b", "f", 1, "READY", 0, "gpu7", 0, 100)); // no such device
    List<ReplicaView> self = List.of(new ReplicaView("a/r0", "a", "simgpu0", "f", 1, ReplicaView.Phase.READY, 2, 1,
        200, 0, 0, 0));

    ClusterSnapshot s = ClusterSnapshots.build(50 * MS, 10_100, nodes, directory, Map.of("a/simgpu0", 7L, "b/cpu", 300L),
        estimates, "a", self, 1, NetworkModel.DEFAULT);

    DeviceView sim = s.device("a/simgpu0");
    assertEquals(200, sim.reservedBytes(), "its own replicas, not the lagging shared view");
    assertEquals(2, sim.outstanding());
    assertEquals(true, sim.simulated());
    assertEquals(300, s.device("b/cpu").reservedBytes());
    assertEquals(4, s.device("b/cpu").outstanding());
    assertEquals(true, s.node("b").leaving());
    assertEquals(List.of("a/r0", "b/r1", "b/r2"), s.replicasOf("f", 1).stream().map(ReplicaView::replicaId).toList());
    ReplicaView remote = s.replicasOf("f", 1).get(1);
    assertEquals(0.25, remote.requestsPerSecondInUse(), "as its owner published it");
    assertEquals(50 * MS - 6_000 * MS, remote.lastUsedNanos(), "used 6 s before the snapshot, on its clock");
    ReplicaView loading = s.replicasOf("f", 1).get(2);
    assertEquals(ClusterSnapshots.ASSUMED_RATE, loading.requestsPerSecondInUse(), "not published: assumed in use");
    assertEquals(50 * MS, loading.lastUsedNanos(), "not published: taken as in use now");
    assertEquals(ReplicaView.Phase.LOADING, loading.phase());
    // Written 100 ms ago, a 400 ms load: ready in about 300 ms.
    assertEquals(50 * MS + 300 * MS, loading.readyAtNanos());
  }

  @Test
  void deviceClassesOfTheNodesAreWhereAFunctionsMeasurementsAreCarriedFrom() {
    List<NodeInfo> nodes = List.of(new NodeInfo("a", "127.0.0.1", 8080, 0, false).withDevices(List.of(CPU, SIM)));
    Map<String, Ewma> learned = Map.of(EstimateKey.service("f", 1, "cpu", 1).text(), new Ewma(50 * MS, 5));
    FunctionProfile f = new FunctionProfile("f", 1, 10 << 20, 20 << 20, DeviceRequirement.ANY, 4, 1, 60_000 * MS);

    long onSim = ClusterSnapshots.estimates(learned, nodes).serviceNanos(f, "gpu:simulated", DeviceKind.GPU, 1);

    Priors p = Priors.DEFAULT;
    double ratio = (double) p.serviceNanos(f.modelBytes(), DeviceKind.GPU) / p.serviceNanos(f.modelBytes(), DeviceKind.CPU);
    assertEquals(50 * MS * ratio, onSim, 50 * MS * ratio * 1e-6);
  }
}
