package io.zeroserve.host.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.zeroserve.cluster.SampleBatch;
import io.zeroserve.functions.replica.ReplicaId;
import io.zeroserve.host.devices.NodeDevice;
import io.zeroserve.scheduler.DeviceKind;
import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EstimateRecorderTest {

  private static final long MODEL = 50L << 20;
  private final NodeDevice cpu = new NodeDevice("cpu", DeviceKind.CPU, "CPU", "cpu", 8L << 30, 2, -1, false);
  private final ReplicaId known = new ReplicaId("f", 2, 1);
  private final ReplicaId deleted = new ReplicaId("gone", 1, 2);

  @Test
  void measurementsFeedTheirKeyAndCalibrateTheirDeviceClass() {
    EstimateRecorder recorder = new EstimateRecorder(id -> cpu, id -> id.equals(known) ? MODEL : -1, Priors.DEFAULT);
    long prior = Priors.DEFAULT.loadNanos(MODEL, DeviceKind.CPU);
    recorder.loadedOn(known, "cpu", prior * 3);
    recorder.batchOn(known, "cpu", 4, 4, 1_000_000);
    recorder.batchOn(known, "cpu", 4, 4, 3_000_000);

    Map<String, SampleBatch> out = recorder.drain();

    assertEquals(new SampleBatch(prior * 3, 1), out.get(EstimateKey.load("f", "cpu").text()));
    assertEquals(3.0, out.get(EstimateKey.loadScale("cpu").text()).meanNanos(), 1e-9);
    assertEquals(new SampleBatch(2_000_000, 2), out.get(EstimateKey.service("f", 2, "cpu", 4).text()));
    assertEquals(Priors.DEFAULT.serviceRatio(2_000_000, MODEL, DeviceKind.CPU, 4),
        out.get(EstimateKey.serviceScale("cpu").text()).meanNanos(), 1e-9);
    assertEquals(Map.of(), recorder.drain(), "a drain takes everything");
  }

  @Test
  void aClassScaleWeighsFunctionsNotBatches_soABusyOneDoesNotSetEveryonesPrior() {
    ReplicaId busy = new ReplicaId("busy", 1, 3);
    EstimateRecorder recorder = new EstimateRecorder(id -> cpu, id -> MODEL, Priors.DEFAULT);
    long prior = Priors.DEFAULT.serviceNanos(MODEL, DeviceKind.CPU);
    for (int i = 0; i < 99; i++) {
      recorder.batchOn(busy, "cpu", 1, 1, prior * 4); // 4x its prior, 99 times
    }
    recorder.batchOn(known, "cpu", 1, 1, prior * 2); // 2x, once

    SampleBatch scale = recorder.drain().get(EstimateKey.serviceScale("cpu").text());

    assertEquals(3.0, scale.meanNanos(), 1e-6);
    assertEquals(2, scale.count());
  }

  @Test
  void aReplicaWhoseModelIsNoLongerKnown_teachesItsTimesButNotTheScale() {
    EstimateRecorder recorder = new EstimateRecorder(id -> cpu, id -> -1, Priors.DEFAULT);
    recorder.loadedOn(deleted, "cpu", 5_000_000);

    Map<String, SampleBatch> out = recorder.drain();

    assertEquals(new SampleBatch(5_000_000, 1), out.get(EstimateKey.load("gone", "cpu").text()));
    assertFalse(out.containsKey(EstimateKey.loadScale("cpu").text()));
  }
}
