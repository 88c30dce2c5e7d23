package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceTimesTest {

  private static final FunctionProfile F = profile("f");

  private static FunctionProfile profile(String name) {
    return new FunctionProfile(name, 1, 1 << 20, 1 << 20, DeviceRequirement.ANY, 8, 128, 60_000_000_000L);
  }

  /** Service time from every argument, so that a mixed-up answer shows; counts the questions. */
  private static final class Counting implements Estimates {
    final List<String> asked = new ArrayList<>();

    @Override
    public long serviceNanos(FunctionProfile f, String deviceClass, DeviceKind kind, int batch) {
      asked.add(f.function() + " " + deviceClass + " " + kind + " " + batch);
      return (f.function().hashCode() & 0xff) * 1_000_000L + deviceClass.length() * 10_000L
          + kind.ordinal() * 1_000L + batch;
    }

    @Override
    public long loadNanos(FunctionProfile f, String deviceClass, DeviceKind kind) {
      return 7;
    }

    @Override
    public long reloadNanos(String function, String deviceClass, DeviceKind kind, long memoryBytes) {
      return 9;
    }
  }

  @Test
  void when_askedAgain_then_answersAsTheEstimatesDo_andAsksThemOncePerClassKindAndBatch() {
    Counting estimates = new Counting();
    ServiceTimes times = new ServiceTimes(estimates, F);

    for (int round = 0; round < 3; round++) {
      for (String deviceClass : List.of("cpu", "gpu:a", "gpu:bb")) {
        for (DeviceKind kind : DeviceKind.values()) {
          for (int batch : new int[] {1, 2, 64}) {
            assertEquals(new Counting().serviceNanos(F, deviceClass, kind, batch),
                times.serviceNanos(F, new String(deviceClass), kind, batch), deviceClass + " " + kind + " " + batch);
          }
        }
      }
    }

    assertEquals(3 * DeviceKind.values().length * 3, estimates.asked.size(), "each asked once: " + estimates.asked);
  }

  @Test
  void when_anotherFunctionOrALargeBatch_then_passesThroughEveryTime() {
    Counting estimates = new Counting();
    ServiceTimes times = new ServiceTimes(estimates, F);
    FunctionProfile equalButOther = profile("f");

    for (int i = 0; i < 2; i++) {
      assertEquals(estimates.serviceNanos(profile("g"), "cpu", DeviceKind.CPU, 1),
          times.serviceNanos(profile("g"), "cpu", DeviceKind.CPU, 1));
      times.serviceNanos(equalButOther, "cpu", DeviceKind.CPU, 1);
      times.serviceNanos(F, "cpu", DeviceKind.CPU, 65);
    }

    assertEquals(List.of("g cpu CPU 1", "g cpu CPU 1", "f cpu CPU 1", "f cpu CPU 65", "g cpu CPU 1", "g cpu CPU 1",
        "f cpu CPU 1", "f cpu CPU 65"), estimates.asked);
    assertEquals(7, times.loadNanos(F, "cpu", DeviceKind.CPU));
    assertEquals(9, times.reloadNanos("g", "cpu", DeviceKind.CPU, 1));
  }
}
