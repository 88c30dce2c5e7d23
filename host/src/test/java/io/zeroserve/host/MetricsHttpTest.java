package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zeroserve.examples.ExampleModels;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} after a known sequence of requests carries each meter with the right value. */
class MetricsHttpTest {

  @TempDir
  Path dir;

  @Test
  void knownSequence_isCountedExactly() throws Exception {
    try (NodeFixture node = NodeFixture.start(dir)) {
      assertEquals(201, node.deployReply("iris", ExampleModels.irisMlp()).status());
      for (int i = 0; i < 3; i++) {
        assertEquals(200, node.postJson("/v1/functions/iris/invoke", "{\"input\": [[5.1, 3.5, 1.4, 0.2]]}").status());
      }
      assertEquals(400, node.postJson("/v1/functions/iris/invoke", "{\"input\": [[5.1, 3.5]]}").status());
      assertEquals(404, node.postJson("/v1/functions/nope/invoke", "{}").status());

      String scrape = scrapeOnceGaugesRefreshed(node);
      assertEquals(3.0, value(scrape, "zeroserve_requests_total{function=\"iris\",outcome=\"success\",version=\"1\"}"));
      assertEquals(1.0, value(scrape, "zeroserve_requests_total{function=\"iris\",outcome=\"bad_request\",version=\"1\"}"));
      assertEquals(1.0, value(scrape, "zeroserve_requests_total{function=\"unknown\",outcome=\"not_found\",version=\"none\"}"));
      assertEquals(1.0, value(scrape, "zeroserve_coldstarts_total{function=\"iris\",version=\"1\"}"));
      assertEquals(1.0, value(scrape, "zeroserve_scheduler_decisions_total{kind=\"cold_start\"}"));
      assertEquals(3.0, value(scrape, "zeroserve_scheduler_decisions_total{kind=\"route_local\"}"));
      assertEquals(3.0, value(scrape, "zeroserve_batch_size_count{function=\"iris\",version=\"1\"}"));
      assertEquals(3.0, value(scrape, "zeroserve_request_queue_seconds_count{function=\"iris\",version=\"1\"}"));
      assertEquals(4.0, value(scrape, "zeroserve_request_duration_seconds_count{function=\"iris\",version=\"1\"}"));
      assertEquals(1.0, value(scrape, "zeroserve_replicas{function=\"iris\",state=\"ready\",version=\"1\"}"));
      assertEquals(0.0, value(scrape, "zeroserve_queue_depth{function=\"iris\"}"));
      assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM meters are there");
    }
  }

  /** The gauges are re-read every second: wait for a scrape that shows the replica READY. */
  private static String scrapeOnceGaugesRefreshed(NodeFixture node) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    String scrape;
    do {
      scrape = node.get("/metrics").body().toString();
      if (scrape.contains("zeroserve_replicas{function=\"iris\",state=\"ready\"")) { // not a refresh taken mid-load
        return scrape;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < end);
    return scrape;
  }

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
    assertTrue(m.find(), () -> "no series " + series + " in:\n" + scrape.lines()
        .filter(l -> l.startsWith("zeroserve_")).reduce("", (a, b) -> a + b + "\n"));
    return Double.parseDouble(m.group(1));
  }
}
