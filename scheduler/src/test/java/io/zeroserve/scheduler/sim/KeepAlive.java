package io.zeroserve.scheduler.sim;

import io.zeroserve.scheduler.ReplicaView.Phase;
import io.zeroserve.scheduler.sim.SimCluster.Replica;

/**
 * The baselines' scale-in: the classic fixed keep-alive window. A replica is unloaded once no
 * request has been sent to it for {@code windowNanos} and it has nothing left to do.
 */
final class KeepAlive implements SimCluster.ScaleIn {

  private final long windowNanos;

  KeepAlive(long windowNanos) {
    this.windowNanos = windowNanos;
  }

  @Override
  public void start(SimCluster cluster) {}

  @Override
  public void onRequest(Replica r, SimCluster c) {
    if (!r.expiryScheduled) {
      r.expiryScheduled = true;
      c.sim.at(r.lastUsed + windowNanos, () -> check(r, c));
    }
  }

  private void check(Replica r, SimCluster c) {
    r.expiryScheduled = false;
    if (r.removed || r.phase == Phase.DRAINING) {
      return;
    }
    long now = c.sim.now();
    if (now - r.lastUsed >= windowNanos && r.idle()) {
      c.unload(r, SimCluster.Unload.EXPIRED);
      return;
    }
    r.expiryScheduled = true;
    c.sim.at(Math.max(r.lastUsed + windowNanos, now + 1_000_000_000L), () -> check(r, c));
  }
}
