package io.zeroserve.scheduler;

/**
 * What sending a request to another node costs: a fixed hop plus its bytes. Serving it where it
 * arrived costs nothing.
 *
 * @param hopNanos round trip of a small message between nodes (event bus: ~0.2 ms on a LAN)
 * @param nanosPerByte transfer cost of the body, both ways (1 MiB: ~4 ms)
 */
public record NetworkModel(long hopNanos, double nanosPerByte) {

  public static final NetworkModel DEFAULT = new NetworkModel(200_000, 4.0);

  public NetworkModel {
    if (hopNanos < 0 || !(nanosPerByte >= 0)) {
      throw new IllegalArgumentException("hopNanos and nanosPerByte must be >= 0");
    }
  }

  public long nanos(String from, String to, long payloadBytes) {
    return from.equals(to) ? 0 : hopNanos + (long) (payloadBytes * nanosPerByte);
  }
}
