package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attribute-key explosion of issue 12 against the running server with a small heap: spans
 * with 100,000 distinct keys each (keys with ids in them, as real instrumentation writes them)
 * through the OTel SDK's OTLP/HTTP exporter. Before the field budget the writer ran out of memory
 * and every restart did again; now the server stays up, keeps ingesting, and finds a span by a
 * key past the budget.
 */
class AttributeKeyExplosionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int KEYS = 100_000;

  @TempDir Path dataDir;

  @Test
  void spansWithAHundredThousandDistinctKeysDoNotTakeIngestDown() throws Exception {
    try (ServerProcess server = ServerProcess.start(dataDir, List.of("-Xmx256m"), Map.of())) {
      SpanExporter exporter = OtlpHttpSpanExporter.builder()
          .setEndpoint("http://127.0.0.1:" + server.httpPort + "/v1/traces")
          .setTimeout(Duration.ofSeconds(60))
          .build();
      long now = System.currentTimeMillis();
      String lastTrace = null;
      for (int round = 0; round < 4; round++) {
        AttributesBuilder attributes = Attributes.builder();
        for (int k = 0; k < KEYS; k++) {
          attributes.put("user." + (round * KEYS + k) + ".score", (long) k % 7);
        }
        lastTrace = LlmSpans.traceId();
        SpanData span = LlmSpans.span(lastTrace, LlmSpans.spanId(), "", "score users", "scorer", now + round, 5,
            attributes.build(), false);
        assertThat(exporter.export(List.of(span)).join(60, TimeUnit.SECONDS).isSuccess())
            .as("export %d of spans with %d distinct keys", round, KEYS).isTrue();
      }
      // A key of the last span, far past the partition's field budget, still finds it.
      String key = "user." + (3 * KEYS + 99_999) + ".score";
      String q = "{ span." + key + " = " + (99_999 % 7) + " }";
      String trace = lastTrace;
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        HttpResponse<String> response = server.get("/api/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8)
            + "&start=" + (now / 1000 - 60) + "&end=" + (now / 1000 + 60));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode traces = JSON.readTree(response.body()).get("traces");
        assertThat(traces).hasSize(1);
        assertThat(traces.get(0).get("traceID").asText().replaceFirst("^0+", "")).isEqualTo(trace.replaceFirst("^0+", ""));
      });
      // Ingest goes on: an ordinary call is accepted and stored.
      String ordinary = LlmSpans.traceId();
      String root = LlmSpans.spanId();
      assertThat(exporter.export(List.of(
              LlmSpans.root(ordinary, root, "support-bot", now + 10),
              LlmSpans.call(ordinary, root, "support-bot", "openai", "gpt-4o", 1_000, 100, now + 10, Attributes.empty())))
          .join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      server.awaitTrace(ordinary, 2);
      assertThat(server.get("/ready").statusCode()).isEqualTo(200);
      assertThat(server.get("/metrics").body()).contains("tokentrail_store_overflow_attribute_values_total");
      assertThat(server.logText()).doesNotContain("OutOfMemoryError");
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}
