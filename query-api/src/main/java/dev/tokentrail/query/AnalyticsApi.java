package dev.tokentrail.query;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.security.RequestTenant;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.analysis.BudgetAnalysis;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.analysis.ContextGrowthAnalysis;
import dev.tokentrail.analysis.CostSeries;
import dev.tokentrail.analysis.DuplicateAnalysis;
import dev.tokentrail.analysis.EfficiencyAnalysis;
import dev.tokentrail.analysis.PrefixCacheAnalysis;
import dev.tokentrail.analysis.OutcomeAnalysis;
import dev.tokentrail.analysis.OverkillAnalysis;
import dev.tokentrail.analysis.RetryAnalysis;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.store.CallFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost and waste as JSON under {@code /api/v1/}, shaped for Grafana's Infinity data source: flat
 * rows, epoch-millisecond times, ranked by USD. Every endpoint takes {@code from}, {@code to}
 * (epoch ms or ISO-8601; default the last 24 hours), the filters {@code service}, {@code team},
 * {@code project}, {@code model}, {@code feature}, and {@code limit}. {@code /api/v1/cost} also
 * takes {@code step} (a duration of at least 1s, default 1h) and {@code group_by}.
 */
final class AnalyticsApi {
  private static final long DAY_MILLIS = 86_400_000L;
  private final WasteEngine engine;

  AnalyticsApi(WasteEngine engine) {
    this.engine = requireNonNull(engine, "engine");
  }

