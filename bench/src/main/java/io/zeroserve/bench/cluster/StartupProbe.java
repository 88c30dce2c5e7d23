package io.zeroserve.bench.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a benchmark: a reproducer for requests that a starting node reads and never answers (see
 * RESULTS-cluster.md, "Bugs", item 2). Starts a node {@code starts} times; from the moment its port
 * accepts until it answers 200, opens a new connection every 2 ms and sends one
 * {@code GET /v2/health/ready} on it. Then gives every request {@link #ANSWER_WAIT_MS} to be answered,
 * and counts those that were not, beside the lines of the node's log that name a null
 * {@code socketMetric}. Plain blocking sockets, so no client library sits between the bench and what
 * the node sends.
 *
 * <p>System property: {@code starts} (default 10).
 */
public final class StartupProbe {

  private static final int STARTS = Integer.getInteger("starts", 10);
  private static final long PROBE_EVERY_MS = 2;
  private static final long ANSWER_WAIT_MS = 3_000;
  private static final long START_TIMEOUT_MS = 60_000;
  private static final byte[] GET_READY =
      "GET /v2/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private StartupProbe() {}

  public static void main(String[] args) throws IOException {
    System.out.println("StartupProbe on " + ClusterRun.machine() + "; starts=" + STARTS);
    int unansweredTotal = 0;
    try (ClusterRun run = new ClusterRun("StartupProbe")) {
      for (int i = 0; i < STARTS; i++) {
        NodeProcess node = run.launchAlone("p" + i);
        List<Socket> open = new ArrayList<>();
        int sent = 0;
        boolean ready = false;
        long deadline = System.nanoTime() + START_TIMEOUT_MS * 1_000_000;
        while (!ready && System.nanoTime() - deadline < 0 && node.isAlive()) {
          try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(Loopback.HOST, node.httpPort()), 500);
            s.getOutputStream().write(GET_READY);
            open.add(s);
            sent++;
          } catch (IOException e) {
            // not listening yet
          }
          ready = collect(open, 1).ready();
          NodeProcess.sleep(PROBE_EVERY_MS);
        }
        Collected last = collect(open, (int) ANSWER_WAIT_MS);
        for (Socket s : open) {
          s.close();
        }
        node.kill();
        long npe = node.logLines("\"socketMetric\" is null").size();
        unansweredTotal += last.unanswered();
        System.out.printf("start %d: %s, %d requests sent, %d unanswered %d ms after the last;"
            + " log lines naming a null socketMetric: %d%n", i, ready || last.ready() ? "ready" : "NOT READY",
            sent, last.unanswered(), ANSWER_WAIT_MS, npe);
      }
    }
    System.out.println("unanswered requests in all: " + unansweredTotal);
  }

  private record Collected(boolean ready, int unanswered) {}

  /**
   * Reads what each open socket has received, waiting up to {@code waitMs} on each; removes and
   * closes the answered ones. Ready: one of them answered 200.
   */
  private static Collected collect(List<Socket> open, int waitMs) throws IOException {
    boolean ready = false;
    int unanswered = 0;
    for (Socket s : List.copyOf(open)) {
      s.setSoTimeout(waitMs);
      InputStream in = s.getInputStream();
      byte[] buffer = new byte[512];
      try {
        int n = in.read(buffer);
        if (n > 0) {
          ready |= new String(buffer, 0, n, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
          open.remove(s);
          s.close();
        } else {
          unanswered++; // closed without an answer
        }
      } catch (SocketTimeoutException e) {
        unanswered++;
      }
    }
    return new Collected(ready, unanswered);
  }
}
