package dev.tokentrail.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.server.LlmSpans;
import dev.tokentrail.server.ServerProcess;
import dev.tokentrail.server.WasteScenario;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of every dashboard, run the way Grafana runs it against the real parts: the packaged
 * {@code tokentrail serve} fed {@link WasteScenario} (every kind of waste, outcomes) plus project
 * traffic, an unknown model, a client cost mismatch and an invalid span through the OTel SDK
 * exporter; a real Prometheus scraping it every second with the alert rules loaded. PromQL goes
 * to Prometheus's HTTP API, Infinity queries to the query API under the provisioned base URL,
 * TraceQL to {@code /api/search}, with Grafana's time macros and the variables first at their
 * all-value, then at concrete values: one team, project and service, and a model that is the
 * billed (response) model of calls that asked for another.
 */
class DashboardQueriesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final int SCRAPE_SECONDS = 1;
  /**
   * Grafana's computed $__interval for a few minutes' range (it never goes below the scrape
   * interval); a panel's own minimum interval ({@code "interval"}) raises it.
   */
  private static final int INTERVAL_SECONDS = 2;
  /**
   * The concrete selection: calls of this service, team and project asked for the scenario's
   * fx-frontier and were billed as a dated snapshot of it (priced as fx-frontier).
   */
  static final String SELECTED_TEAM = "payments";
  static final String SELECTED_PROJECT = "checkout-assistant";
  static final String SELECTED_SERVICE = "checkout-api";
  static final String REQUEST_MODEL = "fx-frontier";
  static final String BILLED_MODEL = "fx-frontier-2024-08-06";
  /** The selection's retry: a billed 500 attempt (1000 in, 50 out at fx-frontier's $2.50/$10 per 1M) before the success. */
  static final double SELECTED_RETRY_WASTED_USD = (1000 * 2.50 + 50 * 10.0) / 1_000_000.0;
  /** Panels with no data for the concrete selection: the selected service has no waste of these kinds. */
  /**
   * Panels the selection has no data for, checked to be empty: its traces have no context growth,
   * cache or overkill findings, and the research team's traces carry no outcome, so it has no cost
   * per outcome or efficiency gap.
   */
  private static final Set<String> EMPTY_FOR_SELECTION = Set.of(
      "waste.json Context growth: findings", "waste.json Cache opportunity: findings", "waste.json Overkill models: findings",
      "budgets.json Cost per outcome by team", "budgets.json Efficiency gap by team");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((?:(.+),\\s*)?(\\w+)\\)");

  @TempDir static Path dataDir;
  @TempDir static Path prometheusDir;
  static ServerProcess server;
  static PrometheusProcess prometheus;
  static long fromMillis;
  static long toMillis;
  static GrafanaTemplate template;

  @BeforeAll
  static void startServerAndPrometheusAndFeedThem() throws Exception {
    PrometheusProcess.requireInstalled();
    // The scenario's made-up models and prices (WasteScenario.CATALOG) besides the built-in ones.
    Map<String, String> env = new java.util.HashMap<>(WasteScenario.catalogEnv(dataDir));
    env.putAll(Map.of(
        "TOKENTRAIL_WASTE_INTERVAL", "1s",
        // research spends about $0.075 in the scenario: over its budget, so an overrun date exists.
        "TOKENTRAIL_BUDGETS_TEAM", "support=100,research=0.01",
        "TOKENTRAIL_BUDGETS_PROJECT", "checkout-assistant=50",
        "TOKENTRAIL_OUTCOMES_BENCHMARK_USD", "ticket_resolved=4",
        // labs-bot's user.email is removed at ingest: the dropped-attributes series has data.
        "TOKENTRAIL_INGEST_DROP_ATTRIBUTES", "user.email"));
    server = ServerProcess.start(dataDir, env);
    prometheus = PrometheusProcess.start(prometheusDir, server.queryPort, SCRAPE_SECONDS,
        ModuleFiles.dir("prometheus/rules/tokentrail-alerts.yml"));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        assertThat(prometheus.query("up{job=\"tokentrail\"} == 1")).as("TokenTrail scraped").hasSize(1));

    // Spans of this month (budgets count the calendar month), ending before now.
    long monthStart = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long start = Math.max(System.currentTimeMillis() - 90_000, monthStart);
    fromMillis = start - 60_000;
    // Prometheus sees a counter's series from its first scrape on, so increase() and rate() miss
    // the calls that created it: first traffic creates the series, a second round counts.
    export(traffic(start));
    postInvalidSpan();
    awaitScraped("sum(tokentrail_llm_calls_total)", LLM_CALLS);
    awaitScraped("sum(tokentrail_ingest_spans_rejected_total)", 1);
    export(moreTraffic(start + 30_000));
    postInvalidSpan();
    awaitScraped("sum(tokentrail_llm_calls_total)", LLM_CALLS + MORE_LLM_CALLS);
    awaitScraped("sum(tokentrail_ingest_spans_rejected_total)", 2);

    // Everything the panels show has been analyzed and scraped.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      assertThat(prometheus.query("tokentrail_waste_usd_total > 0")).as("waste of every kind scraped").hasSize(4);
      assertThat(prometheus.query("tokentrail_budget_overrun_timestamp_seconds")).as("overrun date scraped").isNotEmpty();
      assertThat(prometheus.query("tokentrail_client_cost_mismatch_total")).as("cost mismatch scraped").isNotEmpty();
    });
    // A few more scrapes, so rate() windows after the burst hold two samples.
    double scrapes = scrapes();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> scrapes() >= scrapes + 4);
    toMillis = System.currentTimeMillis();
    template = GrafanaTemplate.forRange(fromMillis, toMillis, INTERVAL_SECONDS, SCRAPE_SECONDS, ALL);
  }

  private static final Map<String, String> ALL = Map.of("team", ".*", "project", ".*", "service", ".*", "model", ".*", "instance", ".*");

  /** The concrete selection of each dashboard's variables (the Budgets dashboard's come from its budgets). */
  private static Map<String, String> selection(Dashboard d) {
    return switch (d.name()) {
      case "budgets.json" -> Map.of("team", "research", "project", SELECTED_PROJECT);
      case "ingest-health.json" -> Map.of("instance", "127.0.0.1:" + server.queryPort);
      default -> Map.of("team", SELECTED_TEAM, "project", SELECTED_PROJECT, "service", SELECTED_SERVICE, "model", BILLED_MODEL);
    };
  }

  /** Template values for a panel as Grafana computes them: $__interval = max(computed, the panel's minimum interval). */
  private static GrafanaTemplate template(JsonNode panel, Map<String, String> variables) {
    return GrafanaTemplate.forRange(fromMillis, toMillis, intervalSeconds(panel), SCRAPE_SECONDS, variables);
  }

  private static long intervalSeconds(JsonNode panel) {
    String min = panel.path("interval").asText();
    return min.isBlank() ? INTERVAL_SECONDS : Math.max(INTERVAL_SECONDS, GrafanaTemplate.durationSeconds(min));
  }

  /**
   * LLM calls in {@link #traffic}: the scenario's 15, three project calls, one unknown model, one
   * cost mismatch, and the selection's retry (a billed failure, then the success).
   */
  private static final int LLM_CALLS = 15 + 3 + 1 + 1 + 2;

  private static List<SpanData> traffic(long start) {
    List<SpanData> spans = new ArrayList<>(WasteScenario.startingAt(start).spans());
    for (int i = 0; i < 3; i++) {
      String trace = LlmSpans.traceId();
      String root = LlmSpans.spanId();
      spans.add(LlmSpans.root(trace, root, "checkout-api", start + i * 2_000L));
      spans.add(LlmSpans.chat(trace, root, "checkout-api", "gpt-4o-mini", 1200, 150, 600, start + i * 2_000L));
    }
    String unknown = LlmSpans.traceId();
    String unknownRoot = LlmSpans.spanId();
    spans.add(LlmSpans.root(unknown, unknownRoot, "labs-bot", start));
    spans.add(LlmSpans.call(unknown, unknownRoot, "labs-bot", "openai", "gpt-9-preview", 500, 50, start,
        Attributes.builder().put("team", "labs").put("user.email", "labs@example.com").build()));
    String mismatch = LlmSpans.traceId();
    String mismatchRoot = LlmSpans.spanId();
    spans.add(LlmSpans.root(mismatch, mismatchRoot, "labs-bot", start + 1_000));
    spans.add(LlmSpans.call(mismatch, mismatchRoot, "labs-bot", "openai", "gpt-4o-mini", 1000, 100, start + 1_000,
        Attributes.builder().put("team", "labs").put("gen_ai.usage.cost", 1.0).build()));
    // The selection: asked for fx-frontier, billed as fx-frontier-2024-08-06 (team payments from the resource).
    String retry = LlmSpans.traceId();
    String retryRoot = LlmSpans.spanId();
    spans.add(LlmSpans.root(retry, retryRoot, SELECTED_SERVICE, start + 3_000));
    spans.add(LlmSpans.chatAttempt(retry, retryRoot, SELECTED_SERVICE, WasteScenario.PROVIDER, REQUEST_MODEL, 1000, 50, start + 3_100, "500",
        selectedCall()));
    spans.add(LlmSpans.chatAttempt(retry, retryRoot, SELECTED_SERVICE, WasteScenario.PROVIDER, REQUEST_MODEL, 1000, 400, start + 5_000, null,
        selectedCall()));
    return spans;
  }

  private static Attributes selectedCall() {
    return Attributes.builder().put("project", SELECTED_PROJECT).put("gen_ai.response.model", BILLED_MODEL).build();
  }

  /** LLM calls in {@link #moreTraffic}: three project calls, one unknown model and one selected call, on series that exist. */
  private static final int MORE_LLM_CALLS = 3 + 1 + 1;

  private static List<SpanData> moreTraffic(long start) {
    List<SpanData> spans = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String trace = LlmSpans.traceId();
      String root = LlmSpans.spanId();
      spans.add(LlmSpans.root(trace, root, "checkout-api", start + i * 2_000L));
      spans.add(LlmSpans.chat(trace, root, "checkout-api", "gpt-4o-mini", 900, 120, 0, start + i * 2_000L));
    }
    String unknown = LlmSpans.traceId();
    String unknownRoot = LlmSpans.spanId();
    spans.add(LlmSpans.root(unknown, unknownRoot, "labs-bot", start));
    spans.add(LlmSpans.call(unknown, unknownRoot, "labs-bot", "openai", "gpt-9-preview", 700, 80, start,
        Attributes.builder().put("team", "labs").build()));
    String selected = LlmSpans.traceId();
    String selectedRoot = LlmSpans.spanId();
    spans.add(LlmSpans.root(selected, selectedRoot, SELECTED_SERVICE, start + 1_000));
    spans.add(LlmSpans.chatAttempt(selected, selectedRoot, SELECTED_SERVICE, WasteScenario.PROVIDER, REQUEST_MODEL, 1000, 400, start + 1_100, null,
        selectedCall()));
    return spans;
  }

  /** Scrapes of TokenTrail so far. */
  private static double scrapes() throws Exception {
    return prometheus.query("count_over_time(up{job=\"tokentrail\"}[1h])").get(0).path("value").get(1).asDouble();
  }

  private static void awaitScraped(String promql, double value) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      JsonNode result = prometheus.query(promql);
      assertThat(result).as(promql).hasSize(1);
      assertThat(result.get(0).path("value").get(1).asDouble()).as(promql).isEqualTo(value);
    });
  }

  private static void export(List<SpanData> spans) {
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    try {
      assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).as("export").isTrue();
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  /** A span with an all-zero span id, which ingest rejects one by one (reason invalid_id). */
  private static void postInvalidSpan() throws Exception {
    String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
        + "\"spanId\":\"0000000000000000\",\"name\":\"broken\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\"}]}]}]}";
    HttpResponse<byte[]> response = server.post("/v1/traces", "application/json", body.getBytes(StandardCharsets.UTF_8));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("rejectedSpans");
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyPanelQueryReturnsDataOfTheShapeItsPanelReads() throws Exception {
    checkEveryQuery(d -> ALL, (d, q) -> true);
  }

  @Test
  void withConcreteVariableValuesEveryPanelShowsTheSelectionsData() throws Exception {
    // $model is the billed model, which the selection's spans carry as gen_ai.response.model while
    // gen_ai.request.model says fx-frontier: TraceQL and /api/v1/ must match it either way.
    checkEveryQuery(DashboardQueriesIT::selection, (d, q) -> !EMPTY_FOR_SELECTION.contains(d.name() + " " + q.panelTitle()));
  }

  /**
   * Runs every query of every dashboard with the variables {@code variables} gives it, and checks
   * each has data (or, where {@code hasData} says not, none) of its panel's shape.
   */
  private void checkEveryQuery(Function<Dashboard, Map<String, String>> variables,
      BiPredicate<Dashboard, Dashboard.Query> hasData) throws Exception {
    SoftAssertions softly = new SoftAssertions();
    int queries = 0;
    for (Dashboard d : Dashboard.all()) {
      Map<String, String> values = variables.apply(d);
      for (Dashboard.Query q : d.queries()) {
        String where = d.name() + " " + q.where() + (values == ALL ? "" : " with " + values);
        check(softly, where, q, template(q.panel(), values), hasData.test(d, q));
        queries++;
      }
    }
    assertThat(queries).as("queries run").isGreaterThan(60);
    softly.assertAll();
  }

  @Test
  void theSelectionsNumbersAreItsOwn() throws Exception {
    Dashboard waste = Dashboard.named("waste.json");
    JsonNode stat = waste.query("Wasted retries: USD").target();
    GrafanaTemplate selected = selected(waste);
    List<JsonNode> rows = rows(InfinityQuery.of(stat), selected);
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).path("usd").asDouble()).as("the selection's wasted retries").isCloseTo(SELECTED_RETRY_WASTED_USD, within(1e-12));
    // The costliest traces of the billed model are the selection's: two traces, on checkout-api.
    Dashboard spend = Dashboard.named("spend.json");
    JsonNode costliest = spend.query("Costliest traces").target();
    JsonNode traces = search(selected(spend)
        .interpolate(costliest.path("query").asText()), 20, 3);
    assertThat(traces).hasSize(2);
    traces.forEach(t -> assertThat(t.path("rootServiceName").asText()).isEqualTo(SELECTED_SERVICE));
    // Budgets: the research team's and the project's, not support's.
    Dashboard budgets = Dashboard.named("budgets.json");
    JsonNode table = budgets.query("Budget status").target();
    List<String> names = new ArrayList<>();
    rows(InfinityQuery.of(table), selected(budgets))
        .forEach(r -> names.add(r.path("scope").asText() + " " + r.path("name").asText()));
    assertThat(names).containsExactlyInAnyOrder("team research", "project checkout-assistant");
  }

  @Test
  void theStorePanelAsksForBucketsOfItsMinimumInterval() {
    Dashboard spend = Dashboard.named("spend.json");
    Dashboard.Query cost = spend.queries().stream().filter(q -> q.panel().path("id").asInt() == 10).findFirst().orElseThrow();
    assertThat(cost.panel().path("interval").asText()).isEqualTo("1m");
    String step = InfinityQuery.of(cost.target()).params().get("step");
    assertThat(template(cost.panel(), ALL).interpolate(step)).isEqualTo("1m");
    assertThat(GrafanaTemplate.secondsToHms(90)).isEqualTo("1m");
    assertThat(GrafanaTemplate.secondsToHms(86_400)).isEqualTo("1d");
    assertThat(GrafanaTemplate.secondsToHms(2)).isEqualTo("2s");
  }

  /** Grafana's variables of {@code d} at the dashboard's default interval, set to the selection. */
  private static GrafanaTemplate selected(Dashboard d) {
    return GrafanaTemplate.forRange(fromMillis, toMillis, INTERVAL_SECONDS, SCRAPE_SECONDS, selection(d));
  }

  private static void check(SoftAssertions softly, String where, Dashboard.Query q, GrafanaTemplate values, boolean hasData)
      throws Exception {
    switch (q.datasourceUid()) {
      case "tokentrail-prometheus" -> checkPromQl(softly, where, q.target(), values, intervalSeconds(q.panel()), hasData);
      case "tokentrail-infinity" -> checkInfinity(softly, where, q.target(), values, hasData);
      case "tokentrail-tempo" -> checkTraceQl(softly, where, q.target(), values, hasData);
      default -> softly.fail(where + ": unknown data source " + q.datasourceUid());
    }
  }

  @Test
  void everyVariableQueryListsTheValuesSeen() throws Exception {
    Map<String, Set<String>> values = new HashMap<>();
    for (Dashboard d : Dashboard.all()) {
      for (JsonNode v : d.variables()) {
        String query = v.path("query").path("query").asText();
        Matcher m = LABEL_VALUES.matcher(query);
        assertThat(m.matches()).as(d.name() + " variable query " + query).isTrue();
        Map<String, String> params = new LinkedHashMap<>();
        if (m.group(1) != null) {
          params.put("match[]", template.interpolate(m.group(1)));
        }
        params.put("start", Long.toString(fromMillis / 1000));
        params.put("end", Long.toString(toMillis / 1000 + 1));
        JsonNode data = prometheus.api("/api/v1/label/" + m.group(2) + "/values", params);
        Set<String> seen = new TreeSet<>();
        String regex = v.path("regex").asText();
        Pattern offered = regex.isEmpty() ? Pattern.compile("") : Pattern.compile(regex.substring(1, regex.length() - 1));
        data.forEach(value -> {
          // Grafana lists the values the variable's regex matches.
          if (offered.matcher(value.asText()).find()) {
            seen.add(value.asText());
          }
          values.computeIfAbsent(d.name() + " " + v.path("name").asText() + " (unfiltered)", k -> new TreeSet<>()).add(value.asText());
        });
        assertThat(seen).as(d.name() + " variable " + v.path("name").asText() + ": " + query).isNotEmpty();
        values.put(d.name() + " " + v.path("name").asText(), seen);
      }
    }
    assertThat(values.get("spend.json team")).contains("support", "research", "routing", "payments", "labs");
    assertThat(values.get("spend.json project")).contains("checkout-assistant");
    assertThat(values.get("waste.json service")).contains("support-bot", "research-agent", "ticket-router", "checkout-api", "labs-bot");
    assertThat(values.get("waste.json model")).contains("fx-frontier", "fx-small", "fx-agent", "gpt-4o-mini", "gpt-9-preview", BILLED_MODEL);
    // Calls without a project are labelled "unknown"; the variable does not offer it.
    assertThat(values.get("spend.json project (unfiltered)")).contains("unknown");
    assertThat(values.get("spend.json project")).doesNotContain("unknown", "other");
    // The cascade: with the selection's team, project and service, the billed model is offered.
    Dashboard waste = Dashboard.named("waste.json");
    GrafanaTemplate selected = selected(waste);
    JsonNode model = waste.variables().stream().filter(v -> v.path("name").asText().equals("model")).findFirst().orElseThrow();
    Matcher m = LABEL_VALUES.matcher(model.path("query").path("query").asText());
    assertThat(m.matches()).isTrue();
    JsonNode models = prometheus.api("/api/v1/label/model/values", Map.of("match[]", selected.interpolate(m.group(1)),
        "start", Long.toString(fromMillis / 1000), "end", Long.toString(toMillis / 1000 + 1)));
    List<String> offeredModels = new ArrayList<>();
    models.forEach(n -> offeredModels.add(n.asText()));
    assertThat(offeredModels).contains(BILLED_MODEL).doesNotContain(REQUEST_MODEL);
    assertThat(values.get("budgets.json team")).containsExactly("research", "support");
    assertThat(values.get("budgets.json project")).containsExactly("checkout-assistant");
    assertThat(values.get("ingest-health.json instance")).containsExactly("127.0.0.1:" + server.queryPort);
  }

  @Test
  void theWasteStatsShowTheScenariosHandComputedUsd() throws Exception {
    Map<String, Double> expected = Map.of(
        "Wasted retries: USD", WasteScenario.RETRY_WASTED_USD + SELECTED_RETRY_WASTED_USD,
        "Context growth: USD", WasteScenario.CONTEXT_RESENT_USD,
        "Cache opportunity: USD", WasteScenario.CACHE_OPPORTUNITY_USD,
        "Overkill models: USD", WasteScenario.OVERKILL_SAVINGS_USD);
    Dashboard waste = Dashboard.named("waste.json");
    int checked = 0;
    for (Dashboard.Query q : waste.queries()) {
      Double usd = expected.get(q.panelTitle());
      if (usd == null) {
        continue;
      }
      // The stat's one summary row (its filterExpression keeps the kind's) holds the USD column.
      InfinityQuery infinity = InfinityQuery.of(q.target());
      String column = infinity.columns().stream().filter(c -> c.type().equals("number")).findFirst().orElseThrow().selector();
      List<JsonNode> statRows = rows(infinity);
      assertThat(statRows).as(q.panelTitle()).hasSize(1);
      double stat = statRows.get(0).path(column).asDouble();
      assertThat(stat).as(q.panelTitle() + " (" + column + ")").isCloseTo(usd, within(1e-9));
      // The same as the sum over all the kind's findings, what the stat summed before.
      String kind = statRows.get(0).path("kind").asText();
      JsonNode findingsTable = waste.queries().stream().filter(f -> f.panelTitle().endsWith(": findings")
          && f.panelTitle().startsWith(q.panelTitle().replace(": USD", ""))).findFirst().orElseThrow().target();
      InfinityQuery findings = InfinityQuery.of(findingsTable);
      Map<String, String> all = new LinkedHashMap<>(findings.params());
      all.put("limit", "100000");
      double sum = 0;
      for (JsonNode row : rows(new InfinityQuery(findings.url(), all, findings.rootSelector(), findings.columns()))) {
        sum += row.path(FINDING_USD.get(kind)).asDouble();
      }
      assertThat(stat).as(q.panelTitle() + " = sum of the " + kind + " findings' " + FINDING_USD.get(kind)).isCloseTo(sum, within(1e-9));
      checked++;
    }
    assertThat(checked).isEqualTo(4);
  }

  /** Each waste kind's USD column in its findings. */
  private static final Map<String, String> FINDING_USD = Map.of(
      "retry", "wastedUsd", "context", "resentUsd", "cache", "cacheOpportunityUsd", "overkill", "savingsUsd");

  @Test
  void theSpendStatCountsTheCallsOnSeriesPrometheusAlreadyHad() throws Exception {
    Dashboard spend = Dashboard.named("spend.json");
    Dashboard.Query stat = spend.query("Spend");
    JsonNode result = prometheus.api("/api/v1/query", Map.of("query", template.interpolate(stat.target().path("expr").asText()),
        "time", seconds(toMillis))).path("result");
    // At least the second round's priced calls (three on gpt-4o-mini at $0.15 / $0.60 per 1M
    // tokens), which landed on series Prometheus already had; at most what all traffic cost (a
    // scrape in the middle of the first round may count part of it), plus increase()'s
    // extrapolation past the first and last samples.
    double secondRound = 3 * (900 * 0.15 + 120 * 0.60) / 1_000_000.0;
    double allTraffic = 0;
    for (JsonNode bucket : rows(new InfinityQuery("cost", Map.of("from", "${__from}", "to", "${__to}", "step", "1d"), "", List.of()))) {
      allTraffic += bucket.path("costUsd").asDouble();
    }
    assertThat(result.get(0).path("value").get(1).asDouble()).isBetween(secondRound - 1e-12, allTraffic * 1.5);
  }

  @Test
  void traceIdsOfWasteFindingsOpenInTheTempoTraceView() throws Exception {
    Dashboard waste = Dashboard.named("waste.json");
    int traces = 0;
    for (Dashboard.Query q : waste.queries()) {
      if (!q.panelTitle().endsWith(": findings")) {
        continue;
      }
      List<JsonNode> rows = rows(InfinityQuery.of(q.target()));
      assertThat(rows).as(q.panelTitle()).isNotEmpty();
      for (JsonNode row : rows) {
        // What Explore's trace view fetches for the link's ${__value.raw}.
        String traceId = row.path("traceId").asText();
        HttpResponse<String> trace = server.get("/api/v2/traces/" + traceId);
        assertThat(trace.statusCode()).as(q.panelTitle() + " trace " + traceId).isEqualTo(200);
        assertThat(trace.body()).as(q.panelTitle() + " trace " + traceId).contains("tokentrail.cost.usd");
        traces++;
      }
    }
    assertThat(traces).isGreaterThanOrEqualTo(4);
  }

  @Test
  void promtoolAcceptsTheShippedConfigAndRulesAndTheRuleUnitTestsPass() throws Exception {
    Path rules = ModuleFiles.dir("prometheus/rules");
    assertThat(PrometheusProcess.run(ModuleFiles.dir("prometheus"), "promtool", "check", "config", "prometheus.yml"))
        .contains("SUCCESS");
    assertThat(PrometheusProcess.run(rules, "promtool", "check", "rules", "tokentrail-alerts.yml")).contains("SUCCESS: 7 rules found");
    assertThat(PrometheusProcess.run(rules, "promtool", "test", "rules", "tokentrail-alerts.test.yml")).contains("SUCCESS");
  }

  @Test
  void prometheusEvaluatesTheAlertRulesOnTheServersMetrics() throws Exception {
    JsonNode groups = prometheus.api("/api/v1/rules", Map.of()).path("groups");
    List<String> names = new ArrayList<>();
    groups.forEach(g -> g.path("rules").forEach(r -> names.add(r.path("name").asText())));
    assertThat(names).containsExactlyInAnyOrder("TokenTrailBudgetForecastOverrun", "TokenTrailBudgetExceeded",
        "TokenTrailWasteSpike", "TokenTrailIngestRejects", "TokenTrailIngestBackpressure", "TokenTrailUnknownModel",
        "TokenTrailMetricsSeriesCap");
    // The unknown model fires at once; research's overrun waits out its 'for' as pending.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      Map<String, String> states = new HashMap<>();
      for (JsonNode alert : prometheus.api("/api/v1/alerts", Map.of()).path("alerts")) {
        JsonNode labels = alert.path("labels");
        states.put(labels.path("alertname").asText() + " " + labels.path("model").asText(labels.path("name").asText()),
            alert.path("state").asText());
      }
      assertThat(states).containsEntry("TokenTrailUnknownModel gpt-9-preview", "firing")
          .containsEntry("TokenTrailBudgetForecastOverrun research", "pending")
          .containsEntry("TokenTrailBudgetExceeded research", "pending")
          .containsEntry("TokenTrailIngestRejects ", "pending")
          .doesNotContainKey("TokenTrailBudgetForecastOverrun support")
          .as("the scenario stays within metrics.max_series").doesNotContainKey("TokenTrailMetricsSeriesCap ");
    });
  }

  private static void checkPromQl(SoftAssertions softly, String where, JsonNode target, GrafanaTemplate values, long stepSeconds,
      boolean hasData) throws Exception {
    String expr = values.interpolate(target.path("expr").asText());
    JsonNode result;
    if (target.path("instant").asBoolean()) {
      result = prometheus.api("/api/v1/query", Map.of("query", expr, "time", seconds(toMillis))).path("result");
    } else {
      result = prometheus.api("/api/v1/query_range", Map.of("query", expr, "start", seconds(fromMillis), "end",
          seconds(toMillis), "step", stepSeconds + "s")).path("result");
    }
    if (!hasData) {
      softly.assertThat(result).as(where + ": no series of " + expr).isEmpty();
      return;
    }
    softly.assertThat(result).as(where + ": series of " + expr).isNotEmpty();
    boolean finite = false;
    for (JsonNode series : result) {
      JsonNode samples = series.has("values") ? series.path("values") : JSON.createArrayNode().add(series.path("value"));
      for (JsonNode sample : samples) {
        finite |= Double.isFinite(sample.get(1).asDouble(Double.NaN)) && !sample.get(1).asText().equals("NaN");
      }
    }
    softly.assertThat(finite).as(where + ": a number in " + expr + " -> " + result).isTrue();
  }

  private static void checkInfinity(SoftAssertions softly, String where, JsonNode target, GrafanaTemplate values, boolean hasData)
      throws Exception {
    InfinityQuery query = InfinityQuery.of(target);
    List<JsonNode> rows = rows(query, values);
    if (!hasData) {
      softly.assertThat(rows).as(where + ": rows of " + query.url() + " (none expected)").isEmpty();
      return;
    }
    softly.assertThat(rows).as(where + ": rows of " + query.url()).isNotEmpty();
    for (InfinityQuery.Column column : query.columns()) {
      boolean valued = false;
      for (JsonNode row : rows) {
        JsonNode value = row.get(column.selector());
        softly.assertThat(value).as(where + ": column " + column.selector() + " in " + row).isNotNull();
        if (value == null || value.isNull()) {
          continue;
        }
        valued = true;
        switch (column.type()) {
          case "number", "timestamp_epoch" -> softly.assertThat(value.isNumber()).as(where + ": " + column.selector() + " number in " + row).isTrue();
          case "string" -> softly.assertThat(value.isValueNode()).as(where + ": " + column.selector() + " value in " + row).isTrue();
          default -> softly.fail(where + ": column type " + column.type());
        }
      }
      softly.assertThat(valued).as(where + ": some row has a value for " + column.selector()).isTrue();
    }
  }

  private static void checkTraceQl(SoftAssertions softly, String where, JsonNode target, GrafanaTemplate values, boolean hasData)
      throws Exception {
    String q = values.interpolate(target.path("query").asText());
    if (DashboardsTest.TRACEQL_METRICS.matcher(q).find()) {
      JsonNode series = queryRange(q, target.path("step").asText(""), target.path("exemplars").asInt(0));
      if (!hasData) {
        softly.assertThat(series).as(where + ": series of " + q + " (none expected)").isEmpty();
        return;
      }
      softly.assertThat(series).as(where + ": series of " + q).isNotEmpty();
      series.forEach(s -> softly.assertThat(s.path("samples")).as(where + " samples").isNotEmpty());
      return;
    }
    JsonNode traces = search(q, target.path("limit").asInt(20), target.path("spss").asInt(3));
    if (!hasData) {
      softly.assertThat(traces).as(where + ": traces of " + q + " (none expected)").isEmpty();
      return;
    }
    softly.assertThat(traces).as(where + ": traces of " + q).isNotEmpty();
    traces.forEach(t -> softly.assertThat(t.path("traceID").asText()).as(where + " traceID").isNotBlank());
  }

  /** The series of a TraceQL metrics query over the test's range, as Grafana's Tempo data source asks for them. */
  private static JsonNode queryRange(String traceQl, String step, int exemplars) throws Exception {
    String path = "/api/metrics/query_range?q=" + URLEncoder.encode(traceQl, StandardCharsets.UTF_8)
        + "&start=" + seconds(fromMillis) + "&end=" + (toMillis / 1000 + 1)
        + (step.isEmpty() ? "" : "&step=" + URLEncoder.encode(step, StandardCharsets.UTF_8))
        + (exemplars > 0 ? "&exemplars=" + exemplars : "");
    HttpResponse<String> response = server.get(path);
    assertThat(response.statusCode()).as(traceQl + " -> " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("series");
  }

  /** Sum of every sample of every series. */
  private static double total(JsonNode series) {
    double sum = 0;
    for (JsonNode s : series) {
      for (JsonNode sample : s.path("samples")) {
        sum += sample.path("value").asDouble();
      }
    }
    return sum;
  }

  @Test
  void theTraceQlMetricsPanelsSumToTheStoresCost() throws Exception {
    // All traffic's cost as the cost endpoint sums it from the same spans, over the same window.
    double allTraffic = 0;
    for (JsonNode bucket : rows(new InfinityQuery("cost", Map.of("from", "${__from}", "to", "${__to}", "step", "1d"), "", List.of()))) {
      allTraffic += bucket.path("costUsd").asDouble();
    }
    assertThat(allTraffic).as("the scenario's known costs").isGreaterThan(WasteScenario.RETRY_TRACE_COST_USD);
    Dashboard spend = Dashboard.named("spend.json");
    for (String title : List.of("Spend by model from spans (USD per step)", "Spend by team from spans (USD per step)",
        "Spend by any attribute from spans (here: service and provider)")) {
      String q = template.interpolate(spend.query(title).target().path("query").asText());
      JsonNode series = queryRange(q, "", 0);
      assertThat(series).as(title).isNotEmpty();
      assertThat(total(series)).as(title + ": " + q).isCloseTo(allTraffic, within(1e-9));
    }
    // The selected team's spend: its own calls only (the retry's billed failure, the success, ...).
    String byTeam = template.interpolate(spend.query("Spend by team from spans (USD per step)").target().path("query").asText());
    JsonNode series = queryRange(byTeam, "", 0);
    double team = 0;
    for (JsonNode s : series) {
      if (s.path("labels").path(0).path("value").path("stringValue").asText().equals(SELECTED_TEAM)) {
        team = total(JSON.createArrayNode().add(s));
      }
    }
    assertThat(team).as("the selected team's spend").isGreaterThanOrEqualTo(SELECTED_RETRY_WASTED_USD).isLessThan(allTraffic);
    // Exemplars: the model panel asks for them, and each names a trace the trace view opens.
    JsonNode withExemplars = queryRange(template.interpolate(spend.query("Spend by model from spans (USD per step)").target().path("query").asText()), "", 10);
    String traceId = null;
    for (JsonNode s : withExemplars) {
      for (JsonNode e : s.path("exemplars")) {
        traceId = e.path("labels").path(0).path("value").path("stringValue").asText();
      }
    }
    assertThat(traceId).as("an exemplar's trace:id").isNotBlank();
    assertThat(server.get("/api/traces/" + traceId).statusCode()).isEqualTo(200);
  }

  /** The traces of a TraceQL search over the test's range, as Grafana's Tempo data source asks for them. */
  private static JsonNode search(String traceQl, int limit, int spss) throws Exception {
    String path = "/api/search?q=" + URLEncoder.encode(traceQl, StandardCharsets.UTF_8)
        + "&start=" + seconds(fromMillis) + "&end=" + (toMillis / 1000 + 1) + "&limit=" + limit + "&spss=" + spss;
    HttpResponse<String> response = server.get(path);
    assertThat(response.statusCode()).as(traceQl + " -> " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("traces");
  }

  /** An Infinity query's rows with the variables at their all-value. */
  private static List<JsonNode> rows(InfinityQuery query) throws Exception {
    return rows(query, template);
  }

  /**
   * An Infinity query's rows, fetched as the data source does: its base URL + the query's URL and
   * parameters, then the rows its filterExpression keeps (on the columns' texts).
   */
  private static List<JsonNode> rows(InfinityQuery query, GrafanaTemplate values) throws Exception {
    List<String> params = new ArrayList<>();
    query.params().forEach((k, v) -> params.add(k + "=" + URLEncoder.encode(values.interpolate(v), StandardCharsets.UTF_8)));
    String url = infinityBaseUrl() + query.url() + (params.isEmpty() ? "" : "?" + String.join("&", params));
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url + " -> " + response.body()).isEqualTo(200);
    JsonNode node = JSON.readTree(response.body());
    if (!query.rootSelector().isEmpty()) {
      for (String step : query.rootSelector().split("\\.")) {
        node = node.path(step);
      }
    }
    assertThat(node.isArray()).as(url + " rows at '" + query.rootSelector() + "': " + response.body()).isTrue();
    Map<String, String> filter = new LinkedHashMap<>();
    InfinityQuery.equalityFilter(values.interpolate(query.filterExpression())).forEach((text, value) -> filter.put(
        query.columns().stream().filter(c -> c.text().equals(text)).findFirst().orElseThrow().selector(), value));
    List<JsonNode> rows = new ArrayList<>();
    node.forEach(row -> {
      if (filter.entrySet().stream().allMatch(e -> row.path(e.getKey()).asText().equals(e.getValue()))) {
        rows.add(row);
      }
    });
    return rows;
  }

  /** The provisioned Infinity URL with Grafana's environment expansion of ${TOKENTRAIL_URL}. */
  /** The provisioned Infinity URL, read once: {@code ${TOKENTRAIL_URL}} is filled per server. */
  private static final String INFINITY_URL = ModuleFiles.datasources().get("tokentrail-infinity").path("url").asText();

  private static String infinityBaseUrl() {
    return INFINITY_URL.replace("${TOKENTRAIL_URL}", "http://127.0.0.1:" + server.queryPort);
  }

  private static String seconds(long millis) {
    return Long.toString(millis / 1000);
  }
}
