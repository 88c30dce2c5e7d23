package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Ewma;
import io.zeroserve.scheduler.estimate.LearnedEstimates;
import io.zeroserve.scheduler.estimate.Priors;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What is expected of a function where it was measured, where it was not, and before anything was. */
class LearnedEstimatesTest {

  private static final long MS = 1_000_000;
  private static final long MIB = 1L << 20;
  private static final Priors PRIORS = Priors.DEFAULT;
  private static final Map<String, DeviceKind> CLASSES = Map.of("cpu", DeviceKind.CPU, "gpu:a", DeviceKind.GPU);
  private static final FunctionProfile F = new FunctionProfile("f", 1, 500 * MIB, 800 * MIB, DeviceRequirement.ANY,
      4, 1, 60_000 * MS);

  private final Map<String, Ewma> learned = new HashMap<>();
  private final LearnedEstimates estimates = new LearnedEstimates(learned, PRIORS, CLASSES);

  @Test
  void beforeAnyMeasurement_thePriorsAnswer() {
    assertEquals(PRIORS.loadNanos(F.modelBytes(), DeviceKind.GPU), estimates.loadNanos(F, "gpu:a", DeviceKind.GPU));
    assertEquals(PRIORS.serviceNanos(F.modelBytes(), DeviceKind.CPU), estimates.serviceNanos(F, "cpu", DeviceKind.CPU, 1));
  }

  @Test
  void otherFunctionsLoadsOnAClass_calibrateThePriorForOneNeverLoadedThere() {
    // Every GPU load so far took a quarter of what the prior said: so will this one's.
    learned.put(EstimateKey.loadScale("gpu:a").text(), new Ewma(0.25, 40));

    long prior = PRIORS.loadNanos(F.modelBytes(), DeviceKind.GPU);
    assertEquals(prior / 4, estimates.loadNanos(F, "gpu:a", DeviceKind.GPU), 1);
    assertEquals(PRIORS.loadNanos(F.modelBytes(), DeviceKind.CPU), estimates.loadNanos(F, "cpu", DeviceKind.CPU),
        "another class keeps its own scale");
  }

  @Test
  void aFunctionMeasuredOnOneClass_isExpectedOnAnotherAtTheRatioOfTheirCalibratedPriors() {
    learned.put(EstimateKey.serviceScale("cpu").text(), new Ewma(2.0, 100));
    learned.put(EstimateKey.serviceScale("gpu:a").text(), new Ewma(3.0, 100));
    // f is 5x slower on the GPU than the calibrated prior says: expect it 5x slower on the CPU too.
    double gpuCalibrated = PRIORS.serviceNanos(F.modelBytes(), DeviceKind.GPU) * 3.0;
    learned.put(EstimateKey.service("f", 1, "gpu:a", 1).text(), new Ewma(5 * gpuCalibrated, 10));

    double cpuCalibrated = PRIORS.serviceNanos(F.modelBytes(), DeviceKind.CPU) * 2.0;
    assertEquals(5 * cpuCalibrated, estimates.serviceNanos(F, "cpu", DeviceKind.CPU, 1), 5 * cpuCalibrated * 1e-6);
  }

  @Test
  void aMeasurementOnTheClassItself_winsOverAnythingCarriedOrCalibrated() {
    learned.put(EstimateKey.serviceScale("cpu").text(), new Ewma(2.0, 100));
    learned.put(EstimateKey.service("f", 1, "gpu:a", 1).text(), new Ewma(3 * MS, 10));
    learned.put(EstimateKey.service("f", 1, "cpu", 1).text(), new Ewma(40 * MS, 10));
    learned.put(EstimateKey.load("f", "cpu").text(), new Ewma(200 * MS, 3));
    learned.put(EstimateKey.loadScale("cpu").text(), new Ewma(9.0, 3));

    assertEquals(40 * MS, estimates.serviceNanos(F, "cpu", DeviceKind.CPU, 1));
    assertEquals(200 * MS, estimates.loadNanos(F, "cpu", DeviceKind.CPU));
  }

  @Test
  void scaleSamplesAreMeasuredOverPrior() {
    long prior = PRIORS.loadNanos(F.modelBytes(), DeviceKind.CPU);
    assertEquals(0.5, PRIORS.loadRatio(prior / 2, F.modelBytes(), DeviceKind.CPU), 1e-6);
    double batchOf8 = PRIORS.serviceNanos(F.modelBytes(), DeviceKind.GPU) * PRIORS.batchFactor(8, DeviceKind.GPU);
    assertEquals(2.0, PRIORS.serviceRatio((long) (2 * batchOf8), F.modelBytes(), DeviceKind.GPU, 8), 1e-6);
  }

  @Test
  void scaleKeysReadBack() {
    EstimateKey k = EstimateKey.loadScale("gpu:NVIDIA H100|x");
    assertEquals(k, EstimateKey.parse(k.text()));
    assertEquals(EstimateKey.serviceScale("cpu"), EstimateKey.parse(EstimateKey.serviceScale("cpu").text()));
  }
}
