package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A trace search: spans matching the spansets in the time range select their traces, which are
 * then filtered by aggregate conditions and trace duration, ranked, and cut to {@code limit}.
 * Times are epoch nanoseconds; 0 means unbounded.
 */
public record TraceSearch(
    Spansets spansets,
    List<AggregateCondition> aggregates,
    long fromEpochNanos,
    long toEpochNanos,
    long minTraceDurationNanos,
    long maxTraceDurationNanos,
    int limit,
    int spansPerTrace,
    Order order) {

  /** How matching traces are ranked. */
  public enum Order {
    NEWEST,
    COST,
    TOKENS,
    LLM_CALLS
  }

  public TraceSearch {
    requireNonNull(spansets, "spansets");
    aggregates = List.copyOf(requireNonNull(aggregates, "aggregates"));
    requireNonNull(order, "order");
    if (limit <= 0) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
    }
    if (spansPerTrace < 0) {
      throw new IllegalArgumentException("spansPerTrace: " + spansPerTrace + " (expected: >= 0)");
    }
  }

  public static TraceSearch of(SpanFilter filter, long from, long to, int limit) {
    return new TraceSearch(Spansets.of(filter), List.of(), from, to, 0, 0, limit, 3, Order.NEWEST);
  }

  public static TraceSearch of(Spansets spansets, List<AggregateCondition> aggregates, long from, long to, int limit) {
    return new TraceSearch(spansets, aggregates, from, to, 0, 0, limit, 3, Order.NEWEST);
  }

  public TraceSearch withOrder(Order newOrder) {
    return new TraceSearch(spansets, aggregates, fromEpochNanos, toEpochNanos, minTraceDurationNanos,
        maxTraceDurationNanos, limit, spansPerTrace, newOrder);
  }

  public TraceSearch withSpansPerTrace(int spss) {
    return new TraceSearch(spansets, aggregates, fromEpochNanos, toEpochNanos, minTraceDurationNanos,
        maxTraceDurationNanos, limit, spss, order);
  }
}
