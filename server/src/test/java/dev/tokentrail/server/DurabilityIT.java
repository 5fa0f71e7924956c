package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acknowledged means durable: what the server acknowledged survives kill -9 and a restart. */
class DurabilityIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dataDir;

  @Test
  void everyAcknowledgedSpanSurvivesKill9() throws Exception {
    Map<String, Integer> spansPerTrace = new LinkedHashMap<>();
    try (ServerProcess server = ServerProcess.start(dataDir)) {
      SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
      long now = System.currentTimeMillis();
      for (int batch = 0; batch < 40; batch++) {
        List<SpanData> spans = new ArrayList<>();
        for (int t = 0; t < 10; t++) {
          String traceId = LlmSpans.traceId();
          String rootId = LlmSpans.spanId();
          spans.add(LlmSpans.root(traceId, rootId, "durable", now));
          for (int c = 0; c < 4; c++) {
            spans.add(LlmSpans.chat(traceId, rootId, "durable", "gpt-4o-mini", 1000 + c, 100, 0, now));
          }
          spansPerTrace.put(traceId, 5);
        }
        assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).as("batch %d acknowledged", batch).isTrue();
      }
      // Killed right after the last acknowledgement: no shutdown, no commit (commits run every 10 s).
      server.kill9();
      exporter.shutdown();
    }

    try (ServerProcess restarted = ServerProcess.start(dataDir)) {
      int missing = 0;
      for (Map.Entry<String, Integer> e : spansPerTrace.entrySet()) {
        HttpResponse<String> response = restarted.get("/api/traces/" + e.getKey());
        if (response.statusCode() != 200 || countSpans(JSON.readTree(response.body())) != e.getValue()) {
          missing++;
        }
      }
      assertThat(missing).as("traces missing or incomplete after kill -9 and restart (of %d)", spansPerTrace.size()).isZero();
      assertThat(restarted.logText()).contains("recovered");
    }
  }

  @Test
  void sigtermFlushesCommitsAndExitsZero() throws Exception {
    String traceId = LlmSpans.traceId();
    try (ServerProcess server = ServerProcess.start(dataDir)) {
      SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
      String rootId = LlmSpans.spanId();
      assertThat(exporter.export(List.of(LlmSpans.root(traceId, rootId, "graceful", System.currentTimeMillis())))
          .join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      exporter.shutdown();
      assertThat(server.terminate()).as("exit code after SIGTERM\n%s", server.logText()).isZero();
      assertThat(server.logText()).contains("stopped");
    }
    try (ServerProcess restarted = ServerProcess.start(dataDir)) {
      assertThat(restarted.get("/api/traces/" + traceId).statusCode()).isEqualTo(200);
      assertThat(restarted.logText()).doesNotContain("recovered");
    }
  }

  private static int countSpans(JsonNode trace) {
    int count = 0;
    for (JsonNode batch : trace.get("batches")) {
      for (JsonNode scope : batch.get("scopeSpans")) {
        count += scope.get("spans").size();
      }
    }
    return count;
  }
}
