package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Oversize request headers get a 431 on every port over HTTP/1 and HTTP/2, and no stack trace in the log. */
class OversizeHeadersIT {
  @TempDir static Path dataDir;
  static ServerProcess server;
  static ClientFactory factory;

  @BeforeAll
  static void start() throws Exception {
    server = ServerProcess.start(dataDir);
    factory = ClientFactory.builder().build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (factory != null) {
      factory.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static String big(int bytes) {
    return "a".repeat(bytes);
  }

  private static AggregatedHttpResponse h2c(int port, HttpMethod method, String path, String header) {
    WebClient client = WebClient.builder("h2c://127.0.0.1:" + port).factory(factory).build();
    RequestHeaders headers = RequestHeaders.builder(method, path)
        .contentType(MediaType.JSON)
        .add("x-big", header)
        .build();
    return client.execute(headers, method == HttpMethod.POST ? "{}" : "").aggregate().join();
  }

  @Test
  void http2OversizeHeadersAre431OnTheQueryAndOtlpPorts() {
    for (int size : new int[] {20_000, 200_000}) {
      AggregatedHttpResponse query = h2c(server.queryPort, HttpMethod.GET, "/api/echo", big(size));
      assertThat(query.status()).as("query port, %d bytes", size).isEqualTo(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
      assertThat(query.contentUtf8()).contains("request headers").contains("16384");
      AggregatedHttpResponse otlp = h2c(server.httpPort, HttpMethod.POST, "/v1/traces", big(size));
      assertThat(otlp.status()).as("OTLP port, %d bytes", size).isEqualTo(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
    // Headers within the limit are served as before.
    assertThat(h2c(server.queryPort, HttpMethod.GET, "/api/echo", big(8_000)).status()).isEqualTo(HttpStatus.OK);
    assertThat(server.logText()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void http1OversizeHeadersAre431() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> response = client.send(
        HttpRequest.newBuilder(URI.create(server.queryUrl("/api/echo"))).header("x-big", big(20_000)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(431);
    assertThat(server.logText()).doesNotContain("\tat ");
  }
}
