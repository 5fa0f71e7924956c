package dev.tokentrail.query;

import dev.tokentrail.store.Tenants;
import static java.util.Objects.requireNonNull;

import dev.tokentrail.analysis.BudgetAnalysis;
import dev.tokentrail.analysis.ContextGrowthAnalysis;
import dev.tokentrail.analysis.DuplicateAnalysis;
import dev.tokentrail.analysis.EfficiencyAnalysis;
import dev.tokentrail.analysis.PrefixCacheAnalysis;
import dev.tokentrail.analysis.OverkillAnalysis;
import dev.tokentrail.analysis.RetryAnalysis;
import dev.tokentrail.analysis.WasteEngine;
import dev.tokentrail.store.CallFilter;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code tokentrail_waste_usd_total{kind}} and the budget gauges current: every {@code
 * interval} it analyzes the last {@code lookback} and adds to each kind's counter only what a
 * finding grew by since it was last counted, so a finding revised by later spans is never counted
 * twice. On the same data the counter totals equal the API's totals.
 */
public final class WasteMetrics implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WasteMetrics.class);

  private final WasteEngine engine;
  private final Duration lookback;
  private final Counter wasteUsd;
  private final Map<String, Map<String, Counted>> counted = new HashMap<>();
  private final Map<String, Integer> findings = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile List<BudgetAnalysis.Status> budgets = List.of();
  private volatile List<EfficiencyAnalysis.Row> efficiency = List.of();
  /** The waste kinds of {@code tokentrail_waste_usd_total}, as docs/waste.md defines them. */
  static final List<String> KINDS = List.of("retry", "context", "cache", "overkill", "duplicate", "prefix_cache");
  private final ScheduledExecutorService scheduler;

  private record Counted(double usd, long lastSeenMillis) {}

  private WasteMetrics(WasteEngine engine, PrometheusRegistry registry, Duration lookback, boolean schedule, Duration interval) {
    this.engine = engine;
    this.lookback = lookback;
    wasteUsd = Counter.builder().name("tokentrail_waste_usd_total")
        .help("USD of waste found, by kind (retry, context, cache, overkill, duplicate, prefix_cache); each finding counted once, growing as it is revised")
        .labelNames("kind").register(registry);
    for (String kind : KINDS) {
      wasteUsd.labelValues(kind);
      findings.put(kind, 0);
    }
    GaugeWithCallback.builder().name("tokentrail_waste_findings")
        .help("Waste findings in the analysis lookback window, by kind").labelNames("kind")
        .callback(cb -> findings.forEach((kind, n) -> cb.call(n, kind))).register(registry);
    GaugeWithCallback.builder().name("tokentrail_cost_per_outcome_usd")
        .help("Cost per outcome of each team and outcome type in the analysis lookback window (docs/waste.md, team efficiency)")
        .labelNames("team", "outcome").callback(cb -> efficiency.forEach(r -> cb.call(r.costPerOutcomeUsd(), r.group(), r.outcome())))
        .register(registry);
    GaugeWithCallback.builder().name("tokentrail_efficiency_gap_usd")
        .help("What a team's outcomes cost beyond the most efficient team's cost per outcome for the same outcome type, in the lookback window")
        .labelNames("team", "outcome").callback(cb -> efficiency.forEach(r -> {
          if (r.ranked()) {
            cb.call(r.gapUsd(), r.group(), r.outcome());
          }
        })).register(registry);
    GaugeWithCallback.builder().name("tokentrail_budget_limit_usd").help("Configured monthly budget")
        .labelNames("scope", "name").callback(cb -> budgets.forEach(b -> cb.call(b.monthlyUsd(), b.scope(), b.name()))).register(registry);
    GaugeWithCallback.builder().name("tokentrail_budget_spend_usd").help("Spend this calendar month (UTC) so far")
        .labelNames("scope", "name").callback(cb -> budgets.forEach(b -> cb.call(b.spendMonthToDateUsd(), b.scope(), b.name()))).register(registry);
    GaugeWithCallback.builder().name("tokentrail_budget_burn_rate_usd_per_day")
        .help("Average daily spend over the last " + BudgetAnalysis.BURN_WINDOW_DAYS + " days")
        .labelNames("scope", "name").callback(cb -> budgets.forEach(b -> cb.call(b.burnRateUsdPerDay(), b.scope(), b.name()))).register(registry);
    GaugeWithCallback.builder().name("tokentrail_budget_forecast_usd").help("Forecast month-end spend at the current burn rate")
        .labelNames("scope", "name").callback(cb -> budgets.forEach(b -> cb.call(b.forecastMonthEndUsd(), b.scope(), b.name()))).register(registry);
    GaugeWithCallback.builder().name("tokentrail_budget_forecast_ratio").help("Forecast month-end spend / budget")
        .labelNames("scope", "name").callback(cb -> budgets.forEach(b -> cb.call(b.forecastRatio(), b.scope(), b.name()))).register(registry);
    GaugeWithCallback.builder().name("tokentrail_budget_overrun_timestamp_seconds")
        .help("When spend crossed or is projected to cross the budget (absent when not projected)")
        .labelNames("scope", "name").callback(cb -> budgets.forEach(b -> {
          if (b.overrunMillis() >= 0) {
            cb.call(b.overrunMillis() / 1000.0, b.scope(), b.name());
          }
        })).register(registry);
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

  /** Starts the periodic analysis. */
  public static WasteMetrics start(WasteEngine engine, PrometheusRegistry registry, Duration interval, Duration lookback) {
    requireNonNull(engine, "engine");
    requireNonNull(registry, "registry");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
    }
    if (lookback.isNegative() || lookback.isZero()) {
      throw new IllegalArgumentException("lookback: " + lookback + " (expected: > 0)");
    }
    return new WasteMetrics(engine, registry, lookback, true, interval);
  }

  /** For tests: no schedule, call {@link #runOnce()}. */
  static WasteMetrics manual(WasteEngine engine, PrometheusRegistry registry, Duration lookback) {
    return new WasteMetrics(engine, registry, lookback, false, Duration.ZERO);
  }

  private void runSafely() {
    try {
      runOnce();
    } catch (RuntimeException e) {
      // The next run retries; nothing is lost since findings are recomputed from stored spans.
      LOG.error("waste analysis for metrics failed", e);
    }
  }

  /** Analyzes the lookback window once and brings the metrics up to date. */
  public synchronized void runOnce() {
    long now = engine.clock().millis();
    WasteEngine.Report report = engine.analyze(Tenants.DEFAULT, CallFilter.window((now - lookback.toMillis()) * 1_000_000L, now * 1_000_000L + 999_999L));
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
    count("retry", retry, now);
    count("context", context, now);
    count("cache", cache, now);
    count("overkill", overkill, now);
    Map<String, Double> duplicate = new HashMap<>();
    for (DuplicateAnalysis.Finding f : report.duplicates().findings()) {
      duplicate.put(f.service() + '\u0000' + f.requestHash(), f.wastedUsd());
    }
    count("duplicate", duplicate, now);
    Map<String, Double> prefix = new HashMap<>();
    for (PrefixCacheAnalysis.Finding f : report.prefixCache().findings()) {
      prefix.put(f.prefixHash() + '\u0000' + f.provider() + '\u0000' + f.model(), f.savingsUsd());
    }
    count("prefix_cache", prefix, now);
    efficiency = report.teamEfficiency();
    budgets = engine.budgets(Tenants.DEFAULT);
  }

  private void count(String kind, Map<String, Double> current, long now) {
    Map<String, Counted> seen = counted.computeIfAbsent(kind, k -> new HashMap<>());
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
      wasteUsd.labelValues(kind).inc(add);
    }
    findings.put(kind, current.size());
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
