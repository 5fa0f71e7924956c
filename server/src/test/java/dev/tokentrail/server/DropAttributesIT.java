package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest.drop_attributes} on the real server: attributes whose keys match are in neither
 * the stored span nor tag discovery, are counted, and the call is still priced.
 */
class DropAttributesIT {
  @TempDir Path dataDir;
  private ServerProcess server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void droppedKeysAreNeitherStoredNorDiscoverableAndAreCounted() throws Exception {
    server = ServerProcess.start(dataDir, Map.of("TOKENTRAIL_INGEST_DROP_ATTRIBUTES", "user.email, secret.*"));
    String traceId = LlmSpans.traceId();
    long now = System.currentTimeMillis();
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    try {
      assertThat(exporter.export(List.of(LlmSpans.call(traceId, LlmSpans.spanId(), "pii-svc", "openai", "gpt-4o", 100, 10, now,
          Attributes.builder().put("user.email", "ann@example.com").put("secret.api_key", "sk-123")
              .put("kept.key", "kept-value").build()))).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    } finally {
      exporter.shutdown();
    }

    JsonNode trace = server.awaitTrace(traceId, 1);
    Map<String, JsonNode> stored = ServeIT.attributesOfSpanNamed(trace, "chat gpt-4o");
    assertThat(stored).containsKey("kept.key").containsKey("tokentrail.cost.usd")
        .doesNotContainKeys("user.email", "secret.api_key");
    assertThat(trace.toString()).doesNotContain("ann@example.com", "sk-123");

    long from = now / 1000 - 3600;
    long to = now / 1000 + 3600;
    String window = "start=" + from + "&end=" + to;
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(server.get("/api/v2/search/tags?" + window).body()).contains("kept.key"));
    assertThat(server.get("/api/v2/search/tags?" + window).body()).doesNotContain("user.email", "secret.api_key");
    assertThat(server.get("/api/search/tag/user.email/values?" + window).body()).doesNotContain("ann@example.com");
    assertThat(server.get("/metrics").body())
        .contains("tokentrail_ingest_attributes_dropped_total{scope=\"span\",tenant=\"single-tenant\"} 2.0");
  }
}
