package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 4, on the running server: what clients send under the server's names, and counts
 * and amounts no call can have, never break /metrics nor reach the APIs as NaN, Infinity, negative
 * totals or a price.
 */
class ClientValuesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  static ServerProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = ServerProcess.start(dataDir, Map.of("TOKENTRAIL_BUDGETS_TEAM", "budget-team=100"));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static void export(List<SpanData> spans) {
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    try {
      assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void twoSpansWithMaxLongInputTokensLeaveMetricsScrapable() throws Exception {
    String traceId = LlmSpans.traceId();
    long now = System.currentTimeMillis();
    export(List.of(
        LlmSpans.call(traceId, LlmSpans.spanId(), "overflow-svc", "openai", "gpt-4o", Long.MAX_VALUE, 10, now, Attributes.empty()),
        LlmSpans.call(traceId, LlmSpans.spanId(), "overflow-svc", "openai", "gpt-4o", Long.MAX_VALUE, 10, now, Attributes.empty())));
    JsonNode trace = server.awaitTrace(traceId, 2);
    Map<String, JsonNode> chat = ServeIT.attributesOfSpanNamed(trace, "chat gpt-4o");
    assertThat(chat).doesNotContainKey("gen_ai.usage.input_tokens").containsKey("tokentrail.original.gen_ai.usage.input_tokens");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> metrics = server.get("/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertParsesWithNonNegativeCounters(metrics.body());
      assertThat(metrics.body()).containsPattern(
          "tokentrail_ingest_attributes_sanitized_total\\{reason=\"implausible\"} [2-9]");
    });
    HttpResponse<String> top = server.get("/api/v1/traces/top?by=tokens&limit=100");
    assertThat(top.statusCode()).isEqualTo(200);
    for (JsonNode row : JSON.readTree(top.body())) {
      assertThat(row.get("totalTokens").asLong()).as(row.toString()).isNotNegative();
    }
  }

