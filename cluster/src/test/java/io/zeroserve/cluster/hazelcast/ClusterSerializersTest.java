package io.zeroserve.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.nio.serialization.FieldKind;
import com.hazelcast.nio.serialization.compact.CompactReader;
import io.zeroserve.cluster.ReplicaLocation;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Entries written by nodes of an older version, without the fields added since, still read. */
class ClusterSerializersTest {

  private final ClusterSerializers.ReplicaLocationSerializer serializer =
      new ClusterSerializers.ReplicaLocationSerializer();

  /** A compact record with just these fields, as an older node wrote it. */
  private static CompactReader written(Map<String, Object> fields) {
    return (CompactReader) Proxy.newProxyInstance(CompactReader.class.getClassLoader(),
        new Class<?>[] {CompactReader.class}, (proxy, method, args) -> {
          String field = (String) args[0];
          if (method.getName().equals("getFieldKind")) {
            return fields.containsKey(field) ? FieldKind.STRING : FieldKind.NOT_AVAILABLE; // only presence is read
          }
          if (!fields.containsKey(field)) {
            throw new IllegalStateException("read a field the writer did not write: " + field);
          }
          return fields.get(field);
        });
  }

  private static Map<String, Object> firstVersionFields() {
    Map<String, Object> f = new HashMap<>();
    f.put("replicaId", "b/r1");
    f.put("nodeId", "b");
    f.put("function", "f");
    f.put("version", 2);
    f.put("state", "READY");
    f.put("updatedAtMillis", 5_000L);
    return f;
  }

  @Test
  void anEntryWithoutLoadRateOrLastUse_readsWithTheDefaults() {
    ReplicaLocation r = serializer.read(written(firstVersionFields()));

    assertEquals(new ReplicaLocation("b/r1", "b", "f", 2, "READY", 5_000, ReplicaLocation.DEFAULT_DEVICE_ID, 0, 0,
        ReplicaLocation.UNKNOWN_RATE, 5_000), r);
  }

  /** As the version before last use was published wrote it: with its device, load and rate. */
  private static Map<String, Object> secondVersionFields() {
    Map<String, Object> f = firstVersionFields();
    f.put("deviceId", "gpu0");
    f.put("outstanding", 3);
    f.put("memoryBytes", 1L << 30);
    f.put("requestsPerSecond", 0.5);
    return f;
  }

  @Test
  void anEntryWithARateButNoLastUse_isTakenAsUsedWhenWritten() {
    ReplicaLocation r = serializer.read(written(secondVersionFields()));

    assertEquals(new ReplicaLocation("b/r1", "b", "f", 2, "READY", 5_000, "gpu0", 3, 1L << 30, 0.5, 5_000), r);
  }

  @Test
  void aCurrentEntry_readsEveryField() {
    Map<String, Object> f = secondVersionFields();
    f.put("lastUsedAtMillis", 4_200L);

    assertEquals(4_200, serializer.read(written(f)).lastUsedAtMillis());
  }
}
