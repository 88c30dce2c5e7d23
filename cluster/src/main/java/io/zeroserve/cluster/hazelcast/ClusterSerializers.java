package io.zeroserve.cluster.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.zeroserve.cluster.NodeInfo;
import io.zeroserve.cluster.ReplicaLocation;
import io.zeroserve.cluster.VersionedDoc;

/**
 * Compact serializers for everything this module puts on the wire: fields by name with a schema, so a
 * field can be added in a rolling upgrade, and no Java serialization (registered Compact wins over
 * {@code Serializable}, which the entry processors inherit). Type names are stable: never rename them.
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
        .addSerializer(new PutIfNewerSerializer());
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
      return new NodeInfo(in.readString("nodeId"), in.readString("httpHost"), in.readInt32("httpPort"),
          in.readInt64("startedAtMillis"), in.readBoolean("leaving"));
    }

    @Override
    public void write(CompactWriter out, NodeInfo node) {
      out.writeString("nodeId", node.nodeId());
      out.writeString("httpHost", node.httpHost());
      out.writeInt32("httpPort", node.httpPort());
      out.writeInt64("startedAtMillis", node.startedAtMillis());
      out.writeBoolean("leaving", node.leaving());
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
      return new ReplicaLocation(in.readString("replicaId"), in.readString("nodeId"), in.readString("function"),
          in.readInt32("version"), in.readString("state"), in.readInt64("updatedAtMillis"));
    }

    @Override
    public void write(CompactWriter out, ReplicaLocation replica) {
      out.writeString("replicaId", replica.replicaId());
      out.writeString("nodeId", replica.nodeId());
      out.writeString("function", replica.function());
      out.writeInt32("version", replica.version());
      out.writeString("state", replica.state());
      out.writeInt64("updatedAtMillis", replica.updatedAtMillis());
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
}
