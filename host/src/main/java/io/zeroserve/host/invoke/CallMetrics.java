package io.zeroserve.host.invoke;

/** What the call router reports: a write-only sink. Thread-safe implementations. */
public interface CallMetrics {

  /**
   * A call ended, answered or failed, {@code nanos} after it arrived.
   *
   * @param version the version that served it, or 0 when none was resolved
   * @param failure null when it was answered
   */
  void finished(String function, int version, Throwable failure, long nanos);

  /** A placement decision: {@code route_local}, {@code route_remote}, {@code cold_start}, {@code no_capacity}. */
  void placed(String kind);

  /** A call was forwarded to another node; {@code retriedHere} when that failed and it ran here instead. */
  void forwarded(boolean retriedHere);

  /** A sink that reports to both {@code first} and {@code second}, in that order. */
  static CallMetrics both(CallMetrics first, CallMetrics second) {
    return new CallMetrics() {
      @Override
      public void finished(String function, int version, Throwable failure, long nanos) {
        first.finished(function, version, failure, nanos);
        second.finished(function, version, failure, nanos);
      }

      @Override
      public void placed(String kind) {
        first.placed(kind);
        second.placed(kind);
      }

      @Override
      public void forwarded(boolean retriedHere) {
        first.forwarded(retriedHere);
        second.forwarded(retriedHere);
      }
    };
  }

  CallMetrics NONE = new CallMetrics() {
    @Override
    public void finished(String function, int version, Throwable failure, long nanos) {}

    @Override
    public void placed(String kind) {}

    @Override
    public void forwarded(boolean retriedHere) {}
  };
}
