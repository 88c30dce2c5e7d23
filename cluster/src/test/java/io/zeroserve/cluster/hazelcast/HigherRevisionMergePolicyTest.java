package io.zeroserve.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertSame;

import com.hazelcast.spi.merge.MergingValue;
import io.zeroserve.cluster.VersionedDoc;
import org.junit.jupiter.api.Test;

class HigherRevisionMergePolicyTest {

  private final HigherRevisionMergePolicy policy = new HigherRevisionMergePolicy();
  private final Merging rev1 = new Merging(new VersionedDoc("fn", 1, false, "{}"));
  private final Merging rev2 = new Merging(new VersionedDoc("fn", 2, true, "{}"));

  @Test
  void when_splitBrainHeals_then_theHigherRevisionWinsOnEitherSide() {
    assertSame(rev2.raw, policy.merge(rev2, rev1));
    assertSame(rev2.raw, policy.merge(rev1, rev2));
  }

  @Test
  void when_revisionsAreEqual_then_theExistingEntryStays() {
    Merging other = new Merging(new VersionedDoc("fn", 2, false, "{\"other\":1}"));
    assertSame(rev2.raw, policy.merge(other, rev2));
  }

  @Test
  void when_onlyTheMergingSideHasTheKey_then_itIsKept() {
    assertSame(rev1.raw, policy.merge(rev1, null));
  }

  private record Merging(VersionedDoc doc, Object raw) implements MergingValue<VersionedDoc> {
    Merging(VersionedDoc doc) {
      this(doc, new Object());
    }

    @Override
    public VersionedDoc getValue() {
      return doc;
    }

    @Override
    public Object getRawValue() {
      return raw;
    }
  }
}
