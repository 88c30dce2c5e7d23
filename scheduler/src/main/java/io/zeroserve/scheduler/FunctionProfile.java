package io.zeroserve.scheduler;

import java.util.Objects;

/**
 * What placement needs to know about the function version a request is for.
 *
 * @param modelBytes size of the model file: the prior for load and service times
 * @param memoryBytes what one replica reserves on its device
 * @param requirement which devices it may run on
 * @param maxReplicas replicas it may have in the whole cluster
 * @param maxBatchSize largest batch a replica runs; 1: no batching
 * @param idleTimeoutNanos how long an idle replica is kept: a replica not needed within it would have
 *     been unloaded anyway, which bounds what evicting it costs
 */
public record FunctionProfile(String function, int version, long modelBytes, long memoryBytes,
                              DeviceRequirement requirement, int maxReplicas, int maxBatchSize,
                              long idleTimeoutNanos) {

  public FunctionProfile {
    Objects.requireNonNull(function, "function cannot be null");
    Objects.requireNonNull(requirement, "requirement cannot be null");
    if (version < 1 || modelBytes < 0 || memoryBytes < 0 || maxReplicas < 0 || maxBatchSize < 1
        || idleTimeoutNanos <= 0) {
      throw new IllegalArgumentException("need version, maxBatchSize >= 1, modelBytes, memoryBytes, maxReplicas >= 0, "
          + "idleTimeoutNanos > 0");
    }
  }
}
