package dev.tokentrail.store.opensearch;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The exact, in-Java part of a {@link TraceSearch}, step by step as its Javadoc numbers them: match,
 * aggregate, trace duration, rank, show, over the candidate traces OpenSearch selected (a superset
 * of the answer, see {@link SpanQueries}) with every span of each loaded.
 */
final class TraceSearcher {
  private final TraceSearch search;
  private final Map<Spansets.Filter, SpanMatcher> matchers = new LinkedHashMap<>();

  TraceSearcher(TraceSearch search) {
    this.search = search;
    compile(search.spansets());
    for (AggregateCondition a : search.aggregates()) {
      if (a.field() != null && a.field().scope() == FieldRef.Scope.INTRINSIC && !a.field().name().equals(FieldRef.DURATION)) {
        throw new IllegalArgumentException("aggregate over " + a.field() + " (expected: a numeric attribute or duration)");
      }
    }
  }

  private void compile(Spansets node) {
    switch (node) {
      case Spansets.Filter f -> matchers.put(f, new SpanMatcher(f.filter()));
      case Spansets.Combine c -> {
        compile(c.left());
        compile(c.right());
      }
    }
  }

  List<TraceMatch> run(Collection<TraceSpans> traces) {
    QueryCancellation cancellation = QueryCancellation.current();
    record Hit(TraceSpans trace, List<StoredSpan> matched) {}
    List<Hit> hits = new ArrayList<>();
    for (TraceSpans trace : traces) {
      cancellation.check();
      Map<String, StoredSpan> matched = evaluate(search.spansets(), trace);
      if (matched == null) {
        continue;
      }
      List<StoredSpan> spans = new ArrayList<>(matched.values());
      if (!passesAggregates(spans)) {
        continue;
      }
      TraceSummary summary = trace.summary();
      if (search.minTraceDurationNanos() > 0 && summary.durationNanos() < search.minTraceDurationNanos()) {
        continue;
      }
      if (search.maxTraceDurationNanos() > 0 && summary.durationNanos() > search.maxTraceDurationNanos()) {
        continue;
      }
      hits.add(new Hit(trace, spans));
    }
    hits.sort(Comparator.comparing((Hit h) -> h.trace().summary(), ranking(search.order())));
    List<TraceMatch> out = new ArrayList<>();
    for (Hit hit : hits.subList(0, Math.min(search.limit(), hits.size()))) {
      List<StoredSpan> ordered = new ArrayList<>(hit.matched());
      ordered.sort(TraceSpans.BY_START);
      List<Span> shown = new ArrayList<>();
      for (StoredSpan s : ordered.subList(0, Math.min(search.spansPerTrace(), ordered.size()))) {
        shown.add(s.span());
      }
      out.add(new TraceMatch(hit.trace().summary(), List.copyOf(shown), ordered.size(), aggregateValues(ordered)));
    }
    return out;
  }

  /** The trace's matched spans by span id, or null when the spansets do not select the trace. */
  private Map<String, StoredSpan> evaluate(Spansets node, TraceSpans trace) {
    return switch (node) {
      case Spansets.Filter f -> {
        SpanMatcher matcher = matchers.get(f);
        Map<String, StoredSpan> matched = new TreeMap<>();
        for (StoredSpan s : trace.spans()) {
          if (inWindow(s.span().startEpochNanos()) && matcher.matches(s.span(), trace::summary)) {
            matched.put(s.span().spanId().hex(), s);
          }
        }
        yield matched.isEmpty() ? null : matched;
      }
      case Spansets.Combine c -> {
        Map<String, StoredSpan> left = evaluate(c.left(), trace);
        Map<String, StoredSpan> right = evaluate(c.right(), trace);
        if (c.and() && (left == null || right == null)) {
          yield null;
        }
        if (left == null || right == null) {
          yield left == null ? right : left;
        }
        // Both sides' matched spans, each span once.
        Map<String, StoredSpan> union = new TreeMap<>(left);
        union.putAll(right);
        yield union;
      }
    };
  }

  private boolean inWindow(long start) {
    return (search.fromEpochNanos() <= 0 || start >= search.fromEpochNanos())
        && (search.toEpochNanos() <= 0 || start <= search.toEpochNanos());
  }

  private boolean passesAggregates(List<StoredSpan> matched) {
    for (AggregateCondition a : search.aggregates()) {
      double value = aggregate(a, matched);
      if (Double.isNaN(value) || !a.test(value)) {
        return false;
      }
    }
    return true;
  }

  private Map<String, Double> aggregateValues(List<StoredSpan> matched) {
    if (search.aggregates().isEmpty()) {
      return Map.of();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (AggregateCondition a : search.aggregates()) {
      out.put(a.label(), aggregate(a, matched));
    }
    return out;
  }

  /** The aggregate over the matched spans; NaN when no matched span has the field. */
  static double aggregate(AggregateCondition a, List<StoredSpan> matched) {
    if (a.function() == AggregateCondition.Function.COUNT) {
      return matched.size();
    }
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int n = 0;
    for (StoredSpan s : matched) {
      double v = a.field().scope() == FieldRef.Scope.INTRINSIC
          ? s.span().durationNanos()
          : AttributeValues.number(s.span(), a.field());
      if (Double.isNaN(v)) {
        continue;
      }
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
      n++;
    }
    if (n == 0) {
      return Double.NaN;
    }
    return switch (a.function()) {
      case SUM -> sum;
      case AVG -> sum / n;
      case MIN -> min;
      case MAX -> max;
      case COUNT -> n;
    };
  }

  /** {@link TraceSearch.Order}'s ranking, remaining ties by trace id ascending. */
  static Comparator<TraceSummary> ranking(TraceSearch.Order order) {
    Comparator<TraceSummary> newest = Comparator.comparingLong(TraceSummary::startEpochNanos).reversed();
    Comparator<TraceSummary> primary = switch (order) {
      case NEWEST -> newest;
      case COST -> Comparator.comparingDouble(TraceSummary::costUsd).reversed().thenComparing(newest);
      case TOKENS -> Comparator.comparingLong(TraceSummary::totalTokens).reversed().thenComparing(newest);
      case LLM_CALLS -> Comparator.comparingInt(TraceSummary::llmCallCount).reversed().thenComparing(newest);
    };
    return primary.thenComparing(TraceSummary::traceId);
  }
}
