package dev.tokentrail.store.opensearch;

import dev.tokentrail.model.TraceId;
import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A {@link SpanStore} in an OpenSearch cluster, for users who outgrow one machine: TokenTrail
 * processes become stateless in front of the cluster, and several may share it. Writes are
 * {@code _bulk} requests acknowledged once OpenSearch acknowledged them durably; spans live in
 * per-day indices under one index template; reads push selection and aggregation down to
 * OpenSearch and decide the rest in Java. Built with {@link #builder()}.
 */
public final class OpenSearchSpanStore implements SpanStore {
  private final OpenSearchClient client;
  private final BulkWriter writer;
  private final RollupMaintainer rollups;
  private final Retention retention;
  private final TraceQueries traces;
  private final CallColumnsReader calls;
  private volatile boolean closed;

  OpenSearchSpanStore(OpenSearchClient client, BulkWriter writer, RollupMaintainer rollups, Retention retention,
      TraceQueries traces, CallColumnsReader calls) {
    this.client = client;
    this.writer = writer;
    this.rollups = rollups;
    this.retention = retention;
    this.traces = traces;
    this.calls = calls;
  }

  public static OpenSearchSpanStoreBuilder builder() {
    return new OpenSearchSpanStoreBuilder();
  }

  @Override
  public CompletableFuture<Void> accept(String tenant, List<IngestedSpan> spans) {
    Tenants.check(tenant);
    requireNonNull(spans, "spans");
    if (closed) {
      return CompletableFuture.failedFuture(closedException());
    }
    return writer.accept(tenant, spans);
  }

  @Override
  public List<Span> getTrace(String tenant, TraceId traceId, long fromEpochNanos, long toEpochNanos) {
    requireNonNull(traceId, "traceId");
    return read(tenant, () -> traces.getTrace(tenant, traceId));
  }

  @Override
  public List<TraceMatch> search(String tenant, TraceSearch search) {
    requireNonNull(search, "search");
    return read(tenant, () -> traces.search(tenant, search));
  }

  @Override
  public TagNames tagNames(String tenant, long fromEpochNanos, long toEpochNanos, int limit) {
    return read(tenant, () -> traces.tagNames(tenant, fromEpochNanos, toEpochNanos, limit));
  }

  @Override
  public List<TagValue> tagValues(String tenant, FieldRef field, long fromEpochNanos, long toEpochNanos, int limit) {
    requireNonNull(field, "field");
    return read(tenant, () -> traces.tagValues(tenant, field, fromEpochNanos, toEpochNanos, limit));
  }

  @Override
  public MetricsAnswer metrics(String tenant, MetricsQuery query) {
    requireNonNull(query, "query");
    return read(tenant, () -> traces.metrics(tenant, query));
  }

  @Override
  public CallTable llmCalls(String tenant, CallFilter filter) {
    return llmCalls(tenant, filter, Integer.MAX_VALUE);
  }

  @Override
  public CallTable llmCalls(String tenant, CallFilter filter, int maxCalls) {
    requireNonNull(filter, "filter");
    return read(tenant, () -> calls.llmCalls(tenant, filter, maxCalls));
  }

  @Override
  public Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
    return read(tenant, () -> calls.outcomes(tenant, fromEpochNanos, toEpochNanos));
  }

  private <T> T read(String tenant, Supplier<T> read) {
    Tenants.check(tenant);
    if (closed) {
      throw closedException();
    }
    QueryCancellation.current().check();
    retention.sweepIfDue();
    return read.get();
  }

  private static StoreClosedException closedException() {
    return new StoreClosedException("span store is closed", null);
  }

  @Override
  public boolean isReady() {
    return !closed;
  }

  /** Completes queued writes, then releases the HTTP client; the spans stay in the cluster. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    writer.close();
    rollups.close();
    client.close();
  }
}
