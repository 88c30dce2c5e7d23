package io.zeroserve.scheduler;

/**
 * What a replica's recent requests say of its next ones: the chance that evicting it makes someone
 * wait for its reload, and the arrivals a version's replicas can expect.
 *
 * <p>Requests to a function come in bursts with quiet spells between them (as in the Azure Functions
 * traces). During a burst they come at the rate the replica measured while in use, {@code r}. After
 * {@code t} seconds without one, a gap that long is still within the burst with chance
 * {@code e^(-r t)}; otherwise the burst is over, and the quiet spell is taken to last about as long
 * again as it has so far (the longer a function has been quiet, the longer it tends to stay so), and
 * no less than a gap within the burst or a second: {@code q = max(t, 1 / r, 1 s)}. So, with
 * {@code b = e^(-r t)}:
 *
 * <pre>
 *   chance of a request within h = b (1 - e^(-r h)) + (1 - b) (1 - e^(-h / q))
 *   requests a second from now on = b r + (1 - b) / q        (0 while r is not measured yet)
 * </pre>
 *
 * <p>The idle time carries most of it. The earlier forecast, a rate decayed with idle time, priced a
 * replica by how busy it had been in the last minute, and kept replicas of ended bursts while evicting
 * ones about to be used again: in the simulator this forecast cut the cold starts on the skewed
 * workload by a third to four fifths and took its p99 from 0.36-0.61x to 0.21-0.51x the best
 * baseline's (bench/RESULTS-scheduler.md, section 5). Dropping the rate from the chance measured the
 * same; the rate is what counts a busy version's arrivals (without it, p50 rose from 84 to 104 ms).
 */
public final class RequestForecast {

  /** A quiet spell is taken to last at least this long. */
  static final double MIN_QUIET_SECONDS = 1;

  private RequestForecast() {}

  /**
   * Chance of at least one request within {@code horizonSeconds}.
   *
   * @param inUseRate requests a second while in use; 0 before a second request measured it
   * @param idleSeconds since its last request (or its load, if none)
   */
  public static double chanceWithin(double inUseRate, double idleSeconds, double horizonSeconds) {
    double stillInBurst = stillInBurst(inUseRate, idleSeconds);
    double inBurst = -Math.expm1(-inUseRate * horizonSeconds);
    double afterBurst = -Math.expm1(-horizonSeconds / quietSeconds(inUseRate, idleSeconds));
    return stillInBurst * inBurst + (1 - stillInBurst) * afterBurst;
  }

  /**
   * Requests a second to expect from now on: the burst's rate while it lasts, else one per quiet spell;
   * 0 before a rate is measured (a new replica's first request is no evidence of a second).
   */
  public static double expectedRate(double inUseRate, double idleSeconds) {
    if (!(inUseRate > 0)) {
      return 0;
    }
    double stillInBurst = stillInBurst(inUseRate, idleSeconds);
    return stillInBurst * inUseRate + (1 - stillInBurst) / quietSeconds(inUseRate, idleSeconds);
  }

  private static double stillInBurst(double inUseRate, double idleSeconds) {
    return inUseRate > 0 ? Math.exp(-inUseRate * Math.max(0, idleSeconds)) : 0;
  }

  /** How long a quiet spell that has lasted {@code idleSeconds} is expected to go on: as long again, and no shorter than a gap within a burst. */
  private static double quietSeconds(double inUseRate, double idleSeconds) {
    return Math.max(Math.max(MIN_QUIET_SECONDS, idleSeconds), inUseRate > 0 ? 1 / inUseRate : 0);
  }
}
