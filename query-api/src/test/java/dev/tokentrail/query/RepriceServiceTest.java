package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.analysis.Repricer;
import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.memory.InMemorySpanStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/v1/reprice} over HTTP: methods, window parameters, errors as JSON. */
class RepriceServiceTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dir;
  Path catalogFile;
  InMemorySpanStore store;
  Server server;

  @BeforeEach
  void start() throws Exception {
    catalogFile = dir.resolve("prices.yaml");
    Files.writeString(catalogFile, "version: \"a\"\nmodels:\n  - provider: openai\n    model: tt-alpha\n    prices:\n      - input: 1\n        output: 2\n");
    store = InMemorySpanStore.create();
    LlmSpanEnricher enricher = LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT),
        new CostCalculator(PriceCatalog.builtIn().overriddenBy(catalogFile)));
    Repricer repricer = Repricer.builder(store, enricher)
        .catalogReloader(() -> PriceCatalog.builtIn().overriddenBy(catalogFile)).build();
    ServerBuilder sb = Server.builder().http(0);
    QueryApi.builder(store, new PrometheusRegistry()).repricer(repricer).build().install(sb);
    server = sb.build();
    server.start().join();
  }

  @AfterEach
  void stop() {
    server.stop().join();
    store.close();
  }

  private HttpResponse<String> send(String method, String pathAndQuery) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort() + pathAndQuery))
            .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void postAnswersTheCounts() throws Exception {
    HttpResponse<String> r = send("POST", "/api/v1/reprice?since=30d");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = QueryApi.JSON.readTree(r.body());
    assertThat(body.get("examined").asLong()).isZero();
    assertThat(body.get("repriced").asLong()).isZero();
    assertThat(body.get("catalogReloaded").asBoolean()).isTrue();
    assertThat(body.get("newVersion").asText()).endsWith("+a");
    assertThat(body.get("to").asLong() - body.get("from").asLong()).isEqualTo(30 * 86_400_000L);
    assertThat(body.has("unchanged") && body.has("unpriced") && body.has("oldVersions") && body.has("usdBefore") && body.has("usdAfter")).isTrue();

    HttpResponse<String> window = send("POST", "/api/v1/reprice?from=1700000000000&to=1700003600000");
    assertThat(window.statusCode()).isEqualTo(200);
    assertThat(QueryApi.JSON.readTree(window.body()).get("from").asLong()).isEqualTo(1_700_000_000_000L);
  }

  @Test
  void otherMethodsAreNotAllowed() throws Exception {
    for (String method : new String[] {"GET", "PUT", "DELETE"}) {
      HttpResponse<String> r = send(method, "/api/v1/reprice?since=30d");
      assertThat(r.statusCode()).as(method).isEqualTo(405);
      assertThat(r.headers().firstValue("allow")).hasValue("POST");
      assertThat(r.body()).contains("expected: POST");
    }
  }

  @Test
  void badParametersAndABrokenCatalogAre400WithTheCause() throws Exception {
    HttpResponse<String> since = send("POST", "/api/v1/reprice?since=soon");
    assertThat(since.statusCode()).isEqualTo(400);
    assertThat(QueryApi.JSON.readTree(since.body()).get("error").asText()).startsWith("since: soon");
    HttpResponse<String> both = send("POST", "/api/v1/reprice?since=1d&from=1700000000000");
    assertThat(both.statusCode()).isEqualTo(400);
    HttpResponse<String> order = send("POST", "/api/v1/reprice?from=1700003600000&to=1700000000000");
    assertThat(order.statusCode()).isEqualTo(400);

    Files.writeString(catalogFile, "version: \"b\"\nmodels:\n  - provider: openai\n    model: tt-alpha\n    prices:\n      - input: cheap\n        output: 2\n");
    HttpResponse<String> broken = send("POST", "/api/v1/reprice?since=1d");
    assertThat(broken.statusCode()).isEqualTo(400);
    String error = QueryApi.JSON.readTree(broken.body()).get("error").asText();
    assertThat(error).contains(catalogFile.toString(), "models[0].prices[0].input", "stays in force");
  }
}
