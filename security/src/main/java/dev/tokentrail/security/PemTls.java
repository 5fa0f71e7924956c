package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ports' TLS identity from PEM files ({@code tls.cert_file}, {@code tls.key_file}, and for
 * mutual TLS {@code tls.client_ca_file}), as an Armeria {@link TlsProvider}. The files are read at
 * start (bad files stop the start) and again whenever their content changes, polled like the
 * tokens file, so a renewed certificate (cert-manager, certbot) applies to new connections without
 * a restart. A change that does not load (a key that does not match the certificate, a half-written
 * file) keeps the previous identity and logs why.
 */
public final class PemTls implements TlsProvider {
  private static final Logger LOG = LoggerFactory.getLogger(PemTls.class);

  private final Path certFile;
  private final Path keyFile;
  private final Path clientCaFile;
  private final ScheduledExecutorService poller;
  private volatile Loaded current;
  private byte[] lastDigest;

  private record Loaded(TlsKeyPair keyPair, List<X509Certificate> clientCas) {}

  private PemTls(Path certFile, Path keyFile, Path clientCaFile, Duration pollInterval) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.clientCaFile = clientCaFile;
    byte[][] contents = readAll();
    this.current = load(contents);
    this.lastDigest = digest(contents);
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tokentrail-tls-files");
      t.setDaemon(true);
      return t;
    });
    long millis = pollInterval.toMillis();
    poller.scheduleWithFixedDelay(this::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the PEM files and polls them for changes every {@code pollInterval}.
   *
   * @param clientCaFile CA certificates that client certificates must chain to; null for no client
   *     certificates (plain TLS)
   * @throws IllegalArgumentException naming the file when one cannot be read or does not load
   */
  public static PemTls open(Path certFile, Path keyFile, Path clientCaFile, Duration pollInterval) {
    requireNonNull(certFile, "certFile");
    requireNonNull(keyFile, "keyFile");
    requireNonNull(pollInterval, "pollInterval");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval: " + pollInterval + " (expected: > 0)");
    }
    return new PemTls(certFile, keyFile, clientCaFile, pollInterval);
  }

  /** Whether clients must present a certificate of the client CA. */
  public boolean mutual() {
    return clientCaFile != null;
  }

  /** The server's certificate chain now in use. */
  public List<X509Certificate> certificateChain() {
    return current.keyPair().certificateChain();
  }

  @Override
  public TlsKeyPair keyPair(String hostname) {
    return current.keyPair();
  }

  @Override
  public List<X509Certificate> trustedCertificates(String hostname) {
    return current.clientCas();
  }

  /** The provider's poller is the server's to stop, through {@link #close()}, not Armeria's. */
  @Override
  public boolean autoClose() {
    return false;
  }

  /** Reads the files again if any changed; keeps the previous identity when they do not load. */
  synchronized void reloadIfChanged() {
    byte[][] contents;
    try {
      contents = readAll();
    } catch (IllegalArgumentException e) {
      LOG.warn("TLS files unreadable ({}); keeping the certificate loaded before", e.getMessage());
      return;
    }
    byte[] digest = digest(contents);
    if (Arrays.equals(digest, lastDigest)) {
      return;
    }
    try {
      current = load(contents);
      lastDigest = digest;
      LOG.info("TLS certificate reloaded from {}: {}", certFile, describe(current.keyPair()));
    } catch (IllegalArgumentException e) {
      // Not remembered as seen: a certificate and key written one after the other load once both are there.
      LOG.warn("TLS files changed but do not load ({}); keeping the certificate loaded before", e.getMessage());
    }
  }

  private byte[][] readAll() {
    return new byte[][] {
      read(certFile, "tls.cert_file"), read(keyFile, "tls.key_file"),
      clientCaFile == null ? new byte[0] : read(clientCaFile, "tls.client_ca_file")
    };
  }

  private Loaded load(byte[][] contents) {
    TlsKeyPair keyPair;
    try {
      keyPair = TlsKeyPair.of(new ByteArrayInputStream(contents[1]), new ByteArrayInputStream(contents[0]));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("tls.cert_file " + certFile + " / tls.key_file " + keyFile
          + ": not a PEM certificate chain and its PKCS#8 private key (" + e.getMessage() + ")", e);
    }
    if (!matches(keyPair)) {
      throw new IllegalArgumentException("tls.key_file " + keyFile + ": not the private key of the certificate in " + certFile);
    }
    List<X509Certificate> cas = null;
    if (clientCaFile != null) {
      cas = certificates(contents[2]);
      if (cas.isEmpty()) {
        throw new IllegalArgumentException("tls.client_ca_file " + clientCaFile + ": no PEM certificate in it");
      }
    }
    return new Loaded(keyPair, cas);
  }

  /** Whether the key signs what the certificate's public key verifies. */
  private static boolean matches(TlsKeyPair keyPair) {
    try {
      String algorithm = switch (keyPair.privateKey().getAlgorithm()) {
        case "EC" -> "SHA256withECDSA";
        case "RSA" -> "SHA256withRSA";
        default -> null;
      };
      if (algorithm == null) {
        return true; // Ed25519 and others: the handshake will tell
      }
      byte[] probe = "tokentrail".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      java.security.Signature sign = java.security.Signature.getInstance(algorithm);
      sign.initSign(keyPair.privateKey());
      sign.update(probe);
      byte[] signature = sign.sign();
      java.security.Signature verify = java.security.Signature.getInstance(algorithm);
      verify.initVerify(keyPair.certificateChain().get(0).getPublicKey());
      verify.update(probe);
      return verify.verify(signature);
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }

  private List<X509Certificate> certificates(byte[] pem) {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      return List.copyOf(out);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("tls.client_ca_file " + clientCaFile + ": " + e.getMessage(), e);
    }
  }

  private static String describe(TlsKeyPair keyPair) {
    X509Certificate leaf = keyPair.certificateChain().get(0);
    return leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant();
  }

  /** Subject and expiry of the certificate in use, for the start-up log. */
  public String describe() {
    return describe(current.keyPair());
  }

  private static byte[] read(Path path, String setting) {
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new IllegalArgumentException(setting + ": " + path + " unreadable (" + e + ")", e);
    }
  }

  private static byte[] digest(byte[][] contents) {
    try {
      MessageDigest all = MessageDigest.getInstance("SHA-256");
      for (byte[] c : contents) {
        all.update(MessageDigest.getInstance("SHA-256").digest(c));
      }
      return all.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
