package dev.tokentrail.server;

import dev.tokentrail.model.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The TLS settings of {@code tokentrail serve} ({@code tls.*}): with a certificate and key every
 * port speaks HTTPS (the OTLP gRPC port gRPC over TLS), and with a client CA every client must
 * present a certificate it signed.
 *
 * @param certFile PEM certificate chain, leaf first; null for plain HTTP
 * @param keyFile PEM PKCS#8 private key of the leaf certificate
 * @param clientCaFile PEM CA certificates for client certificates; null for no client certificates
 * @param reloadInterval how often the files are checked for changes
 */
record TlsConfig(Path certFile, Path keyFile, Path clientCaFile, Duration reloadInterval) {
  static final List<ServerConfig.Setting> SETTINGS = List.of(
      new ServerConfig.Setting("tls.cert_file", "TOKENTRAIL_TLS_CERT_FILE", "--tls-cert-file", "",
          "PEM certificate chain (leaf first). With tls.key_file every port serves TLS only: HTTPS, and gRPC over TLS on the OTLP gRPC port. Reloaded when it changes. Empty: plain HTTP."),
      new ServerConfig.Setting("tls.key_file", "TOKENTRAIL_TLS_KEY_FILE", "--tls-key-file", "",
          "PEM private key (PKCS#8, 'BEGIN PRIVATE KEY') of the certificate; reloaded with it."),
      new ServerConfig.Setting("tls.client_ca_file", "TOKENTRAIL_TLS_CLIENT_CA_FILE", "--tls-client-ca-file", "",
          "PEM CA certificates: every client must present a certificate they signed (mutual TLS), on every port. Empty: no client certificates."),
      new ServerConfig.Setting("tls.reload_interval", "TOKENTRAIL_TLS_RELOAD_INTERVAL", null, "10s",
          "How often the TLS files are checked for changes; new connections use a changed certificate, a change that does not load keeps the previous one (logged)."));

  static TlsConfig of(Map<String, String> values) {
    Path cert = path(values, "tls.cert_file");
    Path key = path(values, "tls.key_file");
    Path ca = path(values, "tls.client_ca_file");
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(cert == null
          ? "tls.key_file: set without tls.cert_file (expected: both or neither)"
          : "tls.cert_file: set without tls.key_file (expected: both or neither)");
    }
    if (ca != null && cert == null) {
      throw new IllegalArgumentException("tls.client_ca_file: set without tls.cert_file and tls.key_file (expected: mutual TLS needs the server's own certificate)");
    }
    Duration reload = Durations.parse(values.get("tls.reload_interval"), "tls.reload_interval");
    if (reload.isZero() || reload.isNegative()) {
      throw new IllegalArgumentException("tls.reload_interval: " + values.get("tls.reload_interval") + " (expected: > 0)");
    }
    return new TlsConfig(cert, key, ca, reload);
  }

  /** Whether the ports serve TLS. */
  boolean enabled() {
    return certFile != null;
  }

  private static Path path(Map<String, String> values, String key) {
    String v = values.get(key).trim();
    return v.isEmpty() ? null : Path.of(v);
  }
}
