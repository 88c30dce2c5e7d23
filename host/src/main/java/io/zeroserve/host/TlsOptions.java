package io.zeroserve.host;

import java.nio.file.Path;

/**
 * TLS settings of a node. Immutable; the factory checks that the parts that belong together are
 * given together.
 *
 * @param certFile PEM certificate chain of the HTTP API, or null for plain HTTP
 * @param keyFile PEM private key of {@code certFile}, or null with it
 * @param clusterKeystore PKCS#12 store that every node holds: its key is each node's event-bus
 *     identity and its certificates are what nodes trust, with client auth required; null for a
 *     plaintext event bus
 * @param clusterKeystorePassword the store's password (from the environment), or null
 */
public record TlsOptions(Path certFile, Path keyFile, Path clusterKeystore, String clusterKeystorePassword) {

  public static final TlsOptions NONE = new TlsOptions(null, null, null, null);

  public TlsOptions {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("tls-cert and tls-key must be given together, was: tls-cert="
          + certFile + ", tls-key=" + keyFile);
    }
    if (clusterKeystore == null && clusterKeystorePassword != null) {
      clusterKeystorePassword = null; // a password in the environment alone changes nothing
    }
    if (clusterKeystore != null && clusterKeystorePassword == null) {
      throw new IllegalArgumentException("cluster-keystore needs its password in "
          + NodeOptions.CLUSTER_KEYSTORE_PASSWORD_ENV + ", was: unset");
    }
  }

  static TlsOptions of(Path certFile, Path keyFile, Path clusterKeystore, String clusterKeystorePassword) {
    return new TlsOptions(certFile, keyFile, clusterKeystore, clusterKeystorePassword);
  }

  /** True when the HTTP API serves HTTPS. */
  public boolean https() {
    return certFile != null;
  }

  /** True when the event bus between nodes runs over TLS. */
  public boolean clusterTls() {
    return clusterKeystore != null;
  }

  @Override
  public String toString() {
    return "TlsOptions[certFile=" + certFile + ", keyFile=" + keyFile + ", clusterKeystore=" + clusterKeystore
        + ", clusterKeystorePassword=" + (clusterKeystorePassword == null ? "none" : "<hidden>") + "]";
  }
}
