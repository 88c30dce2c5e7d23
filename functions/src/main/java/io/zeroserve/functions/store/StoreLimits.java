package io.zeroserve.functions.store;

import io.zeroserve.functions.codec.DecodeLimits;

/**
 * How much one node's store accepts. Immutable.
 *
 * @param maxFunctions functions the store may hold; a deploy of another is refused (409)
 * @param maxVersions versions one function may hold at once; a deploy of another is refused (409)
 *     until one is deleted
 * @param maxTensorElements most elements a model may declare for one tensor (an initializer, or an
 *     input or output with fixed dimensions); more is refused at upload (400)
 * @param maxTensorBytes most bytes a model may declare for one tensor
 */
public record StoreLimits(int maxFunctions, int maxVersions, long maxTensorElements, long maxTensorBytes) {

  public static final int DEFAULT_MAX_FUNCTIONS = 10_000;
  public static final int DEFAULT_MAX_VERSIONS = 1_000;

  public static final StoreLimits DEFAULTS = new StoreLimits(DEFAULT_MAX_FUNCTIONS, DEFAULT_MAX_VERSIONS,
      DecodeLimits.DEFAULT_MAX_ELEMENTS_PER_TENSOR, DecodeLimits.DEFAULT_MAX_BYTES_PER_TENSOR);

  public StoreLimits {
    if (maxFunctions < 1) {
      throw new IllegalArgumentException("maxFunctions must be >= 1, was: " + maxFunctions);
    }
    if (maxVersions < 1) {
      throw new IllegalArgumentException("maxVersions must be >= 1, was: " + maxVersions);
    }
    if (maxTensorElements < 1) {
      throw new IllegalArgumentException("maxTensorElements must be >= 1, was: " + maxTensorElements);
    }
    if (maxTensorBytes < 1) {
      throw new IllegalArgumentException("maxTensorBytes must be >= 1, was: " + maxTensorBytes);
    }
  }

  /** These limits with another function count. */
  public StoreLimits withMaxFunctions(int n) {
    return new StoreLimits(n, maxVersions, maxTensorElements, maxTensorBytes);
  }
}
