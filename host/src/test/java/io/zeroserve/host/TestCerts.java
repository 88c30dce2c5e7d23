package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test key material made with the JDK's keytool: a PKCS#12 store with one EC key and a self-signed
 * certificate for 127.0.0.1 and localhost, and the same key and certificate as PEM files.
 *
 * @param keystore the PKCS#12 store, password {@link #PASSWORD}
 * @param certPem the certificate, PEM
 * @param keyPem the private key, PKCS#8 PEM
 */
record TestCerts(Path keystore, Path certPem, Path keyPem) {

  static final String PASSWORD = "test-password-123";

  /** Makes the files under {@code dir} with names starting {@code name}. */
  static TestCerts create(Path dir, String name) throws IOException, InterruptedException, GeneralSecurityException {
    Path store = dir.resolve(name + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(List.of(keytool, "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1",
        "-validity", "2", "-dname", "CN=zeroserve-" + name, "-ext", "SAN=IP:127.0.0.1,DNS:localhost",
        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
    Path cert = dir.resolve(name + "-cert.pem");
    run(List.of(keytool, "-exportcert", "-rfc", "-alias", "node", "-keystore", store.toString(),
        "-storetype", "PKCS12", "-storepass", PASSWORD, "-file", cert.toString()));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    Key key = ks.getKey("node", PASSWORD.toCharArray());
    Path keyPem = dir.resolve(name + "-key.pem");
    Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    return new TestCerts(store, cert, keyPem);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("keytool did not finish: " + command);
    }
    assertEquals(0, p.exitValue(), () -> "keytool failed: " + output);
  }
}
