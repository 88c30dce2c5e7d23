package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.host.ClusterNodeFixture.Member;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The statistics extension over two real nodes: whichever node is asked sums both, and a node that
 * does not answer is named and left out instead of failing the request.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClusterStatisticsTest {

  @TempDir
  Path root;

  private static JsonObject badShape() {
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "x")
        .put("datatype", "FP32").put("shape", new JsonArray().add(1).add(3))
        .put("data", new JsonArray().add(1).add(2).add(3))));
  }

  @Test
  void eachNodeAnswers_theSumOverBothNodes_andLeavesOutANodeThatDoesNotAnswer() {
    try (ClusterNodeFixture cluster = ClusterNodeFixture.start(root, 2)) {
      Member one = cluster.node(1);
      Member two = cluster.node(2);
      one.deploy("spread", TestModels.addConstant(3));
      cluster.awaitVersionEverywhere("spread", 1);

      for (int i = 0; i < 3; i++) {
        one.infer("spread").expect(200);
      }
      one.postJson("/v2/models/spread/infer", badShape()).expect(400);
      for (int i = 0; i < 2; i++) {
        two.infer("spread").expect(200);
      }
      two.postJson("/v2/models/spread/infer", badShape()).expect(400);

      List<String> both = List.of(one.nodeId(), two.nodeId());
      for (Member asked : List.of(one, two)) {
        JsonObject stats = asked.get("/v2/models/spread/stats").expect(200);
        JsonObject s = StatisticsHttpTest.only(stats);
        assertEquals(5, StatisticsHttpTest.count(s, "success"), () -> asked + ": " + stats);
        assertEquals(2, StatisticsHttpTest.count(s, "fail"), () -> asked + ": " + stats);
        // Queue and compute are counted where the call ran, success where it arrived: each once.
        assertEquals(5, StatisticsHttpTest.count(s, "queue"), () -> asked + ": " + stats);
        assertEquals(5, StatisticsHttpTest.count(s, "compute_infer"), () -> asked + ": " + stats);
        assertEquals(5, s.getLong("inference_count"));
        assertEquals(5, s.getLong("execution_count"));
        JsonObject nodes = stats.getJsonObject("cluster");
        assertEquals(both.stream().sorted().toList(),
            nodes.getJsonArray("answered").stream().map(String::valueOf).sorted().toList());
        assertEquals(new JsonArray(), nodes.getJsonArray("missing"));
      }

      // Node 2 stops answering statistics: node 1 still answers, with its own counts, and says so.
      ClusterNodeFixture.await(two.node().services().statistics().stop(), "unregister node 2's statistics");
      JsonObject partial = one.get("/v2/models/spread/stats").expect(200);
      JsonObject s = StatisticsHttpTest.only(partial);
      assertEquals(3, StatisticsHttpTest.count(s, "success"), () -> "node 1's own arrivals: " + partial);
      assertEquals(1, StatisticsHttpTest.count(s, "fail"), () -> "node 1's own arrivals: " + partial);
      assertEquals(new JsonObject().put("answered", new JsonArray().add(one.nodeId()))
          .put("missing", new JsonArray().add(two.nodeId())), partial.getJsonObject("cluster"));

      ClusterNodeFixture.await(two.node().services().statistics().rebind(), "rebind node 2's statistics");
      JsonObject again = one.get("/v2/models/spread/stats").expect(200);
      assertEquals(5, StatisticsHttpTest.count(StatisticsHttpTest.only(again), "success"));
    }
  }
}
