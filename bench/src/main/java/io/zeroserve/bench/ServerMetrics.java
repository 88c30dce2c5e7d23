package io.zeroserve.bench;

import io.vertx.core.http.HttpMethod;
import io.zeroserve.bench.BenchClient.Request;
import java.util.HashMap;
import java.util.Map;

/**
 * One scrape of a node's {@code GET /metrics} (Prometheus text), reduced to the sums and counts of
 * its timers and summaries by function. Two scrapes give the means over the time between them, so
 * a benchmark can say how much of a latency the node itself saw and where (queue, compute). A
 * metric the node does not export reads as absent, never as zero.
 */
final class ServerMetrics {

  private final Map<String, Double> values;

  private ServerMetrics(Map<String, Double> values) {
    this.values = values;
  }

  static ServerMetrics scrape(BenchClient client) {
    BenchClient.Reply reply = client.call(new Request(HttpMethod.GET, "/metrics", null, null, null, null));
    Map<String, Double> values = new HashMap<>();
    for (String line : reply.body().toString().split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (brace < 0 || space < brace) {
        continue;
      }
      String name = line.substring(0, brace);
      String labels = line.substring(brace, line.lastIndexOf('}') + 1);
      String function = label(labels, "function");
      if (function == null || labels.contains("le=") || labels.contains("quantile=")) {
        continue;
      }
      try {
        values.merge(name + "/" + function, Double.parseDouble(line.substring(space + 1)), Double::sum);
      } catch (NumberFormatException ignored) {
        // not a sample line
      }
    }
    return new ServerMetrics(values);
  }

  /**
   * The mean of a timer or summary over the time since {@code before}, e.g.
   * {@code mean(before, "zeroserve_request_compute_seconds", "iris-mlp")}; NaN when absent or unused.
   */
  double meanSince(ServerMetrics before, String metric, String function) {
    double count = delta(before, metric + "_count", function);
    return count > 0 ? delta(before, metric + "_sum", function) / count : Double.NaN;
  }

  /** How many observations a timer or summary got since {@code before}; NaN when absent. */
  double countSince(ServerMetrics before, String metric, String function) {
    return delta(before, metric + "_count", function);
  }

  private double delta(ServerMetrics before, String series, String function) {
    Double now = values.get(series + "/" + function);
    if (now == null) {
      return Double.NaN;
    }
    return now - before.values.getOrDefault(series + "/" + function, 0.0);
  }

  private static String label(String labels, String key) {
    int at = labels.indexOf(key + "=\"");
    if (at < 0) {
      return null;
    }
    int from = at + key.length() + 2;
    return labels.substring(from, labels.indexOf('"', from));
  }

  /** Seconds as microseconds, or "n/a". */
  static String us(double seconds) {
    return Double.isNaN(seconds) ? "n/a" : String.format("%.0f", seconds * 1e6);
  }

  /** Seconds as milliseconds, or "n/a". */
  static String ms(double seconds) {
    return Double.isNaN(seconds) ? "n/a" : String.format("%.2f", seconds * 1e3);
  }
}
