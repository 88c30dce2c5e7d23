package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.ExampleModels;
import io.zeroserve.functions.store.Sha256;
import io.zeroserve.host.auth.ApiTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API tokens over real HTTP: 401 without a valid token, 403 out of scope, health stays open. */
class AuthHttpTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String IRIS_ONLY = "iris-token-0123456789abcdef";
  private static final String IRIS = "{\"input\": [[5.1, 3.5, 1.4, 0.2]]}";

  @TempDir
  static Path dir;
  private static NodeFixture node;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    Path tokens = dir.resolve("tokens.json");
    Files.writeString(tokens, new JsonObject().put("tokens", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("name", "ops").put("sha256", hash(ADMIN)).put("scopes", new io.vertx.core.json.JsonArray().add("admin")))
        .add(new JsonObject().put("name", "app").put("sha256", hash(IRIS_ONLY))
            .put("scopes", new io.vertx.core.json.JsonArray().add("invoke:iris*")))).encode());
    node = NodeFixture.start(dir.resolve("data"), "--tokens-file", tokens.toString());
    for (String name : new String[] {"iris", "other"}) {
      HttpResponse<String> r = send("POST", "/v1/functions/" + name + "/versions", ADMIN, ExampleModels.irisMlp(),
          "application/octet-stream");
      assertEquals(201, r.statusCode(), r.body());
    }
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void missingToken_answers401WithJsonError() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/functions/iris/invoke", null, bytes(IRIS), "application/json");
    assertEquals(401, r.statusCode());
    assertTrue(new JsonObject(r.body()).getString("error").contains("Bearer"));
    assertEquals("Bearer", r.headers().firstValue("www-authenticate").orElse(""));
  }

  @Test
  void statistics_ofOneFunctionNeedInvokeOnIt_andOfAllNeedAnyToken() throws Exception {
    assertEquals(200, send("GET", "/v2/models/iris/stats", IRIS_ONLY, null, null).statusCode());
    assertEquals(403, send("GET", "/v2/models/other/stats", IRIS_ONLY, null, null).statusCode());
    assertEquals(403, send("GET", "/v2/models/other/versions/1/stats", IRIS_ONLY, null, null).statusCode());
    assertEquals(200, send("GET", "/v2/models/stats", IRIS_ONLY, null, null).statusCode());
    assertEquals(401, send("GET", "/v2/models/stats", null, null, null).statusCode());
  }

  @Test
  void wrongToken_answers401() throws Exception {
    assertEquals(401, send("GET", "/v1/functions", "not-a-token", null, null).statusCode());
  }

  @Test
  void invokeScope_allowsMatchingFunctionOnly() throws Exception {
    assertEquals(200, send("POST", "/v1/functions/iris/invoke", IRIS_ONLY, bytes(IRIS), "application/json").statusCode());
    HttpResponse<String> other = send("POST", "/v1/functions/other/invoke", IRIS_ONLY, bytes(IRIS), "application/json");
    assertEquals(403, other.statusCode());
    assertTrue(new JsonObject(other.body()).getString("error").contains("invoke:iris*"), other.body());
  }

  @Test
  void invokeScope_cannotDeployOrDelete() throws Exception {
    assertEquals(403, send("POST", "/v1/functions/iris/versions", IRIS_ONLY, ExampleModels.irisMlp(),
        "application/octet-stream").statusCode());
    assertEquals(403, send("DELETE", "/v1/functions/iris", IRIS_ONLY, null, null).statusCode());
    assertEquals(200, send("GET", "/v1/functions/iris", ADMIN, null, null).statusCode(), "iris still exists");
  }

  @Test
  void adminScope_invokesEverything() throws Exception {
    assertEquals(200, send("POST", "/v1/functions/other/invoke", ADMIN, bytes(IRIS), "application/json").statusCode());
  }

  @Test
  void healthAndServerMetadata_needNoToken() throws Exception {
    assertEquals(200, send("GET", "/v2/health/live", null, null, null).statusCode());
    assertEquals(200, send("GET", "/v2/health/ready", null, null, null).statusCode());
    assertEquals(200, send("GET", "/v2", null, null, null).statusCode());
  }

  @Test
  void tokensFromEnvironment_areHashedAndScoped() {
    ApiTokens tokens = ApiTokens.fromSpec("env-token-0123456789=invoke:iris*+invoke:x");
    assertTrue(tokens.authenticate("env-token-0123456789").orElseThrow().mayInvoke("iris-mlp"));
    assertFalse(tokens.authenticate("env-token-0123456789").orElseThrow().mayInvoke("other"));
    assertTrue(tokens.authenticate("env-token-012345678").isEmpty());
    assertThrows(IllegalArgumentException.class, () -> ApiTokens.fromSpec("short=admin"));
    assertThrows(IllegalArgumentException.class, () -> ApiTokens.fromSpec("env-token-0123456789=root"));
  }

  @Test
  void noTokensBeyondLoopback_refusesToStartUnlessInsecure() throws Exception {
    NodeOptions exposed = NodeOptions.parse(new String[] {"--http-host", "0.0.0.0"}, Map.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZeroserveNode.loadTokens(exposed));
    assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
    NodeOptions insecure = NodeOptions.parse(new String[] {"--http-host", "0.0.0.0", "--insecure"}, Map.of());
    assertTrue(ZeroserveNode.loadTokens(insecure).isEmpty());
    assertTrue(ZeroserveNode.loadTokens(NodeOptions.parse(new String[0], Map.of())).isEmpty(), "loopback needs none");
  }

  private static String hash(String token) {
    return Sha256.of(token.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static HttpResponse<String> send(String method, String path, String token, byte[] body, String type)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (type != null) {
      b.header("Content-Type", type);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
