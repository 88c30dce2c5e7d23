package io.zeroserve.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeviceReservationsTest {

  private static final DeviceReservations HELD =
      new DeviceReservations("n", "gpu0", Map.of("r1", 30L, "r2", 50L));

  @Test
  void when_totalStaysWithinCapacity_then_reserveAdds() {
    assertEquals(Optional.of(new DeviceReservations("n", "gpu0", Map.of("r1", 30L, "r2", 50L, "r3", 20L))),
        HELD.reserve(100, "r3", 20));
    assertEquals(Optional.empty(), HELD.reserve(100, "r3", 21));
    assertEquals(80, HELD.totalBytes());
  }

  @Test
  void when_replicaHoldsAReservation_then_reserveReplacesItsAmount() {
    assertEquals(Map.of("r1", 50L, "r2", 50L), HELD.reserve(100, "r1", 50).orElseThrow().bytesByReplica());
    assertEquals(Optional.empty(), HELD.reserve(100, "r1", 51));
    assertSame(HELD, HELD.reserve(100, "r1", 30).orElseThrow(), "the same amount changes nothing");
  }

  @Test
  void when_sizesAreHuge_then_noOverflowLetsAReservationThrough() {
    DeviceReservations big = DeviceReservations.none("n", "d").reserve(Long.MAX_VALUE, "a", Long.MAX_VALUE - 1)
        .orElseThrow();
    assertEquals(Optional.empty(), big.reserve(Long.MAX_VALUE, "b", 2));
    assertEquals(Optional.empty(), big.reserve(10, "b", 0), "held beyond a smaller capacity");
  }

  @Test
  void when_released_then_goneAndIdempotent() {
    DeviceReservations after = HELD.release("r1");
    assertEquals(Map.of("r2", 50L), after.bytesByReplica());
    assertSame(after, after.release("r1"));
    assertTrue(after.release("r2").isEmpty());
  }

  @Test
  void keyJoinsNodeAndDevice_and_refusesTheSeparatorInEither() {
    assertEquals("n/gpu0", HELD.key());
    assertEquals("nodeId must not contain '/', was: 'a/b'", assertThrows(IllegalArgumentException.class,
        () -> DeviceReservations.key("a/b", "gpu0")).getMessage());
    assertEquals("bytes of r must be >= 0, was: -1", assertThrows(IllegalArgumentException.class,
        () -> new DeviceReservations("n", "d", Map.of("r", -1L))).getMessage());
  }

  @Test
  void recordsCheckTheirArguments() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new DeviceInfo("d", "tpu", "x", "x", 1, 1, false))
        .getMessage().startsWith("kind must be one of "));
    assertEquals("parallelism must be >= 1, was: 0", assertThrows(IllegalArgumentException.class,
        () -> new DeviceInfo("d", DeviceInfo.CPU, "x", "x", 1, 0, false)).getMessage());
    assertEquals("memoryCapacityBytes must be >= 0, was: -1", assertThrows(IllegalArgumentException.class,
        () -> new DeviceInfo("d", DeviceInfo.CPU, "x", "x", -1, 1, false)).getMessage());
    DeviceInfo cpu = new DeviceInfo("cpu", DeviceInfo.CPU, "x", "x", 1, 1, false);
    assertEquals("devices must have distinct deviceIds, was: cpu", assertThrows(IllegalArgumentException.class,
        () -> new NodeInfo("n", "h", 1, 0, false, List.of(cpu, cpu))).getMessage());
    assertEquals(List.of(), new NodeInfo("n", "h", 1, 0, false).devices());
    assertEquals("outstanding must be >= 0, was: -1", assertThrows(IllegalArgumentException.class,
        () -> new ReplicaLocation("r", "n", "f", 1, "READY", 0, "cpu", -1, 0)).getMessage());
    ReplicaLocation r = new ReplicaLocation("r", "n", "f", 1, "READY", 0);
    assertEquals(ReplicaLocation.DEFAULT_DEVICE_ID, r.deviceId());
    assertTrue(r.differsOnlyInLoad(r.withLoad(5, 9)));
    assertTrue(!r.differsOnlyInLoad(r.withState("DRAINING", 9)) && !r.differsOnlyInLoad(null));
  }
}
