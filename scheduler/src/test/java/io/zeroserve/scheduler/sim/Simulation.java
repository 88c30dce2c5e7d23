package io.zeroserve.scheduler.sim;

import java.util.PriorityQueue;

/**
 * The discrete-event engine: a simulated nanosecond clock and a queue of actions ordered by time,
 * then by the order they were scheduled, so that a run with one seed always gives the same result.
 * Not thread-safe: one simulation runs on one thread.
 */
final class Simulation {

  private record Event(long time, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long now;
  private long seq;
  private long processed;

  long now() {
    return now;
  }

  /** Runs {@code action} at simulated time {@code time}, which must not be in the past. */
  void at(long time, Runnable action) {
    if (time < now) {
      throw new IllegalArgumentException("cannot schedule in the past: " + time + " < " + now);
    }
    queue.add(new Event(time, seq++, action));
  }

  void after(long delayNanos, Runnable action) {
    at(now + delayNanos, action);
  }

  /** Runs every event up to and including {@code end}, then leaves the clock at {@code end}. */
  void runUntil(long end) {
    while (!queue.isEmpty() && queue.peek().time <= end) {
      Event e = queue.poll();
      now = e.time;
      processed++;
      e.action.run();
    }
    now = Math.max(now, end);
  }

  long eventsProcessed() {
    return processed;
  }
}
