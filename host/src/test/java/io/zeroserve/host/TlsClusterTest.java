package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.zeroserve.examples.ExampleModels;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real nodes with everything on: HTTPS with a PEM key and certificate, the event bus over TLS
 * with a shared PKCS#12 cluster store and client auth, API tokens and a cluster secret. A deploy is
 * answered only once a second node holds the model, which takes an event-bus request and an HTTPS
 * fetch with the cluster secret; the other node then serves it. Outsiders are refused: plain HTTP on
 * the HTTPS port, the internal endpoint without the secret, and event-bus connections without the
 * cluster key.
 */
class TlsClusterTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String SECRET = "cluster-secret-0123456789abcdef";

  @TempDir
  static Path dir;
  private static TestCerts certs;
  private static TestCerts outsider;
  private static final List<Vertx> vertxes = new ArrayList<>();
  private static final List<ZeroserveNode> nodes = new ArrayList<>();
  private static HttpClient https;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCerts.create(dir, "cluster");
    outsider = TestCerts.create(dir, "outsider");
    https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .sslContext(sslContext(certs, false)).build();
    String name = "zs-tls-" + UUID.randomUUID().toString().substring(0, 8);
    int port1 = freePort();
    launch(name, 1, port1, null);
    launch(name, 2, freePort(), "127.0.0.1:" + port1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (nodes.stream().anyMatch(n -> n.cluster().nodes().size() < 2) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(nodes.stream().allMatch(n -> n.cluster().nodes().size() == 2), "both nodes see each other");
  }

  @AfterAll
  static void stop() {
    for (ZeroserveNode n : nodes) {
      NodeFixture.await(n.close(), "node close");
    }
  }

  @Test
  void deployOverHttps_isStoredOnBothNodes_andServedByEither() throws Exception {
    HttpResponse<String> deployed = send(nodes.get(0), "POST", "/v1/functions/iris/versions", ADMIN,
        ExampleModels.irisMlp(), "application/octet-stream");
    assertEquals(201, deployed.statusCode(), deployed.body());
    String sha = new JsonObject(deployed.body()).getString("sha256");
    // 201 means a second node has it: here, node 2, which fetched it over HTTPS with the secret.
    assertTrue(Files.exists(dir.resolve("node-2").resolve("artifacts").resolve(sha + ".onnx")),
        "node 2 holds the artifact");
    for (ZeroserveNode n : nodes) {
      HttpResponse<String> r = send(n, "POST", "/v2/models/iris/infer", ADMIN,
          TestModels.irisRequest().encode().getBytes(StandardCharsets.UTF_8), "application/json");
      assertEquals(200, r.statusCode(), r.body());
      TestModels.assertIrisSetosa(new JsonObject(r.body()));
    }
    HttpResponse<String> anonymous = send(nodes.get(1), "GET", "/internal/v1/artifacts/" + sha, null, null, null);
    assertEquals(401, anonymous.statusCode(), "the internal endpoint over HTTPS without the secret");
    assertEquals(200, send(nodes.get(1), "GET", "/internal/v1/artifacts/" + sha, SECRET, null, null).statusCode());
  }

  @Test
  void plainHttpOnTheHttpsPort_isNotServed() throws Exception {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.get(0).httpPort() + "/v2/health/live"))
        .timeout(Duration.ofSeconds(10)).build();
    try {
      HttpResponse<String> r = plain.send(request, HttpResponse.BodyHandlers.ofString());
      assertTrue(r.statusCode() >= 400, "plain HTTP got " + r.statusCode());
    } catch (IOException expected) {
      // the TLS server cut the plaintext connection
    }
  }

  @Test
  void eventBus_refusesClientsWithoutTheClusterKey() throws Exception {
    int port = ((VertxInternal) vertxes.get(0)).clusterManager().getNodeInfo().port();
    // Trusting anything, so that only the node's own refusal can make the handshake fail.
    for (SSLContext client : List.of(sslContext(null, true), sslContext(outsider, true))) {
      try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
        socket.setSoTimeout(10_000);
        IOException refused = assertThrows(IOException.class, () -> {
          socket.startHandshake();
          // TLS 1.3 reports a refused client certificate on the first read, not in the handshake. A node
          // that accepted the client would wait for a frame instead: the read would time out.
          socket.getInputStream().read();
        });
        assertTrue(refused instanceof javax.net.ssl.SSLException || refused instanceof java.net.SocketException,
            () -> "refused in TLS, not by a timeout: " + refused);
        assertFalse(refused instanceof java.net.SocketTimeoutException, refused.toString());
      }
    }
    // And the cluster key itself is accepted, so the refusals above are about the key.
    try (SSLSocket socket = (SSLSocket) sslContext(certs, true).getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
    }
  }

  @Test
  void tlsOptions_mustComeInPairs() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NodeOptions.parse(new String[] {"--tls-cert", certs.certPem().toString()}, Map.of()));
    assertTrue(e.getMessage().contains("tls-key"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> NodeOptions.parse(new String[] {"--cluster-keystore", certs.keystore().toString()}, Map.of()));
    assertTrue(e.getMessage().contains(NodeOptions.CLUSTER_KEYSTORE_PASSWORD_ENV), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> NodeOptions.parse(new String[0], Map.of(NodeOptions.CLUSTER_SECRET_ENV, "short")));
    assertTrue(e.getMessage().contains("16"), e.getMessage());
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static void launch(String clusterName, int number, int clusterPort, String join) {
    List<String> args = new ArrayList<>(List.of("--http-port", "0", "--data-dir", dir.resolve("node-" + number).toString(),
        "--inference-threads", "1", "--cluster-name", clusterName, "--cluster-host", "127.0.0.1",
        "--cluster-port", String.valueOf(clusterPort),
        "--tls-cert", certs.certPem().toString(), "--tls-key", certs.keyPem().toString(),
        "--cluster-keystore", certs.keystore().toString()));
    if (join != null) {
      args.addAll(List.of("--join", join));
    }
    Map<String, String> env = Map.of("ZS_TOKENS", ADMIN + "=admin", NodeOptions.CLUSTER_SECRET_ENV, SECRET,
        NodeOptions.CLUSTER_KEYSTORE_PASSWORD_ENV, TestCerts.PASSWORD);
    ZeroserveNode node = NodeFixture.await(ZeroserveNode.launch(NodeOptions.parse(args.toArray(String[]::new), env))
        .map(n -> {
          Context context = Vertx.currentContext();
          vertxes.add(context.owner());
          return n;
        }), "start of node " + number);
    nodes.add(node);
  }

  private static HttpResponse<String> send(ZeroserveNode node, String method, String path, String token, byte[] body,
                                           String type) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (type != null) {
      b.header("content-type", type);
    }
    return https.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A client context presenting {@code identity}'s key (none when null), trusting {@code certs}'
   * certificate, or anything when {@code trustAll}.
   */
  private static SSLContext sslContext(TestCerts identity, boolean trustAll) throws Exception {
    KeyManagerFactory keys = null;
    if (identity != null) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(identity.keystore())) {
        store.load(in, TestCerts.PASSWORD.toCharArray());
      }
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, TestCerts.PASSWORD.toCharArray());
    }
    javax.net.ssl.TrustManager[] trust;
    if (trustAll) {
      trust = new javax.net.ssl.TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }};
    } else {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      try (InputStream in = Files.newInputStream(certs.certPem())) {
        store.setCertificateEntry("node", java.security.cert.CertificateFactory.getInstance("X.509")
            .generateCertificate(in));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      trust = factory.getTrustManagers();
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), trust, new SecureRandom());
    return context;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
