package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many requests at once, sent asynchronously from the test's own Vert.x: each must get its own
 * right answer, however many arrive while the version is still loading.
 */
@ExtendWith(VertxExtension.class)
class ConcurrentRequestsTest {

  private static final int REQUESTS = 32;

  @TempDir
  static Path dataDir;
  private static NodeFixture node;

  @BeforeAll
  static void startNode() {
    node = NodeFixture.start(dataDir);
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void concurrentFirstRequestsToAColdVersion_allAnswer200WithItsModel(Vertx vertx, VertxTestContext test) {
    node.deploy("cold", TestModels.addConstant(7));
    WebClient client = WebClient.create(vertx);
    Checkpoint answered = test.checkpoint(REQUESTS);
    Buffer body = TestModels.addRequest().toBuffer();
    for (int i = 0; i < REQUESTS; i++) {
      client.post(node.port(), NodeFixture.HOST, "/v2/models/cold/infer")
          .putHeader("content-type", "application/json")
          .timeout(TimeUnit.SECONDS.toMillis(30))
          .sendBuffer(body)
          .onComplete(test.succeeding(response -> test.verify(() -> {
            assertEquals(200, response.statusCode(), response.bodyAsString());
            assertEquals(7f, TestModels.addedConstant(new JsonObject(response.body())));
            answered.flag();
          })));
    }
  }

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void concurrentRequestsToManyVersions_eachAnswerComesFromTheVersionAsked(Vertx vertx, VertxTestContext test) {
    int versions = 8;
    for (int k = 1; k <= versions; k++) {
      node.deploy("many", TestModels.addConstant(k * 10));
    }
    WebClient client = WebClient.create(vertx);
    int requests = versions * 8;
    Checkpoint answered = test.checkpoint(requests);
    Buffer body = TestModels.addRequest().toBuffer();
    for (int i = 0; i < requests; i++) {
      int version = 1 + i % versions;
      client.post(node.port(), NodeFixture.HOST, "/v2/models/many/versions/" + version + "/infer")
          .putHeader("content-type", "application/json")
          .timeout(TimeUnit.SECONDS.toMillis(30))
          .sendBuffer(body)
          .onComplete(test.succeeding(response -> test.verify(() -> {
            assertEquals(200, response.statusCode(), response.bodyAsString());
            JsonObject json = new JsonObject(response.body());
            assertEquals(String.valueOf(version), json.getString("model_version"));
            assertEquals(version * 10f, TestModels.addedConstant(json));
            answered.flag();
          })));
    }
  }
}
