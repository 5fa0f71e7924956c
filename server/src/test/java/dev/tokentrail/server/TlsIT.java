package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on every port of the real server from PEM files, checked by clients that verify the
 * certificate against a test CA: the OTel SDK's OTLP gRPC and HTTP exporters, an HTTPS query with
 * {@code java.net.http}; a renewed certificate is served to new connections without a restart; with
 * a client CA, a client without a certificate is refused at the handshake.
 */
class TlsIT {
  @TempDir Path dir;
  private TestCertificates ca;
  private TestCertificates.Issued serverCert;
  private Path certFile;
  private Path keyFile;
  private ServerProcess server;

  @BeforeEach
  void certificates() throws Exception {
    ca = TestCertificates.newCa(dir, "tokentrail-test-ca");
    serverCert = ca.issue("tokentrail-server", true);
    certFile = dir.resolve("tls.crt");
    keyFile = dir.resolve("tls.key");
    Files.copy(serverCert.certPem(), certFile);
    Files.copy(serverCert.keyPem(), keyFile);
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void otlpExportersAndQueriesVerifyTheServersCertificateOnEveryPort() throws Exception {
    server = start(Map.of());
    byte[] caPem = Files.readAllBytes(ca.caPem);
    String trace = LlmSpans.traceId();
    long now = System.currentTimeMillis();
    SpanData grpcSpan = LlmSpans.root(trace, LlmSpans.spanId(), "tls-grpc", now);
    SpanData httpSpan = LlmSpans.root(trace, LlmSpans.spanId(), "tls-http", now);

    SpanExporter grpc = OtlpGrpcSpanExporter.builder().setEndpoint("https://localhost:" + server.grpcPort)
        .setTrustedCertificates(caPem).build();
    SpanExporter http = OtlpHttpSpanExporter.builder().setEndpoint("https://localhost:" + server.httpPort + "/v1/traces")
        .setTrustedCertificates(caPem).build();
    assertThat(export(grpc, grpcSpan).isSuccess()).as("gRPC over TLS").isTrue();
    assertThat(export(http, httpSpan).isSuccess()).as("OTLP/HTTP over TLS").isTrue();

    HttpClient client = HttpClient.newBuilder().sslContext(ca.clientContext(null)).connectTimeout(Duration.ofSeconds(5)).build();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      HttpResponse<String> response = client.send(
          HttpRequest.newBuilder(URI.create("https://localhost:" + server.queryPort + "/api/traces/" + trace)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("tls-grpc", "tls-http");
    });

    HttpClient trustingNothing = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(() -> trustingNothing.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + server.queryPort + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString()))
        .as("a client that does not trust the test CA").isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    assertThatThrownBy(() -> trustingNothing.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + server.queryPort + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString()))
        .as("plain HTTP to a TLS port").isInstanceOf(java.io.IOException.class);
  }

  @Test
  void aRenewedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
    server = start(Map.of("TOKENTRAIL_TLS_RELOAD_INTERVAL", "200ms"));
    SSLContext trusting = ca.clientContext(null);
    assertThat(servedSerial(trusting, server.queryPort)).isEqualTo(serverCert.certificate().getSerialNumber());

    TestCertificates.Issued renewed = ca.issue("tokentrail-server-renewed", true);
    // Key first, then the certificate, each replaced atomically, as cert-manager and certbot do.
    replace(renewed.keyPem(), keyFile);
    replace(renewed.certPem(), certFile);

    BigInteger expected = renewed.certificate().getSerialNumber();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(servedSerial(trusting, server.grpcPort)).isEqualTo(expected));
    assertThat(servedSerial(trusting, server.httpPort)).isEqualTo(expected);
    assertThat(server.logText()).contains("TLS certificate reloaded");
  }

  @Test
  void withAClientCaAClientWithoutACertificateIsRefusedAndOneWithACertificateServed() throws Exception {
    TestCertificates.Issued client = ca.issue("tokentrail-client", false);
    server = start(Map.of("TOKENTRAIL_TLS_CLIENT_CA_FILE", ca.caPem.toString()));

    HttpClient anonymous = HttpClient.newBuilder().sslContext(ca.clientContext(null)).connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(() -> anonymous.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + server.queryPort + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString()))
        .as("no client certificate").isInstanceOf(java.io.IOException.class);
    SpanExporter noCert = OtlpGrpcSpanExporter.builder().setEndpoint("https://localhost:" + server.grpcPort)
        .setTrustedCertificates(Files.readAllBytes(ca.caPem)).setTimeout(Duration.ofSeconds(10)).build();
    assertThat(export(noCert, LlmSpans.root(LlmSpans.traceId(), LlmSpans.spanId(), "no-cert", System.currentTimeMillis()))
        .isSuccess()).as("gRPC export without a client certificate").isFalse();

    HttpClient withCert = HttpClient.newBuilder().sslContext(ca.clientContext(client)).connectTimeout(Duration.ofSeconds(5)).build();
    assertThat(withCert.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.queryPort + "/ready")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    SpanExporter withClientCert = OtlpHttpSpanExporter.builder().setEndpoint("https://localhost:" + server.httpPort + "/v1/traces")
        .setTrustedCertificates(Files.readAllBytes(ca.caPem))
        .setClientTls(Files.readAllBytes(client.keyPem()), Files.readAllBytes(client.certPem())).build();
    assertThat(export(withClientCert, LlmSpans.root(LlmSpans.traceId(), LlmSpans.spanId(), "with-cert", System.currentTimeMillis()))
        .isSuccess()).as("OTLP/HTTP export with a client certificate").isTrue();
  }

  private ServerProcess start(Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(extraEnv);
    env.put("TOKENTRAIL_TLS_CERT_FILE", certFile.toString());
    env.put("TOKENTRAIL_TLS_KEY_FILE", keyFile.toString());
    return ServerProcess.start(dir.resolve("data"), env);
  }

  /** The serial number of the certificate a new TLS connection to {@code port} is shown. */
  private static BigInteger servedSerial(SSLContext context, int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private void replace(Path source, Path target) throws Exception {
    Path tmp = Files.createTempFile(dir, "renew", ".pem");
    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static CompletableResultCode export(SpanExporter exporter, SpanData span) {
    CompletableResultCode result = exporter.export(List.of(span)).join(30, TimeUnit.SECONDS);
    exporter.shutdown().join(10, TimeUnit.SECONDS);
    return result;
  }
}
