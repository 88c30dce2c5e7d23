package io.zeroserve.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.zeroserve.scheduler.estimate.EstimateKey;
import io.zeroserve.scheduler.estimate.Ewma;
import org.junit.jupiter.api.Test;

class EwmaTest {

  @Test
  void firstSampleReplacesTheEmptyAverage() {
    assertEquals(new Ewma(5, 1), Ewma.EMPTY.add(5, 0.2));
  }

  @Test
  void warmUpAveragesPlainlyThenWeighsByAlpha() {
    Ewma e = Ewma.EMPTY.add(10, 0.2).add(20, 0.2); // plain mean while 1/n > alpha
    assertEquals(15, e.mean(), 1e-9);
    Ewma warm = new Ewma(100, 50).add(200, 0.2);
    assertEquals(120, warm.mean(), 1e-9);
  }

  @Test
  void addAllEqualsAddingOneByOne() {
    Ewma oneByOne = new Ewma(3, 2);
    for (int i = 0; i < 37; i++) {
      oneByOne = oneByOne.add(11, 0.2);
    }
    Ewma batched = new Ewma(3, 2).addAll(11, 37, 0.2);
    assertEquals(oneByOne.mean(), batched.mean(), 1e-9);
    assertEquals(oneByOne.samples(), batched.samples());
  }

  @Test
  void ignoresSamplesThatAreNotTimes() {
    Ewma e = new Ewma(7, 3);
    assertEquals(e, e.add(-1, 0.2));
    assertEquals(e, e.add(Double.NaN, 0.2));
    assertEquals(e, e.addAll(5, 0, 0.2));
    assertThrows(IllegalArgumentException.class, () -> e.add(1, 0));
  }

  @Test
  void keysReadBackWhateverTheDeviceClass() {
    EstimateKey k = EstimateKey.service("f", 3, "gpu:NVIDIA H100 80GB|x", 24);
    assertEquals(16, k.batch());
    assertEquals(k, EstimateKey.parse(k.text()));
    assertEquals(EstimateKey.load("f", "cpu"), EstimateKey.parse(EstimateKey.load("f", "cpu").text()));
    assertThrows(IllegalArgumentException.class, () -> EstimateKey.parse("nope"));
  }
}
