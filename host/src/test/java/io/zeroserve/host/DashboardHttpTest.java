package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.store.Sha256;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's files and {@code GET /v1/cluster} over real HTTP, with tokens on. */
class DashboardHttpTest {

  private static final String TOKEN = "dashboard-http-token-0123456789";

  @TempDir
  static Path dir;
  private static NodeFixture node;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = dir.resolve("tokens.json");
    Files.writeString(tokens, new JsonObject().put("tokens", new JsonArray().add(new JsonObject().put("name", "ui")
        .put("sha256", Sha256.of(TOKEN.getBytes(StandardCharsets.UTF_8))).put("scopes", new JsonArray().add("admin"))))
        .encode());
    node = NodeFixture.start(dir.resolve("data"), "--tokens-file", tokens.toString());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void root_and_bareUi_redirectToTheDashboard() throws Exception {
    HttpClient http = HttpClient.newHttpClient(); // follows no redirects
    for (String path : List.of("/", "/ui")) {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + NodeFixture.HOST + ":"
          + node.port() + path)).build(), HttpResponse.BodyHandlers.discarding());
      assertEquals(302, r.statusCode(), path);
      assertEquals("/ui/", r.headers().firstValue("location").orElse(null), path);
    }
  }

  @Test
  void dashboardFiles_loadWithoutAToken_withAStrictContentSecurityPolicy() {
    NodeFixture.Reply index = node.get("/ui/");
    assertEquals(200, index.status());
    assertTrue(index.contentType().startsWith("text/html"), index.contentType());
    assertTrue(index.body().toString().contains("js/app.js"));
    assertTrue(index.headers().get("content-security-policy").contains("default-src 'self'"));
    for (String path : List.of("/ui/js/app.js", "/ui/app.css", "/ui/vendor/uplot/uPlot.esm.js", "/ui/vendor/uplot/uPlot.min.css")) {
      NodeFixture.Reply r = node.get(path);
      assertEquals(200, r.status(), path);
      assertTrue(r.body().length() > 100, path);
    }
    assertEquals(true, node.get("/ui/config.json").expect(200).getBoolean("authRequired"));
    node.get("/ui/nope.js").expectError(404, "no route");
  }

  @Test
  void cluster_needsAToken_andListsThisNodeWithItsDeviceAndReplicas() {
    node.get("/v1/cluster").expectError(401, "API token");
    var auth = NodeFixture.headers("authorization", "Bearer " + TOKEN, "content-type", "application/octet-stream");
    node.send(HttpMethod.POST, "/v1/functions/warm/versions", auth, Buffer.buffer(TestModels.addConstant(1))).expect(201);
    node.send(HttpMethod.POST, "/v2/repository/models/warm/load", auth, null).expect(200);

    JsonObject cluster = node.send(HttpMethod.GET, "/v1/cluster", auth, null).expect(200);
    assertEquals("zeroserve", cluster.getString("clusterName"));
    String self = node.node().nodeId();
    assertEquals(self, cluster.getString("self"));
    assertEquals(1, cluster.getJsonArray("nodes").size());
    JsonObject n = cluster.getJsonArray("nodes").getJsonObject(0);
    assertEquals(self, n.getString("nodeId"));
    assertEquals(NodeFixture.HOST, n.getString("httpHost"));
    assertEquals(node.port(), n.getInteger("httpPort"));
    assertFalse(n.getBoolean("leaving"));
    java.time.Instant.parse(n.getString("startedAt"));
    JsonObject cpu = n.getJsonArray("devices").getJsonObject(0);
    assertEquals("cpu", cpu.getString("deviceId"));
    assertEquals("cpu", cpu.getString("kind"));
    assertFalse(cpu.getBoolean("simulated"));
    assertTrue(cpu.getLong("memoryCapacityBytes") > 0, cpu::encode);
    JsonArray replicas = n.getJsonArray("replicas");
    assertEquals(1, replicas.size(), replicas::encode);
    JsonObject r = replicas.getJsonObject(0);
    assertEquals("warm", r.getString("function"));
    assertEquals(1, r.getInteger("version"));
    assertEquals("cpu", r.getString("deviceId"));
    assertEquals("READY", r.getString("state"));
    assertEquals(0, r.getInteger("outstanding"));
    assertTrue(r.getString("replicaId").startsWith(self + "/"), r.encode());
    assertTrue(r.getLong("memoryBytes") > 0, r::encode);
    assertTrue(r.getDouble("requestsPerSecondInUse") >= 0, r::encode);
    assertTrue(r.getDouble("idleSeconds") >= 0, r::encode);
    double chance = r.getDouble("requestChanceWithinHorizon");
    assertTrue(chance > 0 && chance <= 1, r::encode);
    assertEquals(r.getLong("memoryBytes"), cpu.getLong("memoryReservedBytes"), "the CPU holds what its replica reserved");
    assertTrue(cluster.getJsonArray("estimates") != null);
  }
}
