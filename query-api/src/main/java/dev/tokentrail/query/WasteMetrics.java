package dev.tokentrail.query;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.analysis.BudgetAnalysis;
import dev.tokentrail.analysis.ContextGrowthAnalysis;
import dev.tokentrail.analysis.DuplicateAnalysis;
import dev.tokentrail.analysis.EfficiencyAnalysis;
import dev.tokentrail.analysis.OverkillAnalysis;
import dev.tokentrail.analysis.PrefixCacheAnalysis;
import dev.tokentrail.analysis.RetryAnalysis;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.TooManyCallsException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code tokentrail_waste_usd_total{tenant,kind}} and the budget gauges current for every
 * tenant the server knows ({@code tenants}: those of the tokens file and those seen at ingest):
 * every {@code interval} it analyzes each tenant's last {@code lookback} and adds to each kind's
 * counter only what a finding grew by since it was last counted, so a finding revised by later
 * spans is never counted twice. On the same data a tenant's counter totals equal the API's totals
 * for that tenant; {@code /metrics} shows callers only their tenant's series.
 */
public final class WasteMetrics implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WasteMetrics.class);
  /** The waste kinds of {@code tokentrail_waste_usd_total}, as docs/waste.md defines them. */
  static final List<String> KINDS = List.of("retry", "context", "cache", "overkill", "duplicate", "prefix_cache");

  private final WasteEngine engine;
  private final Duration lookback;
  private final Counter skippedRuns;
  /** Tenants whose last run was skipped for too many calls (logged once until a run succeeds). */
  private final Set<String> tooManyCalls = ConcurrentHashMap.newKeySet();
  private final Supplier<? extends Collection<String>> tenants;
  private final Counter wasteUsd;
  /** tenant, kind, finding key: what was counted of each finding. */
  private final Map<String, Map<String, Map<String, Counted>>> counted = new HashMap<>();
  /** tenant, kind: findings in the window at the last run. */
  private final Map<String, Map<String, Integer>> findings = new ConcurrentHashMap<>();
  private final Map<String, List<BudgetAnalysis.Status>> budgets = new ConcurrentHashMap<>();
  private final Map<String, List<EfficiencyAnalysis.Row>> efficiency = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;

  private record Counted(double usd, long lastSeenMillis) {}

  private WasteMetrics(WasteEngine engine, PrometheusRegistry registry, Duration lookback,
      Supplier<? extends Collection<String>> tenants, boolean schedule, Duration interval) {
    this.engine = engine;
    this.lookback = lookback;
    this.tenants = tenants;
    skippedRuns = Counter.builder().name("tokentrail_waste_analysis_skipped_total")
        .help("Runs of the metrics job's analysis left out for a tenant, by reason (too_many_calls: the lookback window holds more LLM calls than analysis.max_calls)")
        .labelNames("tenant", "reason").register(registry);
    wasteUsd = Counter.builder().name("tokentrail_waste_usd_total")
        .help("USD of waste found, by tenant and kind (retry, context, cache, overkill, duplicate, prefix_cache); each finding counted once, growing as it is revised")
        .labelNames("tenant", "kind").register(registry);
    GaugeWithCallback.builder().name("tokentrail_waste_findings")
        .help("Waste findings in the analysis lookback window, by tenant and kind").labelNames("tenant", "kind")
        .callback(cb -> findings.forEach((tenant, kinds) -> kinds.forEach((kind, n) -> cb.call(n, tenant, kind)))).register(registry);
    GaugeWithCallback.builder().name("tokentrail_cost_per_outcome_usd")
        .help("Cost per outcome of each team and outcome type in the analysis lookback window (docs/waste.md, team efficiency)")
        .labelNames("tenant", "team", "outcome").callback(cb -> efficiency.forEach((tenant, rows) ->
            rows.forEach(r -> cb.call(r.costPerOutcomeUsd(), tenant, r.group(), r.outcome()))))
        .register(registry);
    GaugeWithCallback.builder().name("tokentrail_efficiency_gap_usd")
        .help("What a team's outcomes cost beyond the most efficient team's cost per outcome for the same outcome type, in the lookback window")
        .labelNames("tenant", "team", "outcome").callback(cb -> efficiency.forEach((tenant, rows) -> rows.forEach(r -> {
          if (r.ranked()) {
            cb.call(r.gapUsd(), tenant, r.group(), r.outcome());
          }
        }))).register(registry);
    budgetGauge(registry, "tokentrail_budget_limit_usd", "Configured monthly budget", BudgetAnalysis.Status::monthlyUsd);
    budgetGauge(registry, "tokentrail_budget_spend_usd", "Spend this calendar month (UTC) so far",
        BudgetAnalysis.Status::spendMonthToDateUsd);
    budgetGauge(registry, "tokentrail_budget_burn_rate_usd_per_day",
        "Average daily spend over the last " + BudgetAnalysis.BURN_WINDOW_DAYS + " days", BudgetAnalysis.Status::burnRateUsdPerDay);
    budgetGauge(registry, "tokentrail_budget_forecast_usd", "Forecast month-end spend at the current burn rate",
        BudgetAnalysis.Status::forecastMonthEndUsd);
    budgetGauge(registry, "tokentrail_budget_forecast_ratio", "Forecast month-end spend / budget", BudgetAnalysis.Status::forecastRatio);
    GaugeWithCallback.builder().name("tokentrail_budget_overrun_timestamp_seconds")
        .help("When spend crossed or is projected to cross the budget (absent when not projected)")
        .labelNames("tenant", "scope", "name").callback(cb -> budgets.forEach((tenant, statuses) -> statuses.forEach(b -> {
          if (b.overrunMillis() >= 0) {
            cb.call(b.overrunMillis() / 1000.0, tenant, b.scope(), b.name());
          }
        }))).register(registry);
    if (schedule) {
      scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tokentrail-waste-metrics");
        t.setDaemon(true);
        return t;
      });
      scheduler.scheduleWithFixedDelay(this::runSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      scheduler = null;
    }
  }

  private void budgetGauge(PrometheusRegistry registry, String name, String help, ToDoubleFunction<BudgetAnalysis.Status> value) {
    GaugeWithCallback.builder().name(name).help(help).labelNames("tenant", "scope", "name")
        .callback(cb -> budgets.forEach((tenant, statuses) ->
            statuses.forEach(b -> cb.call(value.applyAsDouble(b), tenant, b.scope(), b.name()))))
        .register(registry);
  }

  /** Starts the periodic analysis of every tenant {@code tenants} names at each run. */
  public static WasteMetrics start(WasteEngine engine, PrometheusRegistry registry, Duration interval, Duration lookback,
      Supplier<? extends Collection<String>> tenants) {
    requireNonNull(engine, "engine");
    requireNonNull(registry, "registry");
    requireNonNull(tenants, "tenants");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
    }
    if (lookback.isNegative() || lookback.isZero()) {
      throw new IllegalArgumentException("lookback: " + lookback + " (expected: > 0)");
    }
    return new WasteMetrics(engine, registry, lookback, tenants, true, interval);
  }

  /** For tests: no schedule, call {@link #runOnce()}. */
  static WasteMetrics manual(WasteEngine engine, PrometheusRegistry registry, Duration lookback,
      Supplier<? extends Collection<String>> tenants) {
    return new WasteMetrics(engine, registry, lookback, tenants, false, Duration.ZERO);
  }

  private void runSafely() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      // The next run retries; nothing is lost since findings are recomputed from stored spans.
      LOG.error("waste analysis for metrics failed", e);
    }
  }

  /** Analyzes every tenant's lookback window once and brings the metrics up to date. */
  public synchronized void runOnce() {
    for (String tenant : Set.copyOf(tenants.get())) {
      runOnce(tenant);
    }
  }

  private void runOnce(String tenant) {
    try {
      analyze(tenant);
      tooManyCalls.remove(tenant);
    } catch (TooManyCallsException e) {
      skipped(tenant, "waste analysis", e);
    }
    try {
      budgets.put(tenant, engine.budgets(tenant));
    } catch (TooManyCallsException e) {
      skipped(tenant, "budgets", e);
    }
  }

  /**
   * A window too large for the heap leaves the tenant's metrics as the last run left them: the
   * run is counted and logged (once until a run succeeds again), the other tenants go on.
   */
  private void skipped(String tenant, String what, TooManyCallsException e) {
    skippedRuns.labelValues(tenant, "too_many_calls").inc();
    if (tooManyCalls.add(tenant)) {
      LOG.warn("{} for metrics skipped for tenant {}: {}; the metrics keep their last values", what, tenant, e.getMessage());
    }
  }

  private void analyze(String tenant) {
    long now = engine.clock().millis();
    WasteEngine.Report report = engine.analyze(tenant, CallFilter.window((now - lookback.toMillis()) * 1_000_000L, now * 1_000_000L + 999_999L));
    Map<String, Double> retry = new HashMap<>();
    for (RetryAnalysis.RetryGroup g : report.retries().findings()) {
      retry.put(g.groupKey(), g.wastedUsd());
    }
    Map<String, Double> context = new HashMap<>();
    Map<String, Double> cache = new HashMap<>();
    for (ContextGrowthAnalysis.Conversation c : report.context().conversations()) {
      String key = (c.fromConversationId() ? "c:" : "t:") + c.conversation();
      if (c.flagged()) {
        context.put(key, c.resentUsd());
      }
      if (c.cacheOpportunityUsd() > 0) {
        cache.put(key, c.cacheOpportunityUsd());
      }
    }
    Map<String, Double> overkill = new HashMap<>();
    for (OverkillAnalysis.Finding f : report.overkill().findings()) {
      overkill.put(f.service() + '\u0000' + f.task() + '\u0000' + f.operation() + '\u0000' + f.model(), f.savingsUsd());
    }
    if (!findings.containsKey(tenant)) {
      for (String kind : KINDS) {
        wasteUsd.labelValues(tenant, kind);
      }
    }
    count(tenant, "retry", retry, now);
    count(tenant, "context", context, now);
    count(tenant, "cache", cache, now);
    count(tenant, "overkill", overkill, now);
    Map<String, Double> duplicate = new HashMap<>();
    for (DuplicateAnalysis.Finding f : report.duplicates().findings()) {
      duplicate.put(f.service() + '\u0000' + f.requestHash(), f.wastedUsd());
    }
    count(tenant, "duplicate", duplicate, now);
    Map<String, Double> prefix = new HashMap<>();
    for (PrefixCacheAnalysis.Finding f : report.prefixCache().findings()) {
      prefix.put(f.prefixHash() + '\u0000' + f.provider() + '\u0000' + f.model(), f.savingsUsd());
    }
    count(tenant, "prefix_cache", prefix, now);
    efficiency.put(tenant, report.teamEfficiency());
  }

  private void count(String tenant, String kind, Map<String, Double> current, long now) {
    Map<String, Counted> seen = counted.computeIfAbsent(tenant, t -> new HashMap<>()).computeIfAbsent(kind, k -> new HashMap<>());
    double add = 0;
    for (Map.Entry<String, Double> e : current.entrySet()) {
      Counted before = seen.get(e.getKey());
      double previous = before == null ? 0 : before.usd();
      double usd = e.getValue();
      // A counter only ever gets a finite, non-negative increment: a NaN or infinite finding is
      // not counted (the analysis reads no such amount; this guards the scrape regardless).
      double value = usd >= 0 && usd < Double.POSITIVE_INFINITY ? Math.max(previous, usd) : previous;
      add += value - previous;
      seen.put(e.getKey(), new Counted(value, now));
    }
    if (add > 0 && add < Double.POSITIVE_INFINITY) {
      wasteUsd.labelValues(tenant, kind).inc(add);
    }
    findings.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>()).put(kind, current.size());
    // Forget findings long out of the window: they cannot be revised any more.
    long horizon = now - 2 * lookback.toMillis();
    seen.values().removeIf(c -> c.lastSeenMillis() < horizon);
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
