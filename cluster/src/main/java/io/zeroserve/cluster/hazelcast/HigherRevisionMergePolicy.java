package io.zeroserve.cluster.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.zeroserve.cluster.VersionedDoc;

/**
 * When a split brain heals, keeps the document with the higher revision, so that revisions still only
 * grow (Hazelcast's default keeps the larger cluster's entry, which can undo a newer write or a delete
 * made on the smaller side). On equal revisions the existing entry stays.
 */
public final class HigherRevisionMergePolicy
    implements SplitBrainMergePolicy<VersionedDoc, MergingValue<VersionedDoc>, Object> {

  @Override
  public Object merge(MergingValue<VersionedDoc> merging, MergingValue<VersionedDoc> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    VersionedDoc incoming = merging.getValue();
    return incoming != null && incoming.supersedes(existing.getValue())
        ? merging.getRawValue()
        : existing.getRawValue();
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // stateless
  }

  @Override
  public void readData(ObjectDataInput in) {
    // stateless
  }
}
