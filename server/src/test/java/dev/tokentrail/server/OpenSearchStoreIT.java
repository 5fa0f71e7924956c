package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store.type: opensearch} end to end: two TokenTrail processes in front of one real
 * OpenSearch node, spans exported over OTLP to one of them and read back priced, by id and by
 * TraceQL search, through the other's HTTP API.
 */
class OpenSearchStoreIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static OpenSearchNode node;
  static ServerProcess ingest;
  static ServerProcess query;

  @BeforeAll
  static void start() throws Exception {
    Path zip = Path.of(System.getProperty("tokentrail.opensearch.zip", "target/opensearch/missing.zip"));
    Assumptions.assumeTrue(Files.isRegularFile(zip), "OpenSearch tests skipped: no distribution at " + zip);
    String javaHomeEnv = System.getenv("OPENSEARCH_JAVA_HOME");
    Path javaHome = Path.of(javaHomeEnv != null ? javaHomeEnv : System.getProperty("java.home"));
    String reason = OpenSearchNode.unavailableReason(javaHome, "tokentrail-os");
    Assumptions.assumeTrue(reason == null, () -> "OpenSearch tests skipped: " + reason);
    Path work = Path.of(System.getProperty("tokentrail.opensearch.work", dir.toString()), "node");
    OpenSearchNode.deleteWorkDir(work); // a previous run's
    OpenSearchNode.Config defaults = OpenSearchNode.Config.singleNode(zip, work, javaHome);
    node = OpenSearchNode.start(new OpenSearchNode.Config(zip, work, javaHome, "512m", defaults.runAsUser(), true,
        Map.of(), defaults.startTimeout()));
    Map<String, String> env = Map.of("TOKENTRAIL_STORE_TYPE", "opensearch", "TOKENTRAIL_STORE_OPENSEARCH_URLS", node.httpUrl(),
        "TOKENTRAIL_STORE_OPENSEARCH_REPLICAS", "0");
    ingest = ServerProcess.start(Files.createDirectories(dir.resolve("a")), env);
    query = ServerProcess.start(Files.createDirectories(dir.resolve("b")), Map.of(),
        "--store-type", "opensearch", "--store-opensearch-urls", node.httpUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    if (ingest != null) {
      ingest.close();
    }
    if (query != null) {
      query.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void spansIngestedByOneProcessArePricedAndFoundThroughAnother() throws Exception {
    String traceId = LlmSpans.traceId();
    String rootId = LlmSpans.spanId();
    long now = System.currentTimeMillis();
    List<SpanData> spans = List.of(
        LlmSpans.root(traceId, rootId, "os-service", now),
        LlmSpans.chat(traceId, rootId, "os-service", "gpt-4o", 10_000, 1_000, 4_000, now));
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + ingest.grpcPort).build();
    try {
      assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).as("export acknowledged").isTrue();
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }

    JsonNode trace = query.awaitTrace(traceId, 2);
    double expected = (6_000 * 2.50 + 4_000 * 1.25 + 1_000 * 10.0) / 1_000_000;
    JsonNode cost = null;
    for (JsonNode batch : trace.path("batches")) {
      for (JsonNode scope : batch.path("scopeSpans")) {
        for (JsonNode span : scope.path("spans")) {
          for (JsonNode attribute : span.path("attributes")) {
            if (attribute.path("key").asText().equals("tokentrail.cost.usd")) {
              cost = attribute.path("value").path("doubleValue");
            }
          }
        }
      }
    }
    assertThat(cost).as("tokentrail.cost.usd of the chat span").isNotNull();
    assertThat(cost.asDouble()).isCloseTo(expected, within(1e-9));

    String q = URLEncoder.encode("{ span.gen_ai.request.model = \"gpt-4o\" && resource.service.name = \"os-service\" }",
        StandardCharsets.UTF_8);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> found = query.get("/api/search?q=" + q);
      assertThat(found.statusCode()).isEqualTo(200);
      // Search results carry Tempo's trace id form: hex without leading zeros.
      assertThat(JSON.readTree(found.body()).path("traces")).as(found.body())
          .extracting(t -> t.path("traceID").asText()).contains(traceId.replaceFirst("^0+", ""));
    });
  }
}
