package dev.tokentrail.query;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.query.metrics.TraceQlMetrics;
import dev.tokentrail.query.metrics.TraceQlMetrics.Label;
import dev.tokentrail.query.metrics.TraceQlMetrics.MetricsResult;
import dev.tokentrail.query.metrics.TraceQlMetrics.Series;
import dev.tokentrail.query.traceql.TraceQlException;
import dev.tokentrail.store.memory.InMemorySpanStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** TraceQL metrics over a real Lucene store: the engine's arithmetic and the HTTP JSON shape. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsApiTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final long S = 1_000_000_000L;
  /** A minute boundary well in the past. */
  private static final long T0 = 1_700_000_040L * S;

  InMemorySpanStore store;
  Server server;
  TraceQlMetrics metrics;

  @BeforeAll
  void start() throws Exception {
    store = InMemorySpanStore.create();
    List<Span> spans = new ArrayList<>();
    // Minute 0: 3 gpt-4o calls of team a (0.10, 0.20, 0.30), 1 claude call of team b (1.00).
    // Minute 1: 2 claude calls of team b (2.00, 4.00). One non-LLM span each minute.
    spans.add(call(1, T0 + 1 * S, "gpt-4o", "a", 0.10, 100));
    spans.add(call(2, T0 + 2 * S, "gpt-4o", "a", 0.20, 200));
    spans.add(call(3, T0 + 3 * S, "gpt-4o", "a", 0.30, 300));
    spans.add(call(4, T0 + 4 * S, "claude", "b", 1.00, 1000));
    spans.add(call(5, T0 + 61 * S, "claude", "b", 2.00, 2000));
    spans.add(call(6, T0 + 62 * S, "claude", "b", 4.00, 4000));
    spans.add(plain(7, T0 + 5 * S));
    spans.add(plain(8, T0 + 65 * S));
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get(10, TimeUnit.SECONDS);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !store.getTrace(Tenants.DEFAULT, traceId(8), 0, 0).isEmpty());
    metrics = TraceQlMetrics.create(store);
    ServerBuilder sb = Server.builder().http(0);
    QueryApi.builder(store, new PrometheusRegistry()).build().install(sb);
    server = sb.build();
    server.start().join();
  }

  @AfterAll
  void stop() {
    server.stop().join();
    store.close();
  }

  private static TraceId traceId(int i) {
    return new TraceId(0, 0xabc000L + i);
  }

  private static Span call(int i, long start, String model, String team, double cost, long inputTokens) {
    return Span.builder().traceId(traceId(i)).spanId(new SpanId(0x100L + i)).name("chat " + model)
        .startEpochNanos(start).endEpochNanos(start + (i * 100_000_000L))
        .attribute("tokentrail.llm_call", true).attribute("gen_ai.request.model", model)
        .attribute("tokentrail.team", team).attribute("tokentrail.cost.usd", cost)
        .attribute("gen_ai.usage.input_tokens", inputTokens)
        .resource(Resource.of(Map.of("service.name", "svc-" + team))).build();
  }

  private static Span plain(int i, long start) {
    return Span.builder().traceId(traceId(i)).spanId(new SpanId(0x100L + i)).name("http")
        .startEpochNanos(start).endEpochNanos(start + S).resource(Resource.of(Map.of("service.name", "web"))).build();
  }

  private static Map<String, List<Double>> byLabel(MetricsResult r) {
    Map<String, List<Double>> out = new HashMap<>();
    for (Series s : r.series()) {
      out.put(s.promLabels(), s.samples().stream().map(TraceQlMetrics.Sample::value).toList());
    }
    return out;
  }

  @Test
  void sumOverTimeByModelPerStep() {
    MetricsResult r = metrics.queryRange(Tenants.DEFAULT, 
        "{ span.gen_ai.usage.input_tokens > 0 } | sum_over_time(span.tokentrail.cost.usd) by (span.gen_ai.request.model)",
        T0, T0 + 120 * S, 60 * S, 0);
    Map<String, List<Double>> series = byLabel(r);
    assertThat(series).containsOnlyKeys("{span.gen_ai.request.model=\"gpt-4o\"}", "{span.gen_ai.request.model=\"claude\"}");
    assertThat(series.get("{span.gen_ai.request.model=\"gpt-4o\"}")).hasSize(1);
    assertThat(series.get("{span.gen_ai.request.model=\"gpt-4o\"}").get(0)).isCloseTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(series.get("{span.gen_ai.request.model=\"claude\"}")).containsExactly(1.0, 6.0);
    assertThat(r.inspectedSpans()).isEqualTo(6);
    Series claude = r.series().stream().filter(s -> s.promLabels().contains("claude")).findFirst().orElseThrow();
    assertThat(claude.samples().get(0).timestampMs()).isEqualTo((T0 + 60 * S) / 1_000_000);
    assertThat(claude.labels()).containsExactly(new Label("span.gen_ai.request.model", "claude"));
  }

  @Test
  void rateCountAndByResourceAttribute() {
    Map<String, List<Double>> count = byLabel(metrics.queryRange(Tenants.DEFAULT, "{ } | count_over_time() by (resource.service.name)", T0, T0 + 120 * S, 60 * S, 0));
    assertThat(count).containsEntry("{resource.service.name=\"svc-a\"}", List.of(3.0, 0.0))
        .containsEntry("{resource.service.name=\"svc-b\"}", List.of(1.0, 2.0))
        .containsEntry("{resource.service.name=\"web\"}", List.of(1.0, 1.0));
    Map<String, List<Double>> rate = byLabel(metrics.queryRange(Tenants.DEFAULT, "{ span.tokentrail.llm_call = true } | rate()", T0, T0 + 120 * S, 60 * S, 0));
    assertThat(rate).containsExactly(Map.entry("{__name__=\"rate\"}", List.of(4 / 60.0, 2 / 60.0)));
  }

  @Test
  void avgMinMaxQuantileAndHistogram() {
    String llm = "{ span.tokentrail.llm_call = true }";
    assertThat(byLabel(metrics.queryRange(Tenants.DEFAULT, llm + " | avg_over_time(span.tokentrail.cost.usd) by (span.tokentrail.team)", T0, T0 + 120 * S, 60 * S, 0)))
        .containsEntry("{span.tokentrail.team=\"b\"}", List.of(1.0, 3.0));
    assertThat(byLabel(metrics.queryRange(Tenants.DEFAULT, llm + " | max_over_time(span.tokentrail.cost.usd)", T0, T0 + 120 * S, 60 * S, 0)).values())
        .containsExactly(List.of(1.0, 4.0));
    assertThat(byLabel(metrics.queryRange(Tenants.DEFAULT, llm + " | min_over_time(span.gen_ai.usage.input_tokens)", T0, T0 + 120 * S, 60 * S, 0)).values())
        .containsExactly(List.of(100.0, 2000.0));
    Map<String, List<Double>> q = byLabel(metrics.queryRange(Tenants.DEFAULT, llm + " | quantile_over_time(span.tokentrail.cost.usd, 0.5, 1) by (span.tokentrail.team)", T0, T0 + 120 * S, 60 * S, 0));
    assertThat(q.get("{span.tokentrail.team=\"a\", p=0.5}").get(0)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(q.get("{span.tokentrail.team=\"b\", p=1.0}")).containsExactly(1.0, 4.0);
    Map<String, List<Double>> h = byLabel(metrics.queryRange(Tenants.DEFAULT, llm + " | histogram_over_time(span.tokentrail.cost.usd)", T0, T0 + 120 * S, 60 * S, 0));
    assertThat(h.get("{__bucket=4.0}")).containsExactly(0.0, 1.0);
    assertThat(h.get("{__bucket=1.0}")).containsExactly(1.0, 0.0);
    Map<String, List<Double>> d = byLabel(metrics.queryRange(Tenants.DEFAULT, "{ name = \"http\" } | max_over_time(duration)", T0, T0 + 120 * S, 60 * S, 0));
    assertThat(d.values()).containsExactly(List.of(1.0, 1.0));
  }

  @Test
  void topkKeepsTheLargestSeriesPerStep() {
    Map<String, List<Double>> top = byLabel(metrics.queryRange(Tenants.DEFAULT, 
        "{ span.tokentrail.llm_call = true } | sum_over_time(span.tokentrail.cost.usd) by (span.tokentrail.team) | topk(1)", T0, T0 + 120 * S, 60 * S, 0));
    assertThat(top).containsOnlyKeys("{span.tokentrail.team=\"b\"}");
    Map<String, List<Double>> bottom = byLabel(metrics.queryRange(Tenants.DEFAULT, 
        "{ span.tokentrail.llm_call = true } | count_over_time() by (span.tokentrail.team) | bottomk(1)", T0, T0 + 120 * S, 60 * S, 0));
    assertThat(bottom).containsEntry("{span.tokentrail.team=\"b\"}", List.of(1.0)).containsEntry("{span.tokentrail.team=\"a\"}", List.of(0.0));
  }

  @Test
  void instantAndExemplars() {
    MetricsResult r = metrics.instant(Tenants.DEFAULT, "{ span.tokentrail.llm_call = true } | sum_over_time(span.tokentrail.cost.usd) by (span.tokentrail.team)", T0, T0 + 120 * S);
    assertThat(byLabel(r).get("{span.tokentrail.team=\"b\"}")).containsExactly(7.0);
    MetricsResult ex = metrics.queryRange(Tenants.DEFAULT, "{ span.tokentrail.llm_call = true } | max_over_time(span.tokentrail.cost.usd)", T0, T0 + 120 * S, 60 * S, 10);
    List<TraceQlMetrics.Exemplar> exemplars = ex.series().get(0).exemplars();
    assertThat(exemplars).hasSize(2);
    assertThat(exemplars.get(1).labels()).contains(new Label("trace:id", traceId(6).hex()));
    assertThat(exemplars.get(1).value()).isEqualTo(4.0);
    assertThat(exemplars.get(1).timestampMs()).isEqualTo((T0 + 62 * S) / 1_000_000);
  }

  @Test
  void unsupportedFunctionsAndQueriesAreErrorsNamingThem() {
    assertThatThrownBy(() -> metrics.queryRange(Tenants.DEFAULT, "{ } | stddev_over_time(duration)", T0, T0 + 60 * S, 60 * S, 0))
        .isInstanceOf(TraceQlException.class).hasMessageContaining("unsupported metrics function 'stddev_over_time'");
    assertThatThrownBy(() -> metrics.queryRange(Tenants.DEFAULT, "{ } | compare({ status = error })", T0, T0 + 60 * S, 60 * S, 0))
        .isInstanceOf(TraceQlException.class).hasMessageContaining("'compare'");
    assertThatThrownBy(() -> metrics.queryRange(Tenants.DEFAULT, "{ } | rate(duration)", T0, T0 + 60 * S, 60 * S, 0))
        .isInstanceOf(TraceQlException.class).hasMessageContaining("rate() takes no argument");
    assertThatThrownBy(() -> metrics.queryRange(Tenants.DEFAULT, "{ }", T0, T0 + 60 * S, 60 * S, 0))
        .isInstanceOf(TraceQlException.class).hasMessageContaining("metrics function");
  }

  private HttpResponse<String> get(String path, String q, String params) throws Exception {
    String uri = "http://127.0.0.1:" + server.activeLocalPort() + path + "?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + params;
    return HTTP.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void queryRangeAnswersTempoJson() throws Exception {
    long start = T0 / S;
    HttpResponse<String> r = get("/api/metrics/query_range",
        "{ span.tokentrail.llm_call = true } | sum_over_time(span.tokentrail.cost.usd) by (span.tokentrail.team)",
        "&start=" + start + "&end=" + (start + 120) + "&step=1m&exemplars=5");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = QueryApi.JSON.readTree(r.body());
    JsonNode b = null;
    for (JsonNode s : body.get("series")) {
      if (s.get("labels").get(0).get("value").get("stringValue").asText().equals("b")) {
        b = s;
      }
    }
    assertThat(b).isNotNull();
    assertThat(b.get("labels").get(0).get("key").asText()).isEqualTo("span.tokentrail.team");
    assertThat(b.get("samples").get(1).get("timestampMs").asText()).isEqualTo(Long.toString((T0 + 120 * S) / 1_000_000));
    assertThat(b.get("samples").get(1).get("value").asDouble()).isEqualTo(6.0);
    assertThat(b.has("promLabels")).isFalse();
    assertThat(b.get("exemplars").get(0).get("labels").get(0).get("key").asText()).isEqualTo("trace:id");
    assertThat(body.get("metrics").get("inspectedSpans").asText()).isEqualTo("6");

    // Nanosecond and RFC 3339 bounds, seconds as step, the "query" spelling.
    HttpResponse<String> nanos = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort()
        + "/api/metrics/query_range?query=" + URLEncoder.encode("{ } | count_over_time()", StandardCharsets.UTF_8)
        + "&start=" + T0 + "&end=2023-11-14T22:16:00Z&step=60")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(nanos.statusCode()).as(nanos.body()).isEqualTo(200);
    JsonNode samples = QueryApi.JSON.readTree(nanos.body()).get("series").get(0).get("samples");
    assertThat(samples.get(0).get("value").asDouble()).isEqualTo(5.0);
    assertThat(samples.get(1).get("value").asDouble()).isEqualTo(3.0);
  }

  @Test
  void instantAnswersTempoJsonAndErrorsAre400() throws Exception {
    long start = T0 / S;
    HttpResponse<String> r = get("/api/metrics/query", "{ span.tokentrail.llm_call = true } | count_over_time() by (span.gen_ai.request.model)",
        "&start=" + start + "&end=" + (start + 120));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode series = QueryApi.JSON.readTree(r.body()).get("series");
    assertThat(series).hasSize(2);
    for (JsonNode s : series) {
      assertThat(s.properties().stream().map(Map.Entry::getKey).toList()).containsExactly("labels", "value");
    }
    HttpResponse<String> bad = get("/api/metrics/query_range", "{ } | stddev_over_time(duration)", "&start=" + start + "&end=" + (start + 120));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("stddev_over_time");
    HttpResponse<String> badStep = get("/api/metrics/query_range", "{ } | rate()", "&start=" + start + "&end=" + (start + 120) + "&step=abc");
    assertThat(badStep.statusCode()).isEqualTo(400);
  }

  @Test
  void theDefaultStepFollowsTempo() {
    assertThat(MetricsApi.defaultStep(0, 3600 * S)).isEqualTo(15 * S);
  }
}
