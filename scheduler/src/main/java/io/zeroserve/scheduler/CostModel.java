package io.zeroserve.scheduler;

/**
 * Expected response time of each way to serve a request, in nanoseconds. Pure arithmetic over a
 * snapshot; {@link LeastExpectedResponseTime} picks the least.
 *
 * <ul>
 *   <li>Route to a replica: (time until it is READY, if LOADING) + queue wait + service + network.
 *       The queue ahead runs {@code parallelism} batches at a time, each of the batch size the queue
 *       makes ({@code ceil((outstanding + 1) / parallelism)}, at most maxBatchSize), at the learned
 *       service time of that batch size on the replica's device class. A device shared by several
 *       replicas (the CPU) is a queue of its own: the wait is the longer of the two, its
 *       other requests counted as the snapshot's build saw them, times {@code e^(-age / service)}.</li>
 *   <li>Cold start on a device: load + eviction cost (what reloading the evicted replicas will cost
 *       their users) + what is left of the device's queue once the load is done + service + network.</li>
 * </ul>
 */
public final class CostModel {

  private CostModel() {}

  public static long route(ReplicaView r, DeviceView device, PlacementRequest request, ClusterSnapshot s) {
    return route(r, device, request, s, s.estimates());
  }

  /** As above, with the estimates to use: a decision passes the ones it memoizes ({@link ServiceTimes}). */
  static long route(ReplicaView r, DeviceView device, PlacementRequest request, ClusterSnapshot s, Estimates est) {
    FunctionProfile f = request.function();
    int q = r.outstanding();
    int batch = (int) Math.min(f.maxBatchSize(), Math.max(1, ceilDiv(q + 1, r.parallelism())));
    long serviceNanos = est.serviceNanos(f, device.deviceClass(), device.kind(), batch);
    long rounds = q / ((long) r.parallelism() * batch);
    long queueNanos = rounds * serviceNanos;
    long service1 = est.serviceNanos(f, device.deviceClass(), device.kind(), 1);
    // The other replicas' requests on the device are counted as of the snapshot's build: since then they
    // have drained at about a service time each, and every node decides on the same counts, so taken
    // at face value they sent everyone to the device that was quiet then (simulated 100-node uniform
    // workload, 100 ms between builds: mean 68 -> 62 ms, below join-shortest-queue's 63). On a node,
    // another node's counts are older than the build by up to the directory's publish period, which
    // this age does not include: the discount is the least it should be there.
    double others = (s.outstandingOn(device) - q) * Math.exp(-(double) s.ageNanos() / Math.max(1, service1));
    long deviceWait = deviceWait(device, others, service1);
    long untilReady = r.phase() == ReplicaView.Phase.LOADING ? Math.max(0, r.readyAtNanos() - s.nowNanos()) : 0;
    return untilReady + Math.max(queueNanos, deviceWait) + serviceNanos
        + s.network().nanos(request.receivingNode(), r.nodeId(), request.payloadBytes());
  }

  public static long coldStart(DeviceView device, long evictionNanos, PlacementRequest request, ClusterSnapshot s) {
    FunctionProfile f = request.function();
    Estimates est = s.estimates();
    long load = est.loadNanos(f, device.deviceClass(), device.kind());
    long serviceNanos = est.serviceNanos(f, device.deviceClass(), device.kind(), 1);
    long deviceWait = deviceWait(device, s.outstandingOn(device), serviceNanos);
    return load + evictionNanos + Math.max(0, deviceWait - load) + serviceNanos
        + s.network().nanos(request.receivingNode(), device.nodeId(), request.payloadBytes());
  }

  /**
   * Wait for a free lane on a device with {@code othersOutstanding} requests of other replicas on it,
   * each taking about {@code serviceNanos}: zero while it has a lane to spare, else all of their work
   * spread over its lanes. (Weighing each queued request at its own function's service time instead
   * looked more exact, and made the simulated 100-node skewed workload's p99 20 times worse: placement
   * then fled shared devices for cold starts.)
   */
  static long deviceWait(DeviceView device, double othersOutstanding, long serviceNanos) {
    return othersOutstanding < device.parallelism() ? 0
        : (long) (othersOutstanding * serviceNanos / device.parallelism());
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
