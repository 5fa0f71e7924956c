package dev.tokentrail.store.memory;

import dev.tokentrail.store.eval.MetricsEvaluator;
import dev.tokentrail.store.eval.TraceSearcher;
import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.TagNames;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceOutcome;
import dev.tokentrail.store.TraceSearch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The reference {@link SpanStore}: spans kept in plain maps by tenant, trace id and span id, and
 * every read answered by visiting them and applying the contract's Javadoc literally. Obviously
 * correct rather than fast (fine for a hundred thousand spans); writes are visible at once and
 * nothing survives the process. The conformance suite compares real stores with it, and the query
 * API's handler tests use it as their backend.
 *
 * <p>With a retention, spans that started longer than the retention ago (by the store's clock) are
 * dropped, on arrival or as the clock moves.
 */
public final class InMemorySpanStore implements SpanStore {
  private final Clock clock;
  private final Duration retention;
  /** Tenant, then trace id: each tenant's traces in trace id order. */
  private final Map<String, TreeMap<TraceId, StoredTrace>> tenants = new HashMap<>();
  private boolean closed;

  private InMemorySpanStore(Builder builder) {
    this.clock = builder.clock;
    this.retention = builder.retention;
  }

  /** A store without retention. */
  public static InMemorySpanStore create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Configures an {@link InMemorySpanStore}. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Duration retention;

    private Builder() {}

    /** The clock retention measures span age by. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** Drops spans that started longer ago than {@code retention}; none by default. */
    public Builder retention(Duration retention) {
      requireNonNull(retention, "retention");
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("retention: " + retention + " (expected: > 0)");
      }
      this.retention = retention;
      return this;
    }

    public InMemorySpanStore build() {
      return new InMemorySpanStore(this);
    }
  }

  @Override
  public synchronized CompletableFuture<Void> accept(String tenant, List<IngestedSpan> spans) {
    Tenants.check(tenant);
    requireNonNull(spans, "spans");
    if (closed) {
      return CompletableFuture.failedFuture(closedException());
    }
    List<IngestedSpan> checked = new ArrayList<>(spans.size());
    for (IngestedSpan s : spans) {
      requireNonNull(s, "span");
      if (!s.span().traceId().isValid() || s.span().spanId().isNone()) {
        // Nothing of a batch with an invalid span is kept.
        return CompletableFuture.failedFuture(new IllegalArgumentException("span: trace id " + s.span().traceId()
            + ", span id " + s.span().spanId() + " (expected: ids not all zero)"));
      }
      checked.add(s);
    }
    long cutoff = cutoffNanos();
    TreeMap<TraceId, StoredTrace> traces = tenants.computeIfAbsent(tenant, t -> new TreeMap<>());
    for (IngestedSpan s : checked) {
      if (s.span().startEpochNanos() >= cutoff) {
        traces.computeIfAbsent(s.span().traceId(), StoredTrace::new).put(s);
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public List<Span> getTrace(String tenant, TraceId traceId, long fromEpochNanos, long toEpochNanos) {
    requireNonNull(traceId, "traceId");
    return read(tenant, traces -> {
      StoredTrace trace = traces.get(traceId);
      return trace == null ? List.of() : trace.ordered().stream().map(IngestedSpan::span).toList();
    });
  }

  @Override
  public List<TraceMatch> search(String tenant, TraceSearch search) {
    requireNonNull(search, "search");
    TraceSearcher searcher = new TraceSearcher(search);
    return read(tenant, traces -> searcher.run(traces.values(), search.limit()));
  }

  @Override
  public TagNames tagNames(String tenant, long fromEpochNanos, long toEpochNanos, int limit) {
    return read(tenant, traces -> TagDiscovery.names(traces.values(), fromEpochNanos, toEpochNanos, limit));
  }

  @Override
  public List<TagValue> tagValues(String tenant, FieldRef field, long fromEpochNanos, long toEpochNanos, int limit) {
    requireNonNull(field, "field");
    return read(tenant, traces -> TagDiscovery.values(traces.values(), field, fromEpochNanos, toEpochNanos, limit));
  }

  @Override
  public MetricsAnswer metrics(String tenant, MetricsQuery query) {
    requireNonNull(query, "query");
    MetricsEvaluator evaluator = new MetricsEvaluator(query);
    return read(tenant, traces -> evaluator.run(traces.values()));
  }

  @Override
  public CallTable llmCalls(String tenant, CallFilter filter) {
    requireNonNull(filter, "filter");
    return read(tenant, traces -> CallColumns.calls(traces.values(), filter));
  }

  @Override
  public Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
    return read(tenant, traces -> CallColumns.outcomes(traces.values(), fromEpochNanos, toEpochNanos));
  }

  /**
   * Runs a read of one tenant's traces: refused once closed, stopped when the thread's {@link
   * QueryCancellation} fires, after dropping what retention expired.
   */
  private synchronized <T> T read(String tenant, Function<TreeMap<TraceId, StoredTrace>, T> read) {
    Tenants.check(tenant);
    if (closed) {
      throw closedException();
    }
    QueryCancellation.current().check();
    TreeMap<TraceId, StoredTrace> traces = tenants.get(tenant);
    if (traces == null) {
      traces = new TreeMap<>();
    } else {
      expire(traces);
    }
    return read.apply(traces);
  }

  private void expire(TreeMap<TraceId, StoredTrace> traces) {
    if (retention == null) {
      return;
    }
    long cutoff = cutoffNanos();
    Collection<StoredTrace> all = traces.values();
    all.removeIf(trace -> {
      trace.expire(cutoff);
      return trace.isEmpty();
    });
  }

  /** Spans starting before this are past retention (Long.MIN_VALUE without retention). */
  private long cutoffNanos() {
    if (retention == null) {
      return Long.MIN_VALUE;
    }
    Instant now = clock.instant();
    long nowNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    return nowNanos - retention.toNanos();
  }

  private static StoreClosedException closedException() {
    return new StoreClosedException("span store is closed", null);
  }

  @Override
  public synchronized boolean isReady() {
    return !closed;
  }

  /** Refuses every later call with {@link StoreClosedException}; the spans are gone. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    tenants.clear();
  }
}
