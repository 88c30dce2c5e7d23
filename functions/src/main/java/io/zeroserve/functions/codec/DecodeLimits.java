package io.zeroserve.functions.codec;

/**
 * Bounds on what one request may make the codecs allocate. Checked before anything is allocated, so
 * a small body that declares a huge shape fails fast instead of exhausting memory. Immutable.
 *
 * @param maxElementsPerTensor most elements one tensor may hold (any datatype)
 * @param maxBytesPerTensor most bytes one tensor may hold: element count x element size, or for
 *     {@code BYTES} the sum of the elements' UTF-8 lengths
 * @param maxJsonDepth deepest nesting of JSON objects and arrays, counting the top-level object as 1
 * @param maxStringBytes longest JSON string in bytes (UTF-8), and longest {@code BYTES} element
 */
public record DecodeLimits(long maxElementsPerTensor, long maxBytesPerTensor, int maxJsonDepth,
                           int maxStringBytes) {

  /** 64 Mi elements. */
  public static final long DEFAULT_MAX_ELEMENTS_PER_TENSOR = 64L << 20;
  /** 256 MiB. */
  public static final long DEFAULT_MAX_BYTES_PER_TENSOR = 256L << 20;
  /** Deep enough for a rank-32 tensor inside a V2 request, shallow enough to stop nesting bombs. */
  public static final int DEFAULT_MAX_JSON_DEPTH = 64;
  /** 16 MiB. */
  public static final int DEFAULT_MAX_STRING_BYTES = 16 << 20;

  public static final DecodeLimits DEFAULTS = new DecodeLimits(DEFAULT_MAX_ELEMENTS_PER_TENSOR,
      DEFAULT_MAX_BYTES_PER_TENSOR, DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_STRING_BYTES);

  // Tensors live in direct ByteBuffers and String[]s, both indexed by int; leave the JDK's array header slack.
  private static final long MAX_INDEXABLE = Integer.MAX_VALUE - 8;

  public DecodeLimits {
    if (maxElementsPerTensor <= 0 || maxElementsPerTensor > MAX_INDEXABLE) {
      throw new IllegalArgumentException("maxElementsPerTensor must be in [1, " + MAX_INDEXABLE + "], was: "
          + maxElementsPerTensor);
    }
    if (maxBytesPerTensor <= 0 || maxBytesPerTensor > MAX_INDEXABLE) {
      throw new IllegalArgumentException("maxBytesPerTensor must be in [1, " + MAX_INDEXABLE + "], was: "
          + maxBytesPerTensor);
    }
    // 3 levels are the V2 envelope: request object, inputs array, input object.
    if (maxJsonDepth < 4) {
      throw new IllegalArgumentException("maxJsonDepth must be >= 4, was: " + maxJsonDepth);
    }
    if (maxStringBytes <= 0) {
      throw new IllegalArgumentException("maxStringBytes must be > 0, was: " + maxStringBytes);
    }
  }
}
