package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The newcomer's path: start the server, export with the OTel SDK, read the priced trace back. */
class ServeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  static ServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = ServerProcess.start(dataDir);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void spansExportedOverGrpcComeBackPricedFromTheTraceApi() throws Exception {
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    assertPricedRoundTrip(exporter, "grpc-service");
  }

  @Test
  void spansExportedOverHttpProtobufComeBackPriced() throws Exception {
    SpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.httpPort + "/v1/traces").build();
    assertPricedRoundTrip(exporter, "http-service");
  }

  @Test
  void gzipCompressedExportsAreAccepted() throws Exception {
    SpanExporter exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.httpPort + "/v1/traces").setCompression("gzip").build();
    assertPricedRoundTrip(exporter, "gzip-service");
  }

  private void assertPricedRoundTrip(SpanExporter exporter, String service) throws Exception {
    String traceId = LlmSpans.traceId();
    String rootId = LlmSpans.spanId();
    long now = System.currentTimeMillis();
    // gpt-4o: $2.50 / 1M input, $1.25 / 1M cached input, $10 / 1M output.
    List<SpanData> spans = List.of(
        LlmSpans.root(traceId, rootId, service, now),
        LlmSpans.chat(traceId, rootId, service, "gpt-4o", 10_000, 1_000, 4_000, now));
    try {
      CompletableResultCode result = exporter.export(spans).join(30, TimeUnit.SECONDS);
      assertThat(result.isSuccess()).as("export acknowledged").isTrue();
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }

    JsonNode trace = awaitTrace(traceId, 2);
    Map<String, JsonNode> chat = attributesOfSpanNamed(trace, "chat gpt-4o");
    double expected = (6_000 * 2.50 + 4_000 * 1.25 + 1_000 * 10.0) / 1_000_000;
    assertThat(chat.get("tokentrail.cost.usd").get("doubleValue").asDouble()).isCloseTo(expected, within(1e-9));
    assertThat(chat.get("gen_ai.usage.input_tokens").get("intValue").asText()).isEqualTo("10000");
    assertThat(chat.get("tokentrail.team").get("stringValue").asText()).isEqualTo("payments");
    assertThat(chat.get("tokentrail.project").get("stringValue").asText()).isEqualTo("checkout-assistant");
    assertThat(chat.get("tokentrail.price.version").get("stringValue").asText()).isNotBlank();

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      String metrics = server.get("/metrics").body();
      assertThat(metrics).contains("tokentrail_llm_cost_usd_total{")
          .containsPattern("tokentrail_llm_calls_total\\{model=\"gpt-4o\",operation=\"chat\",project=\"checkout-assistant\",provider=\"openai\",service=\"" + service + "\",status=\"ok\",team=\"payments\",tenant=\"single-tenant\"} 1.0");
    });
  }

  @Test
  void readyAndMetricsAnswer() throws Exception {
    assertThat(server.get("/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> metrics = server.get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("tokentrail_store_queue_spans", "tokentrail_store_write_seconds", "jvm_memory");
  }

  @Test
  void unknownTraceIs404AndMalformedIdIs400() throws Exception {
    assertThat(server.get("/api/traces/" + LlmSpans.traceId()).statusCode()).isEqualTo(404);
    HttpResponse<String> bad = server.get("/api/traces/not-hex");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("traceId: not-hex");
  }

  @Test
  void unknownModelIsStoredUnpricedAndListed() throws Exception {
    String traceId = LlmSpans.traceId();
    String rootId = LlmSpans.spanId();
    long now = System.currentTimeMillis();
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    assertThat(exporter.export(List.of(LlmSpans.chat(traceId, rootId, "lab", "acme-brain-9000", 100, 10, 0, now)))
        .join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    exporter.shutdown();
    JsonNode trace = awaitTrace(traceId, 1);
    Map<String, JsonNode> chat = attributesOfSpanNamed(trace, "chat acme-brain-9000");
    assertThat(chat).doesNotContainKey("tokentrail.cost.usd");
    assertThat(chat.get("tokentrail.price.unpriced_reason").get("stringValue").asText()).isEqualTo("unknown_model");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(server.get("/api/v1/unknown-models").body()).contains("\"model\":\"acme-brain-9000\""));
    assertThat(server.get("/metrics").body()).contains("tokentrail_unknown_model_calls_total{model=\"acme-brain-9000\"");
  }

  static JsonNode awaitTrace(String traceId, int spans) {
    return server.awaitTrace(traceId, spans);
  }

  static Map<String, JsonNode> attributesOfSpanNamed(JsonNode trace, String name) {
    for (JsonNode batch : trace.get("batches")) {
      for (JsonNode scope : batch.get("scopeSpans")) {
        for (JsonNode span : scope.get("spans")) {
          if (span.get("name").asText().equals(name)) {
            Map<String, JsonNode> attributes = new HashMap<>();
            for (JsonNode kv : span.get("attributes")) {
              attributes.put(kv.get("key").asText(), kv.get("value"));
            }
            return attributes;
          }
        }
      }
    }
    throw new AssertionError("no span named " + name + " in " + trace);
  }
}
