package io.zeroserve.cluster.hazelcast;

import com.hazelcast.map.EntryProcessor;
import io.zeroserve.cluster.VersionedDoc;
import java.util.Map;

/**
 * Stores {@code doc} only if its revision is higher than the current one ({@link VersionedDoc#supersedes}):
 * a stale or repeated write changes nothing, so it is idempotent. Returns whether it stored.
 */
public record PutIfNewer(VersionedDoc doc) implements EntryProcessor<String, VersionedDoc, Boolean> {

  @Override
  public Boolean process(Map.Entry<String, VersionedDoc> entry) {
    if (!doc.supersedes(entry.getValue())) {
      return false;
    }
    entry.setValue(doc);
    return true;
  }
}
