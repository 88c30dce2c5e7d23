package io.zeroserve.cluster.hazelcast;

import com.hazelcast.map.EntryProcessor;
import io.zeroserve.cluster.VersionedDoc;
import java.util.Map;

/**
 * Stores {@code next} only if the document's current revision is {@code expectedRevision} (0: absent)
 * and {@code next} goes beyond it ({@link VersionedDoc#compareAndSetAccepts}). Runs on the partition
 * owner, then on the backup with the same outcome (it is deterministic). Returns whether it stored.
 */
public record CompareAndSetDoc(long expectedRevision, VersionedDoc next)
    implements EntryProcessor<String, VersionedDoc, Boolean> {

  @Override
  public Boolean process(Map.Entry<String, VersionedDoc> entry) {
    if (!VersionedDoc.compareAndSetAccepts(entry.getValue(), expectedRevision, next)) {
      return false;
    }
    entry.setValue(next);
    return true;
  }
}
