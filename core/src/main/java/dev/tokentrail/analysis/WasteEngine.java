package dev.tokentrail.analysis;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallReader;
import dev.tokentrail.store.TooManyCallsException;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The analysis engine: reads a window's LLM calls from the store once (doc values, no stored
 * spans) and runs every waste definition of docs/waste.md on them, plus cost series and
 * budgets. HTTP handlers and the metrics job call it; it knows neither.
 */
public final class WasteEngine {
  private final CallReader store;
  private final Supplier<PriceCatalog> catalog;
  private final WasteThresholds thresholds;
  private final Map<String, Double> outcomeBenchmarks;
  private final List<BudgetAnalysis.Budget> budgets;
  private final Map<String, List<BudgetAnalysis.Budget>> tenantBudgets;
  private final Clock clock;
  private final long duplicateWindowNanos;
  private final Executor executor;
  private final int maxCalls;

  private WasteEngine(Builder b) {
    this.store = b.store;
    this.catalog = b.catalog;
    this.thresholds = b.thresholds;
    this.outcomeBenchmarks = Map.copyOf(b.outcomeBenchmarks);
    this.budgets = List.copyOf(b.budgets);
    this.tenantBudgets = Map.copyOf(b.tenantBudgets);
    this.clock = b.clock;
    this.duplicateWindowNanos = b.duplicateWindow.toNanos();
    this.executor = b.executor;
    this.maxCalls = b.maxCalls;
  }

  public static Builder builder(CallReader store, PriceCatalog catalog) {
    requireNonNull(catalog, "catalog");
    return new Builder(requireNonNull(store, "store"), () -> catalog);
  }

  /**
   * An engine that asks {@code catalog} for the price catalog on each analysis, so that it follows
   * a catalog reloaded while the server runs (for example {@code CostCalculator::catalog}).
   */
  public static Builder builder(CallReader store, Supplier<PriceCatalog> catalog) {
    return new Builder(requireNonNull(store, "store"), requireNonNull(catalog, "catalog"));
  }

  /** Configures a {@link WasteEngine}. */
  public static final class Builder {
    private final CallReader store;
    private final Supplier<PriceCatalog> catalog;
    private WasteThresholds thresholds = WasteThresholds.DEFAULT;
    private Map<String, Double> outcomeBenchmarks = Map.of();
    private List<BudgetAnalysis.Budget> budgets = List.of();
    private Map<String, List<BudgetAnalysis.Budget>> tenantBudgets = Map.of();
    private Clock clock = Clock.systemUTC();
    private Duration duplicateWindow = DEFAULT_DUPLICATE_WINDOW;
    private Executor executor = ForkJoinPool.commonPool();
    private int maxCalls = Integer.MAX_VALUE;

    private Builder(CallReader store, Supplier<PriceCatalog> catalog) {
      this.store = store;
      this.catalog = catalog;
    }

    public Builder thresholds(WasteThresholds thresholds) {
      this.thresholds = requireNonNull(thresholds, "thresholds");
      return this;
    }

    /** What one outcome costs otherwise (a human, an outsourced completion), by outcome name. */
    public Builder outcomeBenchmarks(Map<String, Double> benchmarks) {
      this.outcomeBenchmarks = requireNonNull(benchmarks, "benchmarks");
      return this;
    }

    /** Budgets of every tenant without its own ({@link #tenantBudgets}). */
    public Builder budgets(List<BudgetAnalysis.Budget> budgets) {
      this.budgets = requireNonNull(budgets, "budgets");
      return this;
    }

    /** Budgets of some tenants, replacing {@link #budgets} for them. */
    public Builder tenantBudgets(Map<String, List<BudgetAnalysis.Budget>> tenantBudgets) {
      this.tenantBudgets = requireNonNull(tenantBudgets, "tenantBudgets");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** How long a response cache would keep an answer: the window of duplicate requests (docs/waste.md). */
    public Builder duplicateWindow(Duration window) {
      requireNonNull(window, "window");
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("duplicateWindow: " + window + " (expected: > 0)");
      }
      this.duplicateWindow = window;
      return this;
    }