  void install(ServerBuilder server) {
    QueryApi.get(server, "/api/v1/cost", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(cost(ctx))));
    QueryApi.get(server, "/api/v1/waste/summary", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(summary(ctx))));
    QueryApi.get(server, "/api/v1/waste/retries", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(retries(ctx))));
    QueryApi.get(server, "/api/v1/waste/context", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(context(ctx, false))));
    QueryApi.get(server, "/api/v1/waste/cache", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(context(ctx, true))));
    QueryApi.get(server, "/api/v1/waste/overkill", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(overkill(ctx))));
    QueryApi.get(server, "/api/v1/waste/duplicates", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(duplicates(ctx))));
    QueryApi.get(server, "/api/v1/waste/prefix-cache", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(prefixCache(ctx))));
    QueryApi.get(server, "/api/v1/efficiency", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(efficiency(ctx))));
    QueryApi.get(server, "/api/v1/outcomes", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(outcomes(ctx))));
    QueryApi.get(server, "/api/v1/budgets", (ctx, req) -> QueryGuard.blocking(ctx, () -> JsonResponses.rounded(budgets(QueryParams.of(ctx).filter("team"), QueryParams.of(ctx).filter("project")))));
  }

  private CallFilter filter(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    long now = engine.clock().millis();
    long to = params.epochMillis("to", now);
    long from = params.epochMillis("from", Math.max(0, to - DAY_MILLIS));
    if (from > to) {
      throw new IllegalArgumentException("from: after to (expected: from <= to)");
    }
    long[] window = TopTracesService.nanosWindow(from, to);
    return new CallFilter(window[0], window[1], params.filter("service"), params.filter("team"),
        params.filter("project"), params.filter("model"), params.filter("feature"));
  }

  private static int limit(ServiceRequestContext ctx) {
    return QueryParams.of(ctx).limit("limit", 100, 100_000);
  }

  private List<Map<String, Object>> cost(ServiceRequestContext ctx) {
    CallFilter filter = filter(ctx);
    QueryParams params = QueryParams.of(ctx);
    long stepMillis = params.duration("step", Duration.ofHours(1)).toMillis();
    if (stepMillis < 1000) {
      throw new IllegalArgumentException("step: " + params.optionalString("step") + " (expected: at least 1s)");
    }
    String groupBy = params.choice("group_by", null,
        List.of("team", "project", "cost_center", "feature", "service", "model", "provider", "operation"));
    Text column = groupBy == null ? null : switch (groupBy) {
      case "team" -> Text.TEAM;
      case "project" -> Text.PROJECT;
      case "cost_center" -> Text.COST_CENTER;
      case "feature" -> Text.FEATURE;
      case "service" -> Text.SERVICE;
      case "model" -> Text.MODEL;
      case "provider" -> Text.PROVIDER;
      default -> Text.OPERATION;
    };
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CostSeries.Point p : engine.cost(RequestTenant.current(), filter, stepMillis, column)) {
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

  private List<Map<String, Object>> summary(ServiceRequestContext ctx) {
    WasteEngine.Report report = engine.analyze(RequestTenant.current(), filter(ctx));
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(summaryRow("retry", report.retries().wastedUsd(), report.retries().findings().size()));
    rows.add(summaryRow("context", report.context().resentUsdOfFlagged(), report.context().growthFindings().size()));
    rows.add(summaryRow("cache", report.context().cacheOpportunityUsd(), report.context().cacheFindings().size()));
    rows.add(summaryRow("overkill", report.overkill().savingsUsd(), report.overkill().findings().size()));
    rows.add(summaryRow("duplicate", report.duplicates().wastedUsd(), report.duplicates().findings().size()));
    rows.add(summaryRow("prefix_cache", report.prefixCache().savingsUsd(), report.prefixCache().findings().size()));
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
    int limit = limit(ctx); // a bad limit is refused before the analysis runs
    String view = QueryParams.of(ctx).choice("view", "findings", List.of("findings", "rollup"));
    RetryAnalysis.Result retries = engine.retries(RequestTenant.current(), filter(ctx));
    List<Map<String, Object>> rows = new ArrayList<>();
    switch (view) {
      case "findings" -> {
        for (RetryAnalysis.RetryGroup g : retries.findings()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("traceId", g.traceId().hex());
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
        for (RetryAnalysis.Rollup r : retries.rollups()) {
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
      default -> throw new IllegalStateException("view: " + view);
    }
    return cut(rows, limit);
  }

  private List<Map<String, Object>> context(ServiceRequestContext ctx, boolean cache) {
    int limit = limit(ctx); // a bad limit is refused before the analysis runs
    ContextGrowthAnalysis.Result context = engine.context(RequestTenant.current(), filter(ctx));
    List<ContextGrowthAnalysis.Conversation> findings = cache ? context.cacheFindings() : context.growthFindings();
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
      row.put("traceIds", hexList(c.exampleTraceIds()));
      row.put("traceId", c.exampleTraceIds().isEmpty() ? null : c.exampleTraceIds().get(0).hex());
      row.put("reason", c.reason());
      rows.add(row);
    }
    return cut(rows, limit);
  }

  private List<Map<String, Object>> overkill(ServiceRequestContext ctx) {
    int limit = limit(ctx); // a bad limit is refused before the analysis runs
    List<Map<String, Object>> rows = new ArrayList<>();
    for (OverkillAnalysis.Finding f : engine.overkill(RequestTenant.current(), filter(ctx)).findings()) {
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
      row.put("traceIds", hexList(f.exampleTraceIds()));
      row.put("traceId", f.exampleTraceIds().isEmpty() ? null : f.exampleTraceIds().get(0).hex());
      row.put("reason", f.reason());
      rows.add(row);
    }
    return cut(rows, limit);
  }

  private List<Map<String, Object>> outcomes(ServiceRequestContext ctx) {
    int limit = limit(ctx); // a bad limit is refused before the analysis runs
    List<Map<String, Object>> rows = new ArrayList<>();
    for (OutcomeAnalysis.Row o : engine.outcomes(RequestTenant.current(), filter(ctx))) {
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
    return cut(rows, limit);
  }

  private List<Map<String, Object>> duplicates(ServiceRequestContext ctx) {
    int limit = limit(ctx); // a bad limit is refused before the analysis runs
    List<Map<String, Object>> rows = new ArrayList<>();
    for (DuplicateAnalysis.Finding f : engine.duplicates(RequestTenant.current(), filter(ctx)).findings()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("service", f.service());
      row.put("requestHash", f.requestHash());
      row.put("model", f.model());
      row.put("calls", f.calls());
      row.put("duplicates", f.duplicates());
      row.put("duplicateTokens", f.duplicateTokens());
      row.put("wastedUsd", f.wastedUsd());
      row.put("firstTime", f.firstStartNanos() / 1_000_000L);
      row.put("lastTime", f.lastStartNanos() / 1_000_000L);
      row.put("windowSeconds", f.windowNanos() / 1_000_000_000L);
      row.put("traceIds", hexList(f.exampleTraceIds()));
      row.put("traceId", f.exampleTraceIds().isEmpty() ? null : f.exampleTraceIds().get(0).hex());
      row.put("reason", f.reason());
      rows.add(row);
    }
    return cut(rows, limit);
  }

  private List<Map<String, Object>> prefixCache(ServiceRequestContext ctx) {
    int limit = limit(ctx); // a bad limit is refused before the analysis runs
    List<Map<String, Object>> rows = new ArrayList<>();
    for (PrefixCacheAnalysis.Finding f : engine.prefixCache(RequestTenant.current(), filter(ctx)).findings()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("prefixHash", f.prefixHash());
      row.put("provider", f.provider());
      row.put("model", f.model());
      row.put("service", f.service());
      row.put("calls", f.calls());
      row.put("repeats", f.repeats());
      row.put("prefixTokens", f.prefixTokens());
      row.put("repeatedTokens", f.repeatedTokens());
      row.put("grossSavingsUsd", f.grossSavingsUsd());
      row.put("writePremiumUsd", f.writePremiumUsd());
      row.put("savingsUsd", f.savingsUsd());
      row.put("minTokens", f.minTokens());
      row.put("lifetimeSeconds", f.lifetimeNanos() / 1_000_000_000L);
      row.put("traceIds", hexList(f.exampleTraceIds()));
      row.put("traceId", f.exampleTraceIds().isEmpty() ? null : f.exampleTraceIds().get(0).hex());
      row.put("reason", f.reason());
      rows.add(row);
    }
    return cut(rows, limit);
  }

  private List<Map<String, Object>> efficiency(ServiceRequestContext ctx) {
    int limit = limit(ctx); // a bad limit is refused before the analysis runs
    QueryParams params = QueryParams.of(ctx);
    String by = params.choice("by", "team", List.of("team", "project", "feature", "cost_center"));
    Text column = switch (by) {
      case "team" -> Text.TEAM;
      case "project" -> Text.PROJECT;
      case "feature" -> Text.FEATURE;
      default -> Text.COST_CENTER;
    };
    int minOutcomes = params.integer("min_outcomes", 1, 1, 1_000_000);
    String outcome = params.filter("outcome");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (EfficiencyAnalysis.Row r : engine.efficiency(RequestTenant.current(), filter(ctx), column, minOutcomes)) {
      if (outcome != null && !outcome.equals(r.outcome())) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put(by, r.group());
      row.put("outcome", r.outcome());
      row.put("outcomes", r.outcomes());
      row.put("costUsd", r.costUsd());
      row.put("costPerOutcomeUsd", r.costPerOutcomeUsd());
      row.put("bestGroup", r.bestGroup());
      row.put("bestCostPerOutcomeUsd", Double.isNaN(r.bestCostPerOutcomeUsd()) ? null : r.bestCostPerOutcomeUsd());
      row.put("ratioToBest", Double.isNaN(r.ratioToBest()) ? null : r.ratioToBest());
      row.put("gapUsd", Double.isNaN(r.gapUsd()) ? null : r.gapUsd());
      row.put("spreadUsd", Double.isNaN(r.spreadUsd()) ? null : r.spreadUsd());
      row.put("ranked", r.ranked());
      rows.add(row);
    }
    return cut(rows, limit);
  }

  /**
   * Every budget, or with {@code team} / {@code project} (non-null) only that team's budget among
   * the team budgets and that project's among the project budgets, as the dashboards' PromQL
   * budget panels select them ({@code name=~"$team"} on team scope, {@code "$project"} on project).
   */
  private List<Map<String, Object>> budgets(String team, String project) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (BudgetAnalysis.Status s : engine.budgets(RequestTenant.current())) {
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

  /** Trace ids as the comma-separated hex the dashboards link with. */
  private static String hexList(List<TraceId> ids) {
    StringBuilder out = new StringBuilder(ids.size() * 33);
    for (TraceId id : ids) {
      if (!out.isEmpty()) {
        out.append(',');
      }
      out.append(id.hex());
    }
    return out.toString();
  }

  private static List<Map<String, Object>> cut(List<Map<String, Object>> rows, int limit) {
    return rows.size() <= limit ? rows : rows.subList(0, limit);
  }
}
