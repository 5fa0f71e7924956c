package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

/**
 * A trace search: spans matching {@link #filter()} in the time range select their traces, which
 * are then filtered by rollup bounds and ranked. Times are epoch nanoseconds; 0 means unbounded.
 */
public record TraceSearch(
    SpanFilter filter,
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
    requireNonNull(filter, "filter");
    requireNonNull(order, "order");
    if (limit <= 0) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
    }
    if (spansPerTrace < 0) {
      throw new IllegalArgumentException("spansPerTrace: " + spansPerTrace + " (expected: >= 0)");
    }
  }

  public static TraceSearch of(SpanFilter filter, long from, long to, int limit) {
    return new TraceSearch(filter, from, to, 0, 0, limit, 3, Order.NEWEST);
  }

  public TraceSearch withOrder(Order newOrder) {
    return new TraceSearch(
        filter, fromEpochNanos, toEpochNanos, minTraceDurationNanos, maxTraceDurationNanos, limit,
        spansPerTrace, newOrder);
  }

  public TraceSearch withSpansPerTrace(int spss) {
    return new TraceSearch(
        filter, fromEpochNanos, toEpochNanos, minTraceDurationNanos, maxTraceDurationNanos, limit,
        spss, order);
  }

  public TraceSearch withTraceDuration(long minNanos, long maxNanos) {
    return new TraceSearch(filter, fromEpochNanos, toEpochNanos, minNanos, maxNanos, limit,
        spansPerTrace, order);
  }
}
