package dev.tokentrail.store;

import dev.tokentrail.analysis.CallTable;
import dev.tokentrail.analysis.OutcomeAnalysis;
import dev.tokentrail.model.Span;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where spans live. Ingest writes through {@link #accept}; the query API reads through the other
 * methods. The embedded Lucene store is one implementation; every implementation passes the same
 * conformance suite.
 */
public interface SpanStore extends AutoCloseable {

  /**
   * Stores spans. The future completes once the spans survive a process crash; it fails with
   * {@link StoreOverloadedException} when the write queue is full (the caller should ask its client
   * to retry later) or {@link StoreClosedException} when the store is shutting down. A span with
   * the trace id and span id of a stored one replaces it: exporters that retry store once.
   */
  CompletableFuture<Void> accept(List<Span> spans);

  /**
   * Every stored span of a trace, ordered by start time; empty when unknown. Bounds in epoch
   * nanoseconds narrow the partitions searched; 0 means unbounded.
   */
  List<Span> getTrace(String traceId, long fromEpochNanos, long toEpochNanos);

  /** Traces with at least one span matching the search, ranked as it asks. */
  List<TraceMatch> search(TraceSearch search);

  /** Attribute names seen in the time range, by scope. */
  TagNames tagNames(long fromEpochNanos, long toEpochNanos, int limit);

  /** Distinct values of one attribute (or intrinsic) in the time range, most frequent first. */
  List<TagValue> tagValues(FieldRef field, long fromEpochNanos, long toEpochNanos, int limit);

  /**
   * The LLM calls matching the filter as columns, read from doc values (never from stored spans),
   * for the waste and cost analysis.
   */
  CallTable llmCalls(CallFilter filter);

  /** The outcome of every trace with an outcome-bearing span in the window, by trace id (hex). */
  Map<String, OutcomeAnalysis.TraceOutcome> outcomes(long fromEpochNanos, long toEpochNanos);

  /**
   * TraceQL metrics: the spans matching the query's filter in its window, grouped and bucketed by
   * step, with the statistics of its field, computed from the index (never from stored spans).
   * Stores that cannot answer throw {@link UnsupportedOperationException}.
   *
   * @throws IllegalArgumentException for a grouping field the store cannot group by
   */
  default MetricsAnswer metrics(MetricsQuery query) {
    throw new UnsupportedOperationException("TraceQL metrics are not supported by " + getClass().getSimpleName());
  }

  /** Whether the store has finished recovery and accepts writes. */
  boolean isReady();

  /** Flushes, commits and releases everything; acknowledged spans are on disk afterwards. */
  @Override
  void close();
}
