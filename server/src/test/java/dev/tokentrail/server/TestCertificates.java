package dev.tokentrail.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway CA and certificates it signs, made with the JDK's {@code keytool} in a directory
 * (no network, no extra library): PEM files as {@code tls.*} reads them, and SSL contexts for
 * clients that trust the CA and, for mutual TLS, present a client certificate.
 */
final class TestCertificates {
  private static final String PASSWORD = "changeit";

  final Path dir;
  final String caName;
  final Path caPem;

  private TestCertificates(Path dir, String caName) {
    this.dir = dir;
    this.caName = caName;
    this.caPem = dir.resolve(caName + ".crt");
  }

  /** A new CA in {@code dir}, named {@code caName}. */
  static TestCertificates newCa(Path dir, String caName) throws Exception {
    TestCertificates ca = new TestCertificates(dir, caName);
    keytool("-genkeypair", "-alias", caName, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + caName,
        "-ext", "bc:c", "-validity", "3", "-keystore", ca.store(caName).toString(), "-storetype", "PKCS12");
    keytool("-exportcert", "-rfc", "-alias", caName, "-keystore", ca.store(caName).toString(), "-file", ca.caPem.toString());
    return ca;
  }

  /**
   * A certificate for {@code name} (CN and, for servers, DNS:localhost and IP:127.0.0.1) signed by
   * the CA; writes {@code name.crt} and {@code name.key} (PKCS#8 PEM) and returns the PEM paths.
   */
  Issued issue(String name, boolean server) throws Exception {
    Path store = store(name);
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
        "-validity", "3", "-keystore", store.toString(), "-storetype", "PKCS12");
    Path csr = dir.resolve(name + ".csr");
    keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-file", csr.toString());
    Path cert = dir.resolve(name + ".crt");
    List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", caName, "-keystore", store(caName).toString(),
        "-infile", csr.toString(), "-outfile", cert.toString(), "-validity", "3"));
    sign.addAll(server ? List.of("-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth")
        : List.of("-ext", "eku=clientAuth"));
    keytool(sign.toArray(String[]::new));
    // Import the signed chain so the store's key entry carries the CA-signed certificate.
    keytool("-importcert", "-noprompt", "-alias", caName, "-file", caPem.toString(), "-keystore", store.toString());
    keytool("-importcert", "-alias", name, "-file", cert.toString(), "-keystore", store.toString());
    KeyStore keys = load(store);
    PrivateKey key = (PrivateKey) keys.getKey(name, PASSWORD.toCharArray());
    Path keyPem = dir.resolve(name + ".key");
    Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    return new Issued(cert, keyPem, store);
  }

  /** PEM files of one issued certificate, and the PKCS#12 store holding it with its key. */
  record Issued(Path certPem, Path keyPem, Path store) {
    X509Certificate certificate() throws Exception {
      try (InputStream in = Files.newInputStream(certPem)) {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
    }
  }

  /** A TLS client context trusting only this CA, presenting {@code client}'s certificate when not null. */
  SSLContext clientContext(Issued client) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      trust.setCertificateEntry(caName, CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(load(client.store()), PASSWORD.toCharArray());
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  private Path store(String alias) {
    return dir.resolve(alias + ".p12");
  }

  private static KeyStore load(Path store) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD.toCharArray());
    }
    return keys;
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", PASSWORD));
    if (List.of(args).contains("-genkeypair")) {
      command.addAll(List.of("-keypass", PASSWORD));
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n" + new String(output, StandardCharsets.UTF_8));
    }
  }
}
