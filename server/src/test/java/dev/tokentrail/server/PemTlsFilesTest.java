package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tokentrail.security.PemTls;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad {@code tls.*} PEM files: at start each stops the start with a message naming the setting and
 * the file; changed to something that does not load, the files keep the identity loaded before.
 */
class PemTlsFilesTest {
  private static final Duration POLL = Duration.ofMillis(50);

  @TempDir static Path dir;
  private static TestCertificates ca;
  private static TestCertificates.Issued server;
  private static TestCertificates.Issued other;

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestCertificates.newCa(dir, "pem-test-ca");
    server = ca.issue("pem-test-server", true);
    other = ca.issue("pem-test-other", true);
  }

  @Test
  void aFileThatIsNotPemIsRefusedNamingBothSettings() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.crt"), "not a certificate\n");

    assertThatThrownBy(() -> PemTls.open(garbage, server.keyPem(), null, POLL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls.cert_file " + garbage)
        .hasMessageContaining("tls.key_file " + server.keyPem());
  }

  @Test
  void aMissingFileIsRefusedNamingItsSetting() {
    Path missing = dir.resolve("missing.key");

    assertThatThrownBy(() -> PemTls.open(server.certPem(), missing, null, POLL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tls.key_file: " + missing + " unreadable");
  }

  @Test
  void theKeyOfAnotherCertificateIsRefused() {
    assertThatThrownBy(() -> PemTls.open(server.certPem(), other.keyPem(), null, POLL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.key_file " + other.keyPem() + ": not the private key of the certificate in " + server.certPem());
  }

  @Test
  void aClientCaFileWithoutACertificateIsRefused() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty-ca.crt"), "");

    assertThatThrownBy(() -> PemTls.open(server.certPem(), server.keyPem(), empty, POLL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls.client_ca_file " + empty);
  }

  @Test
  void aChangeThatDoesNotLoadKeepsTheIdentityLoadedBeforeUntilOneDoes() throws Exception {
    Path cert = copy(server.certPem(), "reload.crt");
    Path key = copy(server.keyPem(), "reload.key");
    BigInteger served = server.certificate().getSerialNumber();
    try (PemTls tls = PemTls.open(cert, key, null, POLL)) {
      // A half-written certificate, then the other certificate before its key: neither loads.
      Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n");
      Thread.sleep(POLL.toMillis() * 4);
      assertThat(tls.certificateChain().get(0).getSerialNumber()).as("after a half-written file").isEqualTo(served);
      copy(other.certPem(), "reload.crt");
      Thread.sleep(POLL.toMillis() * 4);
      assertThat(tls.certificateChain().get(0).getSerialNumber()).as("certificate without its key").isEqualTo(served);

      copy(other.keyPem(), "reload.key");
      BigInteger renewed = other.certificate().getSerialNumber();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(tls.certificateChain().get(0).getSerialNumber()).isEqualTo(renewed));
    }
  }

  private static Path copy(Path source, String name) throws Exception {
    Path tmp = Files.createTempFile(dir, name, ".tmp");
    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
    return Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
