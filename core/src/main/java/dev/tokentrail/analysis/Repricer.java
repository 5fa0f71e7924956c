package dev.tokentrail.analysis;

import static dev.tokentrail.genai.GenAiAttributes.TT_COST_PREVIOUS_USD;
import static dev.tokentrail.genai.GenAiAttributes.TT_COST_USD;
import static dev.tokentrail.genai.GenAiAttributes.TT_PRICE_PREVIOUS_VERSION;
import static dev.tokentrail.genai.GenAiAttributes.TT_PRICE_VERSION;
import static java.util.Objects.requireNonNull;

import dev.tokentrail.genai.CostCalculator;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.StoreOverloadedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Prices the stored LLM calls of a window again with the current catalog (docs/pricing.md,
 * "Repricing"). Optionally re-reads the catalog first ({@link Builder#catalogReloader}), so that a
 * user who edited the catalog file reprices without a restart; the reloaded catalog also prices
 * every span ingested afterwards, through the same {@link CostCalculator}.
 *
 * <p>For each call it reads the whole stored span, prices it again through {@link
 * LlmSpanEnricher#reprice}, and when the price version or any cost attribute differs it writes the
 * span back through {@link SpanStore#accept} (same trace and span id: the stored span is replaced)
 * with the cost attributes replaced and the values they replace kept as {@code
 * tokentrail.price.previous_version} and {@code tokentrail.cost.previous_usd}: always the values
 * just before the latest reprice that changed the call. Unchanged calls are not written, so a
 * second run writes nothing. A call the current catalog cannot price (unknown model) is not
 * written either: it keeps what it had, including a cost from an older catalog.
 *
 * <p>Memory is bounded: the window is read in time slices that shrink when they hold many calls,
 * whole spans are read one trace at a time, and rewritten spans are written in batches, each durable
 * before the next. Runs are serialized.
 */
public final class Repricer {
  /** Calls read from the store per slice before the next slice is made shorter. */
  static final int TARGET_CALLS_PER_SLICE = 20_000;
  /** Spans written back per {@link SpanStore#accept} call. */
  static final int WRITE_BATCH = 500;
  private static final long INITIAL_SLICE_NANOS = 3_600_000_000_000L;
  private static final long MIN_SLICE_NANOS = 1_000_000_000L;
  private static final int MAX_VERSIONS_LISTED = 100;

  private final SpanStore store;
  private final LlmSpanEnricher enricher;
  private final Supplier<PriceCatalog> reloader;
  private final long visibilityTimeoutMillis;
  private final int targetCallsPerSlice;
  private final int writeBatch;
  private final ReentrantLock running = new ReentrantLock();

  private Repricer(Builder b) {
    this.store = b.store;
    this.enricher = b.enricher;
    this.reloader = b.reloader;
    this.visibilityTimeoutMillis = b.visibilityTimeoutMillis;
    this.targetCallsPerSlice = b.targetCallsPerSlice;
    this.writeBatch = b.writeBatch;
  }

  /** A repricer writing to {@code store}, pricing with {@code enricher}'s cost calculator. */
  public static Builder builder(SpanStore store, LlmSpanEnricher enricher) {
    return new Builder(requireNonNull(store, "store"), requireNonNull(enricher, "enricher"));
  }

  /** Configures a {@link Repricer}. */
  public static final class Builder {
    private final SpanStore store;
    private final LlmSpanEnricher enricher;
    private Supplier<PriceCatalog> reloader;
    private long visibilityTimeoutMillis = 10_000;
    private int targetCallsPerSlice = TARGET_CALLS_PER_SLICE;
    private int writeBatch = WRITE_BATCH;

    private Builder(SpanStore store, LlmSpanEnricher enricher) {
      this.store = store;
      this.enricher = enricher;
    }

    /**
     * Reads the catalog afresh (the built-in catalog with the configured file over it) before each
     * run; it throws {@link IllegalArgumentException} naming the file and entry when the file is
     * broken, and then the catalog in force stays.
     */
    public Builder catalogReloader(Supplier<PriceCatalog> reloader) {
      this.reloader = requireNonNull(reloader, "reloader");
      return this;
    }

    /** How long a run waits for its last write to become searchable before it returns. */
    public Builder visibilityTimeoutMillis(long millis) {
      this.visibilityTimeoutMillis = millis;
      return this;
    }

    /** Slice and batch sizes; small values let tests cross slice and batch boundaries. */
    Builder sizes(int targetCallsPerSlice, int writeBatch) {
      if (targetCallsPerSlice < 1 || writeBatch < 1) {
        throw new IllegalArgumentException("sizes must be positive");
      }
      this.targetCallsPerSlice = targetCallsPerSlice;
      this.writeBatch = writeBatch;
      return this;
    }

    public Repricer build() {
      return new Repricer(this);
    }
  }

  /**
   * What a run did. {@code examined} = {@code repriced} + {@code unchanged} + {@code unpriced};
   * {@code unchanged} includes calls without usage. {@code oldVersions} are the price versions the
   * examined calls carried before the run (at most 100 listed). USD totals are over the examined
   * calls, before and after; a call left unpriced counts with what it keeps.
   */
  public record Result(
      long fromEpochNanos,
      long toEpochNanos,
      boolean catalogReloaded,
      String newVersion,
      long examined,
      long repriced,
      long unchanged,
      long unpriced,
      List<String> oldVersions,
      double usdBefore,
      double usdAfter,
      long durationMillis) {}

  /** The calls of {@code filter}'s window (both bounds required) priced again, as described above. */
  public Result reprice(String tenant, CallFilter filter) {
    requireNonNull(tenant, "tenant");
    requireNonNull(filter, "filter");
    if (filter.fromEpochNanos() <= 0 || filter.toEpochNanos() <= 0 || filter.fromEpochNanos() > filter.toEpochNanos()) {
      throw new IllegalArgumentException("reprice window: from and to are both required, from <= to");
    }
    running.lock();
    try {
      return run(tenant, filter);
    } finally {
      running.unlock();
    }
  }

  private Result run(String tenant, CallFilter filter) {
    long started = System.nanoTime();
    CostCalculator costs = enricher.costs();
    boolean reloaded = false;
    if (reloader != null) {
      PriceCatalog next;
      try {
        next = reloader.get();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "price catalog not reloaded, " + costs.catalog().version() + " stays in force: " + e.getMessage(), e);
      }
      costs.replaceCatalog(next);
      reloaded = true;
    }
    Run run = new Run(tenant, costs.catalog().version());
    long from = filter.fromEpochNanos();
    long to = filter.toEpochNanos();
    long slice = Math.min(INITIAL_SLICE_NANOS, to - from + 1);
    for (long a = from; a <= to; ) {
      long b = a + slice - 1 < a || a + slice - 1 > to ? to : a + slice - 1;
      CallTable calls = store.llmCalls(tenant,
          new CallFilter(a, b, filter.service(), filter.team(), filter.project(), filter.model(), filter.feature()));
      processSlice(calls, a, b, run);
      if (calls.size() > targetCallsPerSlice) {
        slice = Math.max(MIN_SLICE_NANOS, slice / 2);
      } else if (calls.size() < targetCallsPerSlice / 4) {
        slice = Math.min(Long.MAX_VALUE / 4, slice * 2);
      }
      if (b == to) {
        break;
      }
      a = b + 1;
    }
    run.flush();
    run.awaitVisible();
    return new Result(from, to, reloaded, run.newVersion, run.examined, run.repriced, run.unchanged, run.unpriced,
        List.copyOf(run.oldVersions), run.usdBefore, run.usdAfter, (System.nanoTime() - started) / 1_000_000L);
  }

  /** The calls of one slice, grouped by trace so each trace's spans are read once. */
  private void processSlice(CallTable calls, long from, long to, Run run) {
    Map<TraceId, Set<SpanId>> spansByTrace = new LinkedHashMap<>();
    for (int row = 0; row < calls.size(); row++) {
      spansByTrace.computeIfAbsent(calls.traceId(row), k -> new HashSet<>())
          .add(new SpanId(calls.spanId(row)));
    }
    for (Map.Entry<TraceId, Set<SpanId>> trace : spansByTrace.entrySet()) {
      for (Span span : store.getTrace(run.tenant, trace.getKey(), from, to)) {
        if (trace.getValue().contains(span.spanId()) && span.startEpochNanos() >= from && span.startEpochNanos() <= to) {
          run.examine(span);
        }
      }
    }
  }

  /** The counters and the pending writes of one run. */
  private final class Run {
    final String newVersion;
    long examined;
    long repriced;
    long unchanged;
    long unpriced;
    double usdBefore;
    double usdAfter;
    final TreeSet<String> oldVersions = new TreeSet<>();
    final List<IngestedSpan> pending = new ArrayList<>();
    Span lastWritten;

    final String tenant;

    Run(String tenant, String newVersion) {
      this.tenant = tenant;
      this.newVersion = newVersion;
    }

    void examine(Span stored) {
      IngestedSpan priced = enricher.reprice(stored);
      LlmCall call = priced.call();
      if (call == null) {
        return; // Not a call by today's rules; nothing to price.
      }
      examined++;
      Map<String, Object> old = stored.attributes();
      Object oldVersion = old.get(TT_PRICE_VERSION);
      if (oldVersion instanceof String v && oldVersions.size() < MAX_VERSIONS_LISTED) {
        oldVersions.add(v);
      }
      double oldUsd = usd(old.get(TT_COST_USD));
      if (!Double.isNaN(oldUsd)) {
        usdBefore += oldUsd;
      }
      Cost cost = call.cost();
      if (!cost.isPriced()) {
        if (Cost.UNKNOWN_MODEL.equals(cost.unpricedReason())) {
          unpriced++;
        } else {
          unchanged++;
        }
        if (!Double.isNaN(oldUsd)) {
          usdAfter += oldUsd;
        }
        return;
      }
      usdAfter += cost.totalUsd();
      if (!changed(old, priced.span().attributes())) {
        unchanged++;
        return;
      }
      Map<String, Object> attributes = new LinkedHashMap<>(priced.span().attributes());
      attributes.remove(TT_PRICE_PREVIOUS_VERSION);
      attributes.remove(TT_COST_PREVIOUS_USD);
      if (oldVersion != null) {
        attributes.put(TT_PRICE_PREVIOUS_VERSION, oldVersion);
      }
      if (!Double.isNaN(oldUsd)) {
        attributes.put(TT_COST_PREVIOUS_USD, oldUsd);
      }
      pending.add(new IngestedSpan(stored.withAttributes(java.util.Collections.unmodifiableMap(attributes)), call));
      repriced++;
      if (pending.size() >= writeBatch) {
        flush();
      }
    }

    /** Writes the pending spans and waits until they are durable; retries while the store is full. */
    void flush() {
      if (pending.isEmpty()) {
        return;
      }
      List<IngestedSpan> batch = List.copyOf(pending);
      pending.clear();
      for (int attempt = 0; ; attempt++) {
        try {
          store.accept(tenant, batch).get(5, TimeUnit.MINUTES);
          break;
        } catch (ExecutionException e) {
          if (e.getCause() instanceof StoreOverloadedException && attempt < 60) {
            sleep(1000);
            continue;
          }
          throw new IllegalStateException("reprice: writing repriced spans failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
          throw new IllegalStateException("reprice: the store did not make repriced spans durable within 5 minutes", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("reprice interrupted", e);
        }
      }
      lastWritten = batch.get(batch.size() - 1).span();
    }

    /**
     * Waits until the last span written reads back repriced: the store indexes in write order, so
     * the run's earlier writes are searchable too, and totals read right after the run include it.
     */
    void awaitVisible() {
      if (lastWritten == null) {
        return;
      }
      long deadline = System.nanoTime() + visibilityTimeoutMillis * 1_000_000L;
      while (System.nanoTime() < deadline) {
        for (Span s : store.getTrace(tenant, lastWritten.traceId(), 0, 0)) {
          if (s.spanId().equals(lastWritten.spanId()) && !changed(s.attributes(), lastWritten.attributes())
              && Objects.equals(s.attribute(TT_PRICE_PREVIOUS_VERSION), lastWritten.attribute(TT_PRICE_PREVIOUS_VERSION))) {
            return;
          }
        }
        sleep(25);
      }
    }
  }

  /** Whether any cost attribute differs; amounts within a billionth of each other are equal. */
  static boolean changed(Map<String, Object> before, Map<String, Object> after) {
    for (String key : LlmSpanEnricher.COST_ATTRIBUTES) {
      Object a = before.get(key);
      Object b = after.get(key);
      if (a instanceof Number x && b instanceof Number y) {
        double dx = x.doubleValue();
        double dy = y.doubleValue();
        if (Math.abs(dx - dy) > 1e-9 * Math.max(Math.abs(dx), Math.abs(dy))) {
          return true;
        }
      } else if (!Objects.equals(a, b)) {
        return true;
      }
    }
    return false;
  }

  private static double usd(Object value) {
    return value instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("reprice interrupted", e);
    }
  }
}
