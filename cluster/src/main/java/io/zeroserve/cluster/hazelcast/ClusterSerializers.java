package io.zeroserve.cluster.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.nio.serialization.FieldKind;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.zeroserve.cluster.DeviceInfo;
import io.zeroserve.cluster.DeviceReservations;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.VersionedDoc;
import io.zeroserve.scheduler.estimate.Ewma;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compact serializers for everything this module puts on the wire: fields by name with a schema, so a
 * field can be added in a rolling upgrade, and no Java serialization (registered Compact wins over
 * {@code Serializable}, which the entry processors inherit). Type names are stable: never rename them. A
 * field added later is read only when the writer wrote it ({@link CompactReader#getFieldKind}), with the
 * default its record's older constructor uses, so members of the previous version can still be read.
 */
final class ClusterSerializers {

  private ClusterSerializers() {
  }

  static void register(Config config) {
    config.getSerializationConfig().getCompactSerializationConfig()
        .addSerializer(new VersionedDocSerializer())
        .addSerializer(new NodeInfoSerializer())
        .addSerializer(new ReplicaLocationSerializer())
        .addSerializer(new CompareAndSetDocSerializer())
        .addSerializer(new PutIfNewerSerializer())
        .addSerializer(new DeviceInfoSerializer())
        .addSerializer(new DeviceReservationsSerializer())
        .addSerializer(new EwmaSerializer())
        .addSerializer(new ReserveDeviceMemorySerializer())
        .addSerializer(new ReleaseReplicaSerializer())
        .addSerializer(new FoldSamplesSerializer());
  }

  private static boolean has(CompactReader in, String field) {
    return in.getFieldKind(field) != FieldKind.NOT_AVAILABLE;
  }

  static final class VersionedDocSerializer implements CompactSerializer<VersionedDoc> {
    @Override
    public VersionedDoc read(CompactReader in) {
      return new VersionedDoc(in.readString("key"), in.readInt64("revision"), in.readBoolean("deleted"),
          in.readString("json"));
    }

    @Override
    public void write(CompactWriter out, VersionedDoc doc) {
      out.writeString("key", doc.key());
      out.writeInt64("revision", doc.revision());
      out.writeBoolean("deleted", doc.deleted());
      out.writeString("json", doc.json());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.VersionedDoc";
    }

    @Override
    public Class<VersionedDoc> getCompactClass() {
      return VersionedDoc.class;
    }
  }

  static final class NodeInfoSerializer implements CompactSerializer<NodeInfo> {
    @Override
    public NodeInfo read(CompactReader in) {
      List<DeviceInfo> devices = has(in, "devices")
          ? Arrays.asList(in.readArrayOfCompact("devices", DeviceInfo.class)) : List.of();
      return new NodeInfo(in.readString("nodeId"), in.readString("httpHost"), in.readInt32("httpPort"),
          in.readInt64("startedAtMillis"), in.readBoolean("leaving"), devices);
    }

    @Override
    public void write(CompactWriter out, NodeInfo node) {
      out.writeString("nodeId", node.nodeId());
      out.writeString("httpHost", node.httpHost());
      out.writeInt32("httpPort", node.httpPort());
      out.writeInt64("startedAtMillis", node.startedAtMillis());
      out.writeBoolean("leaving", node.leaving());
      out.writeArrayOfCompact("devices", node.devices().toArray(new DeviceInfo[0]));
    }

    @Override
    public String getTypeName() {
      return "zeroserve.NodeInfo";
    }

    @Override
    public Class<NodeInfo> getCompactClass() {
      return NodeInfo.class;
    }
  }

  static final class ReplicaLocationSerializer implements CompactSerializer<ReplicaLocation> {
    @Override
    public ReplicaLocation read(CompactReader in) {
      boolean withLoad = has(in, "deviceId");
      long updatedAtMillis = in.readInt64("updatedAtMillis");
      return new ReplicaLocation(in.readString("replicaId"), in.readString("nodeId"), in.readString("function"),
          in.readInt32("version"), in.readString("state"), updatedAtMillis,
          withLoad ? in.readString("deviceId") : ReplicaLocation.DEFAULT_DEVICE_ID,
          withLoad ? in.readInt32("outstanding") : 0,
          withLoad ? in.readInt64("memoryBytes") : 0,
          has(in, "requestsPerSecond") ? in.readFloat64("requestsPerSecond") : ReplicaLocation.UNKNOWN_RATE,
          has(in, "lastUsedAtMillis") ? in.readInt64("lastUsedAtMillis") : updatedAtMillis);
    }

    @Override
    public void write(CompactWriter out, ReplicaLocation replica) {
      out.writeString("replicaId", replica.replicaId());
      out.writeString("nodeId", replica.nodeId());
      out.writeString("function", replica.function());
      out.writeInt32("version", replica.version());
      out.writeString("state", replica.state());
      out.writeInt64("updatedAtMillis", replica.updatedAtMillis());
      out.writeString("deviceId", replica.deviceId());
      out.writeInt32("outstanding", replica.outstanding());
      out.writeInt64("memoryBytes", replica.memoryBytes());
      out.writeFloat64("requestsPerSecond", replica.requestsPerSecond());
      out.writeInt64("lastUsedAtMillis", replica.lastUsedAtMillis());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.ReplicaLocation";
    }

    @Override
    public Class<ReplicaLocation> getCompactClass() {
      return ReplicaLocation.class;
    }
  }

  static final class CompareAndSetDocSerializer implements CompactSerializer<CompareAndSetDoc> {
    @Override
    public CompareAndSetDoc read(CompactReader in) {
      return new CompareAndSetDoc(in.readInt64("expectedRevision"), in.readCompact("next"));
    }

    @Override
    public void write(CompactWriter out, CompareAndSetDoc processor) {
      out.writeInt64("expectedRevision", processor.expectedRevision());
      out.writeCompact("next", processor.next());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.CompareAndSetDoc";
    }

    @Override
    public Class<CompareAndSetDoc> getCompactClass() {
      return CompareAndSetDoc.class;
    }
  }

  static final class PutIfNewerSerializer implements CompactSerializer<PutIfNewer> {
    @Override
    public PutIfNewer read(CompactReader in) {
      return new PutIfNewer(in.readCompact("doc"));
    }

    @Override
    public void write(CompactWriter out, PutIfNewer processor) {
      out.writeCompact("doc", processor.doc());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.PutIfNewer";
    }

    @Override
    public Class<PutIfNewer> getCompactClass() {
      return PutIfNewer.class;
    }
  }

  static final class DeviceInfoSerializer implements CompactSerializer<DeviceInfo> {
    @Override
    public DeviceInfo read(CompactReader in) {
      return new DeviceInfo(in.readString("deviceId"), in.readString("kind"), in.readString("name"),
          in.readString("deviceClass"), in.readInt64("memoryCapacityBytes"), in.readInt32("parallelism"),
          in.readBoolean("simulated"));
    }

    @Override
    public void write(CompactWriter out, DeviceInfo device) {
      out.writeString("deviceId", device.deviceId());
      out.writeString("kind", device.kind());
      out.writeString("name", device.name());
      out.writeString("deviceClass", device.deviceClass());
      out.writeInt64("memoryCapacityBytes", device.memoryCapacityBytes());
      out.writeInt32("parallelism", device.parallelism());
      out.writeBoolean("simulated", device.simulated());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.DeviceInfo";
    }

    @Override
    public Class<DeviceInfo> getCompactClass() {
      return DeviceInfo.class;
    }
  }

  /** The map of reservations as two parallel arrays; {@code nodeId} is a field so queries can select by it. */
  static final class DeviceReservationsSerializer implements CompactSerializer<DeviceReservations> {
    @Override
    public DeviceReservations read(CompactReader in) {
      String[] replicaIds = in.readArrayOfString("replicaIds");
      long[] bytes = in.readArrayOfInt64("bytes");
      if (replicaIds.length != bytes.length) {
        throw new IllegalStateException("replicaIds and bytes must have the same length, were: "
            + replicaIds.length + " and " + bytes.length);
      }
      Map<String, Long> byReplica = new HashMap<>();
      for (int i = 0; i < replicaIds.length; i++) {
        byReplica.put(replicaIds[i], bytes[i]);
      }
      return new DeviceReservations(in.readString("nodeId"), in.readString("deviceId"), byReplica);
    }

    @Override
    public void write(CompactWriter out, DeviceReservations reservations) {
      out.writeString("nodeId", reservations.nodeId());
      out.writeString("deviceId", reservations.deviceId());
      String[] replicaIds = reservations.bytesByReplica().keySet().toArray(new String[0]);
      long[] bytes = new long[replicaIds.length];
      for (int i = 0; i < replicaIds.length; i++) {
        bytes[i] = reservations.bytesByReplica().get(replicaIds[i]);
      }
      out.writeArrayOfString("replicaIds", replicaIds);
      out.writeArrayOfInt64("bytes", bytes);
    }

    @Override
    public String getTypeName() {
      return "zeroserve.DeviceReservations";
    }

    @Override
    public Class<DeviceReservations> getCompactClass() {
      return DeviceReservations.class;
    }
  }

  static final class EwmaSerializer implements CompactSerializer<Ewma> {
    @Override
    public Ewma read(CompactReader in) {
      return new Ewma(in.readFloat64("mean"), in.readInt64("samples"));
    }

    @Override
    public void write(CompactWriter out, Ewma ewma) {
      out.writeFloat64("mean", ewma.mean());
      out.writeInt64("samples", ewma.samples());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.Ewma";
    }

    @Override
    public Class<Ewma> getCompactClass() {
      return Ewma.class;
    }
  }

  static final class ReserveDeviceMemorySerializer implements CompactSerializer<ReserveDeviceMemory> {
    @Override
    public ReserveDeviceMemory read(CompactReader in) {
      return new ReserveDeviceMemory(in.readString("nodeId"), in.readString("deviceId"),
          in.readInt64("capacityBytes"), in.readString("replicaId"), in.readInt64("bytes"));
    }

    @Override
    public void write(CompactWriter out, ReserveDeviceMemory processor) {
      out.writeString("nodeId", processor.nodeId());
      out.writeString("deviceId", processor.deviceId());
      out.writeInt64("capacityBytes", processor.capacityBytes());
      out.writeString("replicaId", processor.replicaId());
      out.writeInt64("bytes", processor.bytes());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.ReserveDeviceMemory";
    }

    @Override
    public Class<ReserveDeviceMemory> getCompactClass() {
      return ReserveDeviceMemory.class;
    }
  }

  static final class ReleaseReplicaSerializer implements CompactSerializer<ReleaseReplica> {
    @Override
    public ReleaseReplica read(CompactReader in) {
      return new ReleaseReplica(in.readString("replicaId"));
    }

    @Override
    public void write(CompactWriter out, ReleaseReplica processor) {
      out.writeString("replicaId", processor.replicaId());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.ReleaseReplica";
    }

    @Override
    public Class<ReleaseReplica> getCompactClass() {
      return ReleaseReplica.class;
    }
  }

  static final class FoldSamplesSerializer implements CompactSerializer<FoldSamples> {
    @Override
    public FoldSamples read(CompactReader in) {
      return new FoldSamples(in.readFloat64("meanNanos"), in.readInt64("count"));
    }

    @Override
    public void write(CompactWriter out, FoldSamples processor) {
      out.writeFloat64("meanNanos", processor.meanNanos());
      out.writeInt64("count", processor.count());
    }

    @Override
    public String getTypeName() {
      return "zeroserve.FoldSamples";
    }

    @Override
    public Class<FoldSamples> getCompactClass() {
      return FoldSamples.class;
    }
  }
}
