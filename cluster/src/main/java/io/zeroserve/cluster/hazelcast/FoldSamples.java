package io.zeroserve.cluster.hazelcast;

import com.hazelcast.map.EntryProcessor;
import io.zeroserve.scheduler.estimate.Ewma;
import java.util.Map;

/**
 * Folds {@code count} samples of mean {@code meanNanos} into a key's shared estimate with
 * {@link Ewma#addAll} at {@link Ewma#DEFAULT_ALPHA} (absent: {@link Ewma#EMPTY}). Runs on the
 * partition owner, then on the backup, on the same value (it is deterministic). Returns nothing: callers
 * do not wait for it.
 */
public record FoldSamples(double meanNanos, long count) implements EntryProcessor<String, Ewma, Void> {

  @Override
  public Void process(Map.Entry<String, Ewma> entry) {
    Ewma current = entry.getValue();
    entry.setValue((current == null ? Ewma.EMPTY : current).addAll(meanNanos, count, Ewma.DEFAULT_ALPHA));
    return null;
  }
}
