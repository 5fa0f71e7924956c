package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A trace search, as every store answers it:
 *
 * <ol>
 *   <li><b>Match.</b> A span matches a {@link Spansets.Filter} when it satisfies its {@link
 *       SpanFilter} and starts within [{@code fromEpochNanos}, {@code toEpochNanos}] (0 =
 *       unbounded). A trace is selected by a filter when at least one of its spans matches; {@link
 *       Spansets.Combine} {@code &&} selects traces selected by both sides (their matched spans
 *       together, a span matched by both sides once), {@code ||} by either. This holds for a
 *       search matching every span too: a trace that started before the window is selected by
 *       its spans inside it.
 *   <li><b>Aggregate.</b> Each {@link AggregateCondition} is computed over the trace's matched
 *       spans ({@code count()} counts them; {@code sum}, {@code avg}, {@code min}, {@code max}
 *       read the field where a matched span has it, numerically: a numeric attribute (the
 *       smallest number of a list; unscoped: the span's value, else the resource's) or {@code
 *       duration} in nanoseconds; with no span having it the aggregate is undefined and the
 *       condition fails). Traces failing any condition drop out.
 *   <li><b>Trace duration.</b> With {@code minTraceDurationNanos}/{@code maxTraceDurationNanos}
 *       above 0, the trace's rollup duration must lie within them (inclusive).
 *   <li><b>Rank.</b> By {@link Order}, on the trace's rollup ({@link TraceSummary}): NEWEST by
 *       start time descending; COST, TOKENS, LLM_CALLS by that total descending, then start time
 *       descending. Remaining ties: trace id ascending. The first {@code limit} traces are
 *       returned.
 *   <li><b>Show.</b> Each {@link TraceMatch} carries the rollup, the number of matched spans, the
 *       value of each aggregate by its label (an empty map without aggregates), and up to {@code
 *       spansPerTrace} matched spans ordered by start time: {@code min(spansPerTrace, matched)}
 *       of them, which ones being the store's choice (for a search matching every span: any
 *       spans of the trace).
 * </ol>
 *
 * <p>The rollup (see {@link TraceSummary}) covers every stored span of the trace, inside the
 * window or not.
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
