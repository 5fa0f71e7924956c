package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every TraceQL metrics function against the running server, fed through the OTel SDK's OTLP
 * exporter, with answers known from the spans sent: model fx-a has calls of 100, 200 and 300
 * input tokens, model fx-b one call of 1,000, all in service metrics-bot.
 */
class TraceQlMetricsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CALLS = "{ resource.service.name = \"metrics-bot\" && span.gen_ai.usage.input_tokens > 0 }";

  @TempDir static Path dataDir;
  static ServerProcess server;
  static long startSeconds;
  static long endSeconds;

  @BeforeAll
  static void feed() throws Exception {
    server = ServerProcess.start(dataDir);
    long now = System.currentTimeMillis();
    startSeconds = now / 1000 - 600;
    endSeconds = now / 1000 + 600;
    List<SpanData> spans = new ArrayList<>();
    long[][] calls = {{100, 0}, {200, 0}, {300, 0}, {1000, 1}};
    for (int i = 0; i < calls.length; i++) {
      String trace = LlmSpans.traceId();
      String root = LlmSpans.spanId();
      spans.add(LlmSpans.root(trace, root, "metrics-bot", now + i));
      spans.add(LlmSpans.call(trace, root, "metrics-bot", "fixture-ai", calls[i][1] == 0 ? "fx-a" : "fx-b",
          calls[i][0], 10, now + i, Attributes.empty()));
    }
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    exporter.shutdown().join(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(instant(CALLS + " | count_over_time()").values()).containsExactly(4.0));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void countAndRateCountCalls() throws Exception {
    assertThat(instant(CALLS + " | count_over_time() by (span.gen_ai.request.model)"))
        .containsOnly(Map.entry("fx-a", 3.0), Map.entry("fx-b", 1.0));
    double seconds = endSeconds - startSeconds;
    assertThat(instant(CALLS + " | rate() by (span.gen_ai.request.model)").get("fx-a"))
        .isCloseTo(3 / seconds, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void sumAvgMinMaxOfAnAttribute() throws Exception {
    String field = "(span.gen_ai.usage.input_tokens) by (span.gen_ai.request.model)";
    assertThat(instant(CALLS + " | sum_over_time" + field)).containsOnly(Map.entry("fx-a", 600.0), Map.entry("fx-b", 1000.0));
    assertThat(instant(CALLS + " | avg_over_time" + field)).containsOnly(Map.entry("fx-a", 200.0), Map.entry("fx-b", 1000.0));
    assertThat(instant(CALLS + " | min_over_time" + field)).containsOnly(Map.entry("fx-a", 100.0), Map.entry("fx-b", 1000.0));
    assertThat(instant(CALLS + " | max_over_time" + field)).containsOnly(Map.entry("fx-a", 300.0), Map.entry("fx-b", 1000.0));
  }

  @Test
  void quantileAndHistogram() throws Exception {
    // The median of 100, 200 and 300, interpolated as Prometheus does.
    JsonNode q = get("/api/metrics/query", CALLS + " | quantile_over_time(span.gen_ai.usage.input_tokens, .5) by (span.gen_ai.request.model)");
    Map<String, Double> medians = new TreeMap<>();
    for (JsonNode s : q.get("series")) {
      medians.put(label(s, "span.gen_ai.request.model"), s.get("value").asDouble());
    }
    assertThat(medians).containsOnly(Map.entry("fx-a", 200.0), Map.entry("fx-b", 1000.0));
    // Power-of-two buckets: 100 -> 128, 200 -> 256, 300 -> 512, 1000 -> 1024.
    JsonNode h = get("/api/metrics/query", CALLS + " | histogram_over_time(span.gen_ai.usage.input_tokens)");
    Map<String, Double> buckets = new TreeMap<>();
    for (JsonNode s : h.get("series")) {
      buckets.put(label(s, "__bucket"), s.get("value").asDouble());
    }
    assertThat(buckets.values().stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(4.0);
    assertThat(buckets).hasSize(4);
  }

  @Test
  void topkAndBottomkKeepTheLargestAndSmallestSeries() throws Exception {
    String sum = CALLS + " | sum_over_time(span.gen_ai.usage.input_tokens) by (span.gen_ai.request.model)";
    assertThat(instant(sum + " | topk(1)")).containsOnly(Map.entry("fx-b", 1000.0));
    assertThat(instant(sum + " | bottomk(1)")).containsOnly(Map.entry("fx-a", 600.0));
  }

  @Test
  void rangeQueriesCarryExemplarsThatOpenTheirTrace() throws Exception {
    JsonNode r = get("/api/metrics/query_range", CALLS + " | count_over_time() by (span.gen_ai.request.model)", "&step=60s&exemplars=10");
    double total = 0;
    String traceId = null;
    for (JsonNode s : r.get("series")) {
      for (JsonNode sample : s.get("samples")) {
        total += sample.get("value").asDouble();
      }
      for (JsonNode ex : s.path("exemplars")) {
        for (JsonNode l : ex.get("labels")) {
          if (l.get("key").asText().equals("trace:id")) {
            traceId = l.get("value").get("stringValue").asText();
          }
        }
      }
    }
    assertThat(total).isEqualTo(4.0);
    assertThat(traceId).isNotNull();
    assertThat(server.get("/api/traces/" + traceId).statusCode()).isEqualTo(200);
  }

  @Test
  void unsupportedFunctionIsA400NamingIt() throws Exception {
    HttpResponse<String> response = server.get("/api/metrics/query_range?q=" + enc(CALLS + " | compare({ status = error })")
        + "&start=" + startSeconds + "&end=" + endSeconds + "&step=60s");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("compare");
  }

  /** An instant query's value per series, by the first label's value. */
  private static Map<String, Double> instant(String q) throws Exception {
    Map<String, Double> out = new TreeMap<>();
    for (JsonNode s : get("/api/metrics/query", q).get("series")) {
      JsonNode labels = s.get("labels");
      String key = labels.isEmpty() ? "" : labels.get(0).get("value").elements().next().asText();
      out.put(key, s.get("value").asDouble());
    }
    return out;
  }

  private static String label(JsonNode series, String key) {
    for (JsonNode l : series.get("labels")) {
      if (l.get("key").asText().equals(key)) {
        return l.get("value").elements().next().asText();
      }
    }
    return null;
  }

  private static JsonNode get(String path, String q) throws Exception {
    return get(path, q, "");
  }

  private static JsonNode get(String path, String q, String extra) throws Exception {
    HttpResponse<String> response = server.get(path + "?q=" + enc(q) + "&start=" + startSeconds + "&end=" + endSeconds + extra);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