    /**
     * Where {@link #analyze} runs the parts it computes beside the caller's thread (default: the
     * common fork-join pool). A part the executor has not started when it is needed runs on the
     * caller's thread, so {@code Runnable::run} or a saturated executor only make it sequential.
     */
    public Builder executor(Executor executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The most LLM calls one analysis reads (its memory grows with them): a window with more is
     * refused with {@link TooManyCallsException}. Unbounded by default; {@link
     * #defaultMaxCalls(long)} sizes it from a heap.
     */
    public Builder maxCalls(int maxCalls) {
      if (maxCalls <= 0) {
        throw new IllegalArgumentException("maxCalls: " + maxCalls + " (expected: > 0)");
      }
      this.maxCalls = maxCalls;
      return this;
    }

    public WasteEngine build() {
      return new WasteEngine(this);
    }
  }

  /** Every waste kind of one window, computed from one read of the calls. */
  public record Report(
      CallFilter filter,
      int calls,
      RetryAnalysis.Result retries,
      ContextGrowthAnalysis.Result context,
      OverkillAnalysis.Result overkill,
      List<OutcomeAnalysis.Row> outcomes,
      DuplicateAnalysis.Result duplicates,
      PrefixCacheAnalysis.Result prefixCache,
      List<EfficiencyAnalysis.Row> teamEfficiency) {

    /** USD per waste kind, as the metric {@code tokentrail_waste_usd_total{kind}} reports it. */
    public Map<String, Double> usdByKind() {
      return Map.of(
          "retry", retries.wastedUsd(),
          "context", context.resentUsdOfFlagged(),
          "cache", context.cacheOpportunityUsd(),
          "overkill", overkill.savingsUsd(),
          "duplicate", duplicates.wastedUsd(),
          "prefix_cache", prefixCache.savingsUsd());
    }
  }

  /**
   * Calls an analysis may read with a heap of {@code maxHeapBytes}: one per 2 KiB of heap (at least
   * 10,000). A call takes about 170 bytes in the table and as much again in an analysis's
   * groupings and findings; two parts run at once, and ingest and the store keep their own
   * budgets (about half the heap at their limits), so the analysis stays within about a quarter.
   */
  public static int defaultMaxCalls(long maxHeapBytes) {
    return (int) Math.max(10_000, Math.min(Integer.MAX_VALUE, maxHeapBytes / 2048));
  }

  private CallTable calls(String tenant, CallFilter filter) {
    return store.llmCalls(tenant, filter, maxCalls);
  }

  /** The default window of duplicate requests. */
  public static final Duration DEFAULT_DUPLICATE_WINDOW = Duration.ofMinutes(10);

  /**
   * Every waste kind, cost per outcome and team efficiency of one window, from one read of the
   * calls. Independent parts run on two threads (the caller's and one of the engine's executor):
   * the outcomes are read while the calls are, and overkill, outcomes and efficiency, then
   * context growth, are computed beside retries, duplicates and the shared-prefix cache. A part
   * the executor has not started by the time the caller needs it runs on the caller's thread, so
   * a busy executor delays nothing and the result never depends on it.
   */
  public Report analyze(String tenant, CallFilter filter) {
    PriceCatalog catalog = requireNonNull(this.catalog.get(), "catalog");
    Forked<Map<TraceId, TraceOutcome>> traceOutcomes =
        fork(() -> store.outcomes(tenant, filter.fromEpochNanos(), filter.toEpochNanos()));
    CallTable calls = calls(tenant, filter);
    Forked<PerCall> perCall = fork(() -> {
      Map<TraceId, TraceOutcome> outcomes = traceOutcomes.join();
      return new PerCall(
          OverkillAnalysis.analyze(calls, catalog, thresholds),
          OutcomeAnalysis.analyze(calls, outcomes, outcomeBenchmarks),
          EfficiencyAnalysis.analyze(calls, outcomes, Text.TEAM, 1));
    });
    RetryAnalysis.Result retries = RetryAnalysis.analyze(calls);
    Turns turns = Turns.of(calls, retries.finalAttempt());
    Forked<ContextGrowthAnalysis.Result> context =
        fork(() -> ContextGrowthAnalysis.analyze(calls, turns, catalog, thresholds));
    DuplicateAnalysis.Result duplicates = DuplicateAnalysis.analyze(calls, retries.finalAttempt(), duplicateWindowNanos);
    PrefixCacheAnalysis.Result prefixCache =
        PrefixCacheAnalysis.analyze(calls, retries.finalAttempt(), turns, duplicates.duplicate(), catalog);
    PerCall rest = perCall.join();
    return new Report(filter, calls.size(), retries, context.join(), rest.overkill, rest.outcomes, duplicates, prefixCache,
        rest.efficiency);
  }

  private record PerCall(
      OverkillAnalysis.Result overkill, List<OutcomeAnalysis.Row> outcomes, List<EfficiencyAnalysis.Row> efficiency) {}

  private <T> Forked<T> fork(Callable<T> work) {
    Forked<T> forked = new Forked<>(work);
    try {
      executor.execute(forked);
    } catch (RejectedExecutionException e) {
      // Runs on the caller's thread at join.
    }
    return forked;
  }

  /** Work handed to the executor that the joining thread runs itself when nobody has started it. */
  private static final class Forked<T> extends FutureTask<T> {
    Forked(Callable<T> work) {
      super(work);
    }

    T join() {
      run(); // no-op once started elsewhere
      try {
        return get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a part of the analysis", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(e.getCause());
      }
    }
  }

  // One analysis per endpoint: each reads the calls once and runs only what its answer needs.

  public RetryAnalysis.Result retries(String tenant, CallFilter filter) {
    return RetryAnalysis.analyze(calls(tenant, filter));
  }

  /** Context growth and cache opportunity (which need the retry groups' final attempts). */
  public ContextGrowthAnalysis.Result context(String tenant, CallFilter filter) {
    PriceCatalog catalog = requireNonNull(this.catalog.get(), "catalog");
    CallTable calls = calls(tenant, filter);
    return ContextGrowthAnalysis.analyze(calls, RetryAnalysis.analyze(calls).finalAttempt(), catalog, thresholds);
  }

  public OverkillAnalysis.Result overkill(String tenant, CallFilter filter) {
    return OverkillAnalysis.analyze(calls(tenant, filter), requireNonNull(this.catalog.get(), "catalog"), thresholds);
  }

  public List<OutcomeAnalysis.Row> outcomes(String tenant, CallFilter filter) {
    return OutcomeAnalysis.analyze(calls(tenant, filter),
        store.outcomes(tenant, filter.fromEpochNanos(), filter.toEpochNanos()), outcomeBenchmarks);
  }

  /** Duplicate requests (which need the retry groups' final attempts). */
  public DuplicateAnalysis.Result duplicates(String tenant, CallFilter filter) {
    CallTable calls = calls(tenant, filter);
    return DuplicateAnalysis.analyze(calls, RetryAnalysis.analyze(calls).finalAttempt(), duplicateWindowNanos);
  }

  /** Shared-prefix cache opportunity (which needs final attempts and duplicates, so nothing counts twice). */
  public PrefixCacheAnalysis.Result prefixCache(String tenant, CallFilter filter) {
    PriceCatalog catalog = requireNonNull(this.catalog.get(), "catalog");
    CallTable calls = calls(tenant, filter);
    boolean[] finalAttempt = RetryAnalysis.analyze(calls).finalAttempt();
    boolean[] duplicate = DuplicateAnalysis.analyze(calls, finalAttempt, duplicateWindowNanos).duplicate();
    return PrefixCacheAnalysis.analyze(calls, finalAttempt, duplicate, catalog);
  }

  /** Cost per outcome per team, project, feature or cost center ({@link EfficiencyAnalysis}). */
  public List<EfficiencyAnalysis.Row> efficiency(String tenant, CallFilter filter, Text by, int minOutcomes) {
    Map<TraceId, TraceOutcome> outcomes = store.outcomes(tenant, filter.fromEpochNanos(), filter.toEpochNanos());
    return EfficiencyAnalysis.analyze(calls(tenant, filter), outcomes, by, minOutcomes);
  }

  public List<CostSeries.Point> cost(String tenant, CallFilter filter, long stepMillis, Text groupBy) {
    return CostSeries.of(calls(tenant, filter), stepMillis, groupBy);
  }

  /** The window's priced calls as FOCUS 1.2 charges of {@code granularity}, billed to the tenant's account. */
  public FocusExport.Result focus(String tenant, CallFilter filter, FocusExport.Granularity granularity) {
    PriceCatalog catalog = requireNonNull(this.catalog.get(), "catalog");
    return FocusExport.of(calls(tenant, filter), catalog, tenant, granularity);
  }

  /** {@code tenant}'s budgets against its spend this month. */
  public List<BudgetAnalysis.Status> budgets(String tenant) {
    List<BudgetAnalysis.Budget> own = configuredBudgets(tenant);
    if (own.isEmpty()) {
      return List.of();
    }
    long now = clock.millis();
    CallTable calls = calls(tenant, CallFilter.window(BudgetAnalysis.windowStartMillis(now) * 1_000_000L, now * 1_000_000L + 999_999L));
    return BudgetAnalysis.analyze(calls, own, now);
  }

  /** The budgets that apply to {@code tenant}: its own, or the server-wide ones. */
  public List<BudgetAnalysis.Budget> configuredBudgets(String tenant) {
    return tenantBudgets.getOrDefault(requireNonNull(tenant, "tenant"), budgets);
  }

  public Clock clock() {
    return clock;
  }
}
