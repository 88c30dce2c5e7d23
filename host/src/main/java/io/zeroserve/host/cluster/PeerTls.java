package io.zeroserve.host.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Trust for HTTPS between nodes: what the JDK trusts, plus every certificate in the node's own
 * {@code --tls-cert} file (a self-signed certificate, or a private CA's chain, that the nodes share).
 * Host names are verified as usual: a peer's certificate must name the address it is reached at.
 */
public final class PeerTls {

  private PeerTls() {}

  /**
   * @param certFile the PEM chain the node serves
   * @throws IllegalArgumentException when the file holds no readable certificate
   */
  public static SSLContext context(Path certFile) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jdk.init((KeyStore) null);
      int n = 0;
      for (TrustManager tm : jdk.getTrustManagers()) {
        if (tm instanceof X509TrustManager x509) {
          for (X509Certificate ca : x509.getAcceptedIssuers()) {
            trust.setCertificateEntry("jdk-" + n++, ca);
          }
        }
      }
      int own = 0;
      try (InputStream in = Files.newInputStream(certFile)) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          trust.setCertificateEntry("node-" + own++, c);
        }
      }
      if (own == 0) {
        throw new IllegalArgumentException("tls-cert must hold a PEM certificate, was: " + certFile);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("tls-cert cannot be read as PEM certificates: " + certFile + " ("
          + e.getMessage() + ")", e);
    }
  }
}
