package dev.tokentrail.query;

import dev.tokentrail.store.Tenants;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.analysis.BudgetAnalysis;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.analysis.ContextGrowthAnalysis;
import dev.tokentrail.analysis.CostSeries;
import dev.tokentrail.analysis.OutcomeAnalysis;
import dev.tokentrail.analysis.OverkillAnalysis;
import dev.tokentrail.analysis.RetryAnalysis;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.store.CallFilter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost and waste as JSON under {@code /api/v1/}, shaped for Grafana's Infinity data source: flat
 * rows, epoch-millisecond times, ranked by USD. Every endpoint takes {@code from}, {@code to}
 * (epoch ms or ISO-8601; default the last 24 hours), the filters {@code service}, {@code team},
 * {@code project}, {@code model}, {@code feature}, and {@code limit}.
 */
final class AnalyticsApi {
  private static final long DAY_MILLIS = 86_400_000L;
  private final WasteEngine engine;

  AnalyticsApi(WasteEngine engine) {
    this.engine = requireNonNull(engine, "engine");
  }

  void install(ServerBuilder server) {
    server.service("/api/v1/cost", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(cost(ctx))));
    server.service("/api/v1/waste/summary", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(summary(ctx))));
    server.service("/api/v1/waste/retries", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(retries(ctx))));
    server.service("/api/v1/waste/context", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(context(ctx, false))));
    server.service("/api/v1/waste/cache", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(context(ctx, true))));
    server.service("/api/v1/waste/overkill", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(overkill(ctx))));
    server.service("/api/v1/outcomes", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(outcomes(ctx))));
    server.service("/api/v1/budgets", (ctx, req) -> TempoApi.blocking(ctx, () -> JsonResponses.rounded(budgets(param(ctx, "team"), param(ctx, "project")))));
  }

  private CallFilter filter(ServiceRequestContext ctx) {
    long now = engine.clock().millis();
    long to = TopTracesService.millisParam(ctx, "to", now);
    long from = TopTracesService.millisParam(ctx, "from", Math.max(0, to - DAY_MILLIS));
    if (from > to) {
      throw new IllegalArgumentException("from: after to (expected: from <= to)");
    }
    long[] window = TopTracesService.nanosWindow(from, to);
    return new CallFilter(window[0], window[1],
        param(ctx, "service"), param(ctx, "team"), param(ctx, "project"), param(ctx, "model"), param(ctx, "feature"));
  }

  private static String param(ServiceRequestContext ctx, String name) {
    return filterValue(ctx.queryParam(name));
  }

  /**
   * A filter parameter's value, or null for "no filter": absent, blank, or one of Grafana's
   * all-values ({@code $__all}, {@code All}, and {@code .*}, the all-value TokenTrail's dashboards
   * use so that one variable serves both PromQL regex matchers and these endpoints).
   */
  static String filterValue(String value) {
    return value == null || value.isBlank() || value.equals("$__all") || value.equals("All") || value.equals(".*")
        ? null : value;
  }

  private static int limit(ServiceRequestContext ctx) {
    return TempoApi.intParam(ctx, "limit", 100, 1, 100_000);
  }

  private List<Map<String, Object>> cost(ServiceRequestContext ctx) {
    CallFilter filter = filter(ctx);
    String step = ctx.queryParam("step");
    long stepMillis = step == null || step.isBlank() ? 3_600_000L : parseStep(step);
    String groupBy = ctx.queryParam("group_by");
    Text column = groupBy == null || groupBy.isBlank() ? null : switch (groupBy) {
      case "team" -> Text.TEAM;
      case "project" -> Text.PROJECT;
      case "cost_center" -> Text.COST_CENTER;
      case "feature" -> Text.FEATURE;
      case "service" -> Text.SERVICE;
      case "model" -> Text.MODEL;
      case "provider" -> Text.PROVIDER;
      case "operation" -> Text.OPERATION;
      default -> throw new IllegalArgumentException("group_by: " + groupBy
          + " (expected: team, project, cost_center, feature, service, model, provider or operation)");
    };
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CostSeries.Point p : engine.cost(Tenants.DEFAULT, filter, stepMillis, column)) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("time", p.timeMillis());
      row.put("group", p.group());
      row.put("costUsd", p.costUsd());
      row.put("calls", p.calls());
      row.put("inputTokens", p.inputTokens());
      row.put("outputTokens", p.outputTokens());
      rows.add(row);
    }
    return rows;
  }

  private static long parseStep(String step) {
    try {
      StepDuration d = StepDuration.parse(step);
      if (d.millis() < 1000) {
        throw new IllegalArgumentException();
      }
      return d.millis();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("step: " + step + " (expected: a duration of at least 1s, e.g. 5m, 1h, 1d)");
    }
  }

  private List<Map<String, Object>> summary(ServiceRequestContext ctx) {
    WasteEngine.Report report = engine.analyze(Tenants.DEFAULT, filter(ctx));
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(summaryRow("retry", report.retries().wastedUsd(), report.retries().findings().size()));
    rows.add(summaryRow("context", report.context().resentUsdOfFlagged(), report.context().growthFindings().size()));
    rows.add(summaryRow("cache", report.context().cacheOpportunityUsd(), report.context().cacheFindings().size()));
    rows.add(summaryRow("overkill", report.overkill().savingsUsd(), report.overkill().findings().size()));
    rows.sort((a, b) -> Double.compare((double) b.get("usd"), (double) a.get("usd")));
    return rows;
  }

  private static Map<String, Object> summaryRow(String kind, double usd, int findings) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("kind", kind);
    row.put("usd", usd);
    row.put("findings", findings);
    return row;
  }

  private List<Map<String, Object>> retries(ServiceRequestContext ctx) {
    WasteEngine.Report report = engine.analyze(Tenants.DEFAULT, filter(ctx));
    String view = ctx.queryParam("view") == null ? "findings" : ctx.queryParam("view");
    List<Map<String, Object>> rows = new ArrayList<>();
    switch (view) {
      case "findings" -> {
        for (RetryAnalysis.RetryGroup g : report.retries().findings()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("traceId", g.traceId());
          row.put("service", g.service());
          row.put("model", g.model());
          row.put("errorType", g.errorType());
          row.put("attempts", g.attempts());
          row.put("wastedAttempts", g.wastedAttempts());
          row.put("wastedTokens", g.wastedTokens());
          row.put("wastedUsd", g.wastedUsd());
          row.put("unbilledRetries", g.unbilledRetries());
          row.put("unbilledMs", g.unbilledNanos() / 1_000_000L);
          row.put("succeeded", g.succeeded());
          row.put("reason", g.reason());
          rows.add(row);
        }
      }
      case "rollup" -> {
        for (RetryAnalysis.Rollup r : report.retries().rollups()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("service", r.service());
          row.put("model", r.model());
          row.put("errorType", r.errorType());
          row.put("groups", r.groups());
          row.put("attempts", r.attempts());
          row.put("wastedAttempts", r.wastedAttempts());
          row.put("wastedTokens", r.wastedTokens());
          row.put("wastedUsd", r.wastedUsd());
          row.put("unbilledRetries", r.unbilledRetries());
          row.put("firstTrySuccessRate", r.firstTrySuccessRate());
          row.put("effectiveCostPerSuccessUsd", Double.isNaN(r.effectiveCostPerSuccess()) ? null : r.effectiveCostPerSuccess());
          rows.add(row);
        }
      }
      default -> throw new IllegalArgumentException("view: " + view + " (expected: findings or rollup)");
    }
    return cut(rows, limit(ctx));
  }

  private List<Map<String, Object>> context(ServiceRequestContext ctx, boolean cache) {
    WasteEngine.Report report = engine.analyze(Tenants.DEFAULT, filter(ctx));
    List<ContextGrowthAnalysis.Conversation> findings =
        cache ? report.context().cacheFindings() : report.context().growthFindings();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (ContextGrowthAnalysis.Conversation c : findings) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("conversation", c.conversation());
      row.put("conversationSource", c.fromConversationId() ? "gen_ai.conversation.id" : "trace");
      row.put("service", c.service());
      row.put("turns", c.turns());
      row.put("firstInputTokens", c.firstInput());
      row.put("lastInputTokens", c.lastInput());
      row.put("growthFactor", Double.isInfinite(c.growthFactor()) ? null : c.growthFactor());
      row.put("resentTokens", c.resentTokens());
      row.put("inputTokens", c.inputTokens());
      row.put("resentShare", c.resentShare());
      row.put("resentUsd", c.resentUsd());
      row.put("cacheReadTokens", c.cacheReadTokens());
      row.put("cacheOpportunityUsd", c.cacheOpportunityUsd());
      row.put("flagged", c.flagged());
      row.put("traceIds", String.join(",", c.exampleTraceIds()));
      row.put("traceId", c.exampleTraceIds().isEmpty() ? null : c.exampleTraceIds().get(0));
      row.put("reason", c.reason());
      rows.add(row);
    }
    return cut(rows, limit(ctx));
  }

  private List<Map<String, Object>> overkill(ServiceRequestContext ctx) {
    WasteEngine.Report report = engine.analyze(Tenants.DEFAULT, filter(ctx));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (OverkillAnalysis.Finding f : report.overkill().findings()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("service", f.service());
      row.put("task", f.task());
      row.put("operation", f.operation());
      row.put("model", f.model());
      row.put("provider", f.provider());
      row.put("calls", f.calls());
      row.put("successRate", f.successRate());
      row.put("medianInputTokens", f.medianInput());
      row.put("medianOutputTokens", f.medianOutput());
      row.put("simpleTask", f.simple());
      row.put("usesTools", f.usesTools());
      row.put("recommendedModel", f.recommendedModel());
      row.put("recommendationSource", f.recommendationSource());
      row.put("costUsd", f.costUsd());
      row.put("recommendedCostUsd", f.recommendedCostUsd());
      row.put("savingsUsd", f.savingsUsd());
      row.put("traceIds", String.join(",", f.exampleTraceIds()));
      row.put("traceId", f.exampleTraceIds().isEmpty() ? null : f.exampleTraceIds().get(0));
      row.put("reason", f.reason());
      rows.add(row);
    }
    return cut(rows, limit(ctx));
  }

  private List<Map<String, Object>> outcomes(ServiceRequestContext ctx) {
    WasteEngine.Report report = engine.analyze(Tenants.DEFAULT, filter(ctx));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (OutcomeAnalysis.Row o : report.outcomes()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("outcome", o.outcome());
      row.put("traces", o.traces());
      row.put("costUsd", o.costUsd());
      row.put("costPerOutcomeUsd", o.costPerOutcomeUsd());
      row.put("valueUsd", o.valueUsd());
      row.put("benchmarkUsd", Double.isNaN(o.benchmarkUsd()) ? null : o.benchmarkUsd());
      row.put("ratioToBenchmark", Double.isNaN(o.ratioToBenchmark()) ? null : o.ratioToBenchmark());
      rows.add(row);
    }
    return cut(rows, limit(ctx));
  }

  /**
   * Every budget, or with {@code team} / {@code project} (non-null) only that team's budget among
   * the team budgets and that project's among the project budgets, as the dashboards' PromQL
   * budget panels select them ({@code name=~"$team"} on team scope, {@code "$project"} on project).
   */
  private List<Map<String, Object>> budgets(String team, String project) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (BudgetAnalysis.Status s : engine.budgets(Tenants.DEFAULT)) {
      if (!budgetSelected(s.scope(), s.name(), team, project)) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("scope", s.scope());
      row.put("name", s.name());
      row.put("budgetUsd", s.monthlyUsd());
      row.put("spendUsd", s.spendMonthToDateUsd());
      row.put("burnRateUsdPerDay", s.burnRateUsdPerDay());
      row.put("burnWindowStart", s.burnWindowStartMillis());
      row.put("burnWindowEnd", s.burnWindowEndMillis());
      row.put("forecastUsd", s.forecastMonthEndUsd());
      row.put("forecastRatio", s.forecastRatio());
      row.put("overrunTime", s.overrunMillis() < 0 ? null : s.overrunMillis());
      row.put("monthStart", s.monthStartMillis());
      row.put("monthEnd", s.monthEndMillis());
      row.put("explanation", s.explanation());
      rows.add(row);
    }
    return rows;
  }

  /** Whether the budget of {@code scope} {@code name} passes the team and project filters (null: no filter). */
  static boolean budgetSelected(String scope, String name, String team, String project) {
    String only = switch (scope) {
      case "team" -> team;
      case "project" -> project;
      default -> null;
    };
    return only == null || only.equals(name);
  }

  private static List<Map<String, Object>> cut(List<Map<String, Object>> rows, int limit) {
    return rows.size() <= limit ? rows : rows.subList(0, limit);
  }

  /**
   * A {@code step}: whole seconds, minutes, hours, days, weeks or years ({@code 30s}, {@code 5m},
   * {@code 1h}, {@code 1d}, {@code 1w}, {@code 1y} = 365 days). Grafana's {@code $__interval} uses
   * {@code s} to {@code y}; below a second it says {@code ms}, which is rejected, so panels set a
   * minimum interval.
   */
  record StepDuration(long millis) {
    static StepDuration parse(String s) {
      String v = s.trim();
      int i = 0;
      while (i < v.length() && Character.isDigit(v.charAt(i))) {
        i++;
      }
      if (i == 0 || i == v.length()) {
        throw new IllegalArgumentException(s);
      }
      long n = Long.parseLong(v.substring(0, i));
      long unit = switch (v.substring(i)) {
        case "s" -> 1000L;
        case "m" -> 60_000L;
        case "h" -> 3_600_000L;
        case "d" -> 86_400_000L;
        case "w" -> 7 * 86_400_000L;
        case "y" -> 365 * 86_400_000L;
        default -> throw new IllegalArgumentException(s);
      };
      try {
        return new StepDuration(Math.multiplyExact(n, unit));
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(s, e);
      }
    }
  }
}
