package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Waste analytics with known answers, through the real server: {@link WasteScenario}, whose every
 * number can be computed by hand, is exported with the OTel SDK, then the API and the metrics must
 * give exactly those numbers (docs/waste.md).
 */
class WasteScenarioIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double M = 1_000_000.0;
  @TempDir static Path dataDir;
  static ServerProcess server;
  static String retryTrace;
  static long now;

  static final double RETRY_WASTED = WasteScenario.RETRY_WASTED_USD;
  static final double RETRY_TRACE_COST = WasteScenario.RETRY_TRACE_COST_USD;
  static final double CONTEXT_RESENT = WasteScenario.CONTEXT_RESENT_USD;
  static final double CACHE_OPPORTUNITY = WasteScenario.CACHE_OPPORTUNITY_USD;
  static final double OVERKILL_SAVINGS = WasteScenario.OVERKILL_SAVINGS_USD;

  @BeforeAll
  static void feed() throws Exception {
    Map<String, String> env = new HashMap<>(WasteScenario.catalogEnv(dataDir));
    env.putAll(Map.of(
        "TOKENTRAIL_WASTE_INTERVAL", "1s",
        "TOKENTRAIL_BUDGETS_TEAM", "support=100",
        "TOKENTRAIL_OUTCOMES_BENCHMARK_USD", "ticket_resolved=4"));
    server = ServerProcess.start(dataDir, env);
    now = System.currentTimeMillis() - 600_000;
    WasteScenario scenario = WasteScenario.startingAt(now);
    retryTrace = scenario.retryTraceId();
    List<SpanData> spans = scenario.spans();
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    exporter.shutdown().join(10, TimeUnit.SECONDS);
    // The summary lists every kind from the start; wait until the scenario's spans are searchable.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonNode retry = null;
      for (JsonNode row : get("/api/v1/waste/summary")) {
        if (row.get("kind").asText().equals("retry")) {
          retry = row;
        }
      }
      assertThat(retry).as("the retry row of the summary").isNotNull();
      assertThat(retry.get("findings").asInt()).isPositive();
    });
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static JsonNode get(String path) throws Exception {
    var response = server.get(path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  @Test
  void wastedRetriesAreTheFailedAttemptsBeforeTheSuccess() throws Exception {
    JsonNode findings = get("/api/v1/waste/retries");
    assertThat(findings).hasSize(1);
    JsonNode g = findings.get(0);
    assertThat(g.get("traceId").asText()).isEqualTo(retryTrace);
    assertThat(g.get("attempts").asInt()).isEqualTo(3);
    assertThat(g.get("wastedAttempts").asInt()).isEqualTo(2);
    assertThat(g.get("unbilledRetries").asInt()).isEqualTo(1);
    assertThat(g.get("unbilledMs").asLong()).isEqualTo(900);
    assertThat(g.get("wastedTokens").asLong()).isEqualTo(1050);
    assertThat(g.get("wastedUsd").asDouble()).isCloseTo(RETRY_WASTED, within(1e-12));
    assertThat(g.get("errorType").asText()).isEqualTo("429");
    assertThat(g.get("reason").asText()).contains("3 attempts", "after 429", "2 wasted");

    JsonNode rollup = get("/api/v1/waste/retries?view=rollup&service=support-bot");
    assertThat(rollup).hasSize(2);
    JsonNode byModel = row(rollup, "model", "fx-frontier");
    assertThat(byModel.get("firstTrySuccessRate").asDouble()).isZero();
    assertThat(byModel.get("effectiveCostPerSuccessUsd").asDouble()).isCloseTo(RETRY_TRACE_COST, within(1e-12));
    assertThat(row(rollup, "errorType", "429").get("wastedUsd").asDouble()).isCloseTo(RETRY_WASTED, within(1e-12));
  }

  @Test
  void aGrowingConversationAcrossTracesIsFlaggedWithItsResentCostAndCacheOpportunity() throws Exception {
    JsonNode context = get("/api/v1/waste/context");
    assertThat(context).hasSize(1);
    JsonNode c = context.get(0);
    assertThat(c.get("conversation").asText()).isEqualTo("conv-agent");
    assertThat(c.get("turns").asInt()).isEqualTo(4);
    assertThat(c.get("growthFactor").asDouble()).isCloseTo(7.0, within(1e-12));
    assertThat(c.get("resentTokens").asLong()).isEqualTo(9500);
    assertThat(c.get("inputTokens").asLong()).isEqualTo(15000);
    assertThat(c.get("resentUsd").asDouble()).isCloseTo(CONTEXT_RESENT, within(1e-12));
    assertThat(c.get("cacheOpportunityUsd").asDouble()).isCloseTo(CACHE_OPPORTUNITY, within(1e-12));
    assertThat(c.get("traceIds").asText().split(",")).hasSize(2);

    JsonNode cache = get("/api/v1/waste/cache");
    assertThat(cache).hasSize(1);
    assertThat(cache.get(0).get("cacheOpportunityUsd").asDouble()).isCloseTo(CACHE_OPPORTUNITY, within(1e-12));
  }

  @Test
  void aClassifierOnAFrontierModelIsOverkillWithTheObservedCheaperModelRecommended() throws Exception {
    JsonNode overkill = get("/api/v1/waste/overkill");
    assertThat(overkill).hasSize(1);
    JsonNode f = overkill.get(0);
    assertThat(f.get("task").asText()).isEqualTo("classify-ticket");
    assertThat(f.get("model").asText()).isEqualTo("fx-frontier");
    assertThat(f.get("calls").asInt()).isEqualTo(4);
    assertThat(f.get("simpleTask").asBoolean()).isTrue();
    assertThat(f.get("recommendedModel").asText()).isEqualTo("fx-small");
    assertThat(f.get("recommendationSource").asText()).isEqualTo("observed");
    assertThat(f.get("savingsUsd").asDouble()).isCloseTo(OVERKILL_SAVINGS, within(1e-12));
    assertThat(f.get("reason").asText()).contains("simple", "fx-small");
  }

  @Test
  void costPerOutcomeComparesToTheBenchmark() throws Exception {
    JsonNode outcomes = get("/api/v1/outcomes");
    JsonNode resolved = row(outcomes, "outcome", "ticket_resolved");
    assertThat(resolved.get("traces").asInt()).isEqualTo(1);
    assertThat(resolved.get("costPerOutcomeUsd").asDouble()).isCloseTo(RETRY_TRACE_COST, within(1e-12));
    assertThat(resolved.get("ratioToBenchmark").asDouble()).isCloseTo(RETRY_TRACE_COST / 4, within(1e-12));
    JsonNode routed = row(outcomes, "outcome", "ticket_routed");
    assertThat(routed.get("traces").asInt()).isEqualTo(2);
    assertThat(routed.get("costPerOutcomeUsd").asDouble()).isCloseTo((800 * 2.50 + 5 * 10.0) / M, within(1e-12));
    assertThat(row(outcomes, "outcome", "(none)").get("traces").asInt()).isEqualTo(8);
  }

  @Test
  void budgetsReportSpendForecastAndTheWindowUsed() throws Exception {
    JsonNode budgets = get("/api/v1/budgets");
    assertThat(budgets).hasSize(1);
    JsonNode b = budgets.get(0);
    assertThat(b.get("name").asText()).isEqualTo("support");
    assertThat(b.get("budgetUsd").asDouble()).isEqualTo(100.0);
    assertThat(b.get("burnRateUsdPerDay").asDouble()).isCloseTo(RETRY_TRACE_COST / 7, within(1e-12));
    assertThat(b.get("forecastUsd").asDouble()).isGreaterThanOrEqualTo(b.get("spendUsd").asDouble());
    assertThat(b.get("overrunTime").isNull()).isTrue();
    assertThat(b.get("explanation").asText()).contains("last 7 days");
  }

  @Test
  void budgetsFollowTheTeamFilterAndGrafanasAllValue() throws Exception {
    for (String query : new String[] {"", "?team=.*", "?team=support"}) {
      JsonNode budgets = get("/api/v1/budgets" + query);
      assertThat(budgets).as(query).hasSize(1);
      assertThat(budgets.get(0).get("name").asText()).as(query).isEqualTo("support");
    }
    assertThat(get("/api/v1/budgets?team=nobody")).isEmpty();
  }

  @Test
  void costStepsTakeWeeksAndRejectWhatIsNotADuration() throws Exception {
    assertThat(get("/api/v1/cost?group_by=team&step=1w")).isNotEmpty();
    for (String step : new String[] {"500ms", "5x", "99999999999y"}) {
      assertThat(server.get("/api/v1/cost?group_by=team&step=" + step).statusCode()).as(step).isEqualTo(400);
    }
  }

  @Test
  void costSeriesGroupsByTeam() throws Exception {
    JsonNode rows = get("/api/v1/cost?group_by=team&step=1d");
    double support = 0;
    double total = 0;
    for (JsonNode row : rows) {
      total += row.get("costUsd").asDouble();
      if (row.get("group").asText().equals("support")) {
        support += row.get("costUsd").asDouble();
      }
      assertThat(row.get("time").isNumber()).isTrue();
      assertThat(row.get("time").asLong() % 86_400_000L).as("buckets start at multiples of the step since the epoch").isZero();
    }
    // Money is written with at most 12 significant digits (no 0.07205999999999999).
    assertThat(server.get("/api/v1/cost?group_by=team&step=1d").body()).doesNotContainPattern("\\.0*[1-9][0-9]{12,}");
    assertThat(support).isCloseTo(RETRY_TRACE_COST, within(1e-12));
    assertThat(total).isPositive();
    assertThat(server.get("/api/v1/cost?group_by=colour").statusCode()).isEqualTo(400);
  }

  @Test
  void wasteMetricsAgreeWithTheApiWithinSixtySeconds() throws Exception {
    Map<String, Double> expected = Map.of("retry", RETRY_WASTED, "context", CONTEXT_RESENT, "cache", CACHE_OPPORTUNITY,
        "overkill", OVERKILL_SAVINGS, "duplicate", 0.0, "prefix_cache", 0.0);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      String metrics = server.get("/metrics").body();
      for (Map.Entry<String, Double> e : expected.entrySet()) {
        assertThat(metricValue(metrics, "tokentrail_waste_usd_total{kind=\"" + e.getKey() + "\",tenant=\"single-tenant\"}"))
            .as(e.getKey()).isCloseTo(e.getValue(), within(1e-9));
      }
    });
    JsonNode summary = get("/api/v1/waste/summary");
    for (JsonNode row : summary) {
      assertThat(row.get("usd").asDouble()).as(row.get("kind").asText())
          .isCloseTo(expected.get(row.get("kind").asText()), within(1e-12));
    }
    String metrics = server.get("/metrics").body();
    assertThat(metricValue(metrics, "tokentrail_budget_limit_usd{name=\"support\",scope=\"team\",tenant=\"single-tenant\"}")).isEqualTo(100.0);
    assertThat(metricValue(metrics, "tokentrail_budget_spend_usd{name=\"support\",scope=\"team\",tenant=\"single-tenant\"}")).isCloseTo(RETRY_TRACE_COST, within(1e-9));
  }

  static JsonNode row(JsonNode rows, String key, String value) {
    for (JsonNode row : rows) {
      if (row.get(key).asText().equals(value)) {
        return row;
      }
    }
    throw new AssertionError("no row with " + key + "=" + value + " in " + rows);
  }

  static double metricValue(String exposition, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
    if (!m.find()) {
      throw new AssertionError("no series " + series);
    }
    return Double.parseDouble(m.group(1));
  }
}
