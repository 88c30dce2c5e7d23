package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.zeroserve.examples.ExampleModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestIdTest {

  @TempDir
  Path dir;

  @Test
  void clientsId_isEchoed_andAMissingOrInsaneOne_isGenerated() {
    try (NodeFixture node = NodeFixture.start(dir)) {
      assertEquals(201, node.deployReply("iris", ExampleModels.irisMlp()).status());
      Buffer body = Buffer.buffer("{\"input\": [[5.1, 3.5, 1.4, 0.2]]}");
      NodeFixture.Reply given = node.send(HttpMethod.POST, "/v1/functions/iris/invoke",
          NodeFixture.headers("content-type", "application/json", "x-request-id", "trace-42"), body);
      assertEquals("trace-42", given.headers().get("x-request-id"));

      NodeFixture.Reply insane = node.send(HttpMethod.POST, "/v1/functions/iris/invoke",
          NodeFixture.headers("content-type", "application/json", "x-request-id", "bad id\twith spaces"), body);
      assertNotEquals("bad id\twith spaces", insane.headers().get("x-request-id"));

      NodeFixture.Reply error = node.get("/v1/functions/nope");
      assertEquals(404, error.status());
      assertNotNull(error.headers().get("x-request-id"), "errors carry an id too");
    }
  }
}