  @Test
  void nonFiniteAndNegativeClientCostsNeverReachTheApisAndNeverBecomeThePrice() throws Exception {
    String traceId = LlmSpans.traceId();
    String rootId = LlmSpans.spanId();
    long now = System.currentTimeMillis();
    Attributes team = Attributes.builder().put("tokentrail.team", "nan-team").build();
    export(List.of(
        LlmSpans.span(traceId, rootId, "", "POST /answer", "nan-svc", now, 2000, Attributes.builder()
            .put("tokentrail.llm_call", true).put("tokentrail.cost.usd", Double.POSITIVE_INFINITY)
            .put("tokentrail.price.version", "client-1").put("tokentrail.team", "nan-team").build(), false),
        LlmSpans.call(traceId, rootId, "nan-svc", "openai", "gpt-4o", 1000, 100, now, team.toBuilder()
            .put("tokentrail.cost.usd", Double.NaN).build()),
        LlmSpans.call(traceId, rootId, "nan-svc", "openai", "acme-brain-9000", 1000, 100, now, team.toBuilder()
            .put("tokentrail.cost.usd", Double.POSITIVE_INFINITY).put("llm.cost.total", "1e999").build()),
        LlmSpans.call(traceId, rootId, "nan-svc", "openai", "acme-brain-9001", 1000, 100, now, team.toBuilder()
            .put("tokentrail.cost.usd", -5.0).put("tokentrail.price.model", "gpt-4o").build())));

    String traceJson = awaitTraceBody(traceId, 4);
    // Non-finite client values are kept as text ("stringValue":"NaN"), never as a number.
    assertThat(traceJson).doesNotContain("\"doubleValue\":\"");
    Map<String, JsonNode> root = ServeIT.attributesOfSpanNamed(JSON.readTree(traceJson), "POST /answer");
    assertThat(root).doesNotContainKeys("tokentrail.llm_call", "tokentrail.cost.usd", "tokentrail.price.version")
        .containsKeys("tokentrail.client.llm_call", "tokentrail.client.price.version");

    String window = "from=" + (now - 60_000) + "&to=" + (now + 60_000);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> top = server.get("/api/v1/traces/top?" + window + "&q=" + java.net.URLEncoder.encode(
          "{ resource.service.name = \"nan-svc\" }", java.nio.charset.StandardCharsets.UTF_8));
      assertThat(top.statusCode()).isEqualTo(200);
      JsonNode rows = JSON.readTree(top.body());
      assertThat(rows).hasSize(1);
      JsonNode row = rows.get(0);
      // Only gpt-4o is priced, by the server: 1000 input + 100 output tokens cost well under a cent.
      assertThat(row.get("costUsd").isNumber()).as(row.toString()).isTrue();
      assertThat(row.get("costUsd").asDouble()).isGreaterThan(0).isLessThan(0.01);
      assertThat(row.get("llmCalls").asInt()).as("the root's client-sent tokentrail.llm_call is not a call").isEqualTo(3);
    });
    for (String path : List.of("/api/v1/cost?group_by=team&" + window, "/api/v1/cost?" + window, "/api/v1/budgets",
        "/api/v1/waste/summary?" + window, "/api/v1/traces/top?limit=1000&" + window)) {
      HttpResponse<String> response = server.get(path);
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(response.body()).as(path).doesNotContain("NaN").doesNotContain("Infinity");
    }
    JsonNode cost = JSON.readTree(server.get("/api/v1/cost?group_by=team&" + window).body());
    for (JsonNode row : cost) {
      if (row.get("group").asText().equals("nan-team")) {
        assertThat(row.get("costUsd").asDouble()).isGreaterThan(0).isLessThan(0.01);
      }
    }
    HttpResponse<String> metrics = server.get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertParsesWithNonNegativeCounters(metrics.body());
  }

  @Test
  void aSpanClaimingTrillionsOfTokensDoesNotDriveBudgetsOrForecasts() throws Exception {
    String traceId = LlmSpans.traceId();
    long now = System.currentTimeMillis();
    Attributes team = Attributes.builder().put("tokentrail.team", "budget-team").build();
    export(List.of(
        LlmSpans.call(traceId, LlmSpans.spanId(), "budget-svc", "openai", "gpt-4o", 3_000_000_000_000L, 1_000_000_000_000_000L, now, team),
        LlmSpans.call(traceId, LlmSpans.spanId(), "budget-svc", "openai", "gpt-4o", 1000, 100, now, team)));
    server.awaitTrace(traceId, 2);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode budgets = JSON.readTree(server.get("/api/v1/budgets").body());
      assertThat(budgets).hasSize(1);
      JsonNode b = budgets.get(0);
      assertThat(b.get("spendUsd").asDouble()).as(b.toString()).isGreaterThan(0).isLessThan(0.01);
      assertThat(b.get("forecastUsd").asDouble()).as(b.toString()).isLessThan(100);
      assertThat(b.get("overrunTime").isNull()).as(b.toString()).isTrue();
    });
  }

  private static String awaitTraceBody(String traceId, int spans) {
    server.awaitTrace(traceId, spans);
    try {
      return server.get("/api/traces/" + traceId).body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Every sample line of the Prometheus text format parses, and no counter is negative. */
  private static void assertParsesWithNonNegativeCounters(String text) {
    int samples = 0;
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      assertThat(line).matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*})? \\S+( \\d+)?");
      String name = line.substring(0, line.indexOf(line.contains("{") ? '{' : ' '));
      int brace = line.lastIndexOf('}');
      String rest = (brace >= 0 ? line.substring(brace + 1) : line.substring(line.indexOf(' '))).trim();
      String value = rest.split(" ")[0];
      double v = switch (value) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(value);
      };
      if (name.endsWith("_total")) {
        assertThat(v).as(line).isNotNegative().isFinite();
      }
      samples++;
    }
    assertThat(samples).isPositive();
  }
}
