package io.zeroserve.host.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Request ids in log lines. A request's id is put in the MDC (key {@value #MDC_KEY}) while code
 * that works on the request runs on a thread, and taken out again: event-loop threads interleave
 * many requests, so it must never be left behind. Both formats print it; JSON lines carry it in
 * {@code "mdc"}.
 *
 * <p>The access log ({@link #ACCESS}) writes one line per request: on the node that received it
 * and, for a call forwarded to another node, on the node that ran it too.
 */
public final class RequestLog {

  public static final String MDC_KEY = "request_id";
  /** One INFO line per request (health checks and scrapes at DEBUG). */
  public static final Logger ACCESS = LoggerFactory.getLogger("zeroserve.access");

  private RequestLog() {}

  /** Runs {@code work} with {@code requestId} in the MDC, then restores what was there. */
  public static void withId(String requestId, Runnable work) {
    String previous = MDC.get(MDC_KEY);
    MDC.put(MDC_KEY, requestId);
    try {
      work.run();
    } finally {
      if (previous == null) {
        MDC.remove(MDC_KEY);
      } else {
        MDC.put(MDC_KEY, previous);
      }
    }
  }
}
