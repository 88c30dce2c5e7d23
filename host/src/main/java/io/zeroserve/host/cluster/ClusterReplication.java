package io.zeroserve.host.cluster;

import io.zeroserve.cluster.ClusterState;
import io.zeroserve.cluster.VersionedDoc;
import io.zeroserve.functions.store.RecordReplication;
import java.util.Collection;
import java.util.Optional;

/**
 * Shares function records through the cluster's replicated documents: the adapter between the
 * registry's port ({@code functions/} knows nothing of the cluster) and {@link ClusterState}.
 * Thread-safe; blocking, like the cluster calls it makes.
 */
public final class ClusterReplication implements RecordReplication {

  private final ClusterState cluster;

  public ClusterReplication(ClusterState cluster) {
    this.cluster = cluster;
  }

  @Override
  public Optional<Shared> get(String name) {
    return cluster.get(name).map(ClusterReplication::shared);
  }

  @Override
  public Collection<Shared> all() {
    return cluster.all().stream().map(ClusterReplication::shared).toList();
  }

  @Override
  public boolean compareAndSet(String name, long expectedRevision, Shared next) {
    return cluster.compareAndSet(name, expectedRevision, doc(next));
  }

  @Override
  public boolean putIfNewer(Shared doc) {
    return cluster.putIfNewer(doc(doc));
  }

  public static Shared shared(VersionedDoc doc) {
    return new Shared(doc.key(), doc.revision(), doc.deleted(), doc.json());
  }

  private static VersionedDoc doc(Shared s) {
    return new VersionedDoc(s.name(), s.revision(), s.deleted(), s.json());
  }
}
