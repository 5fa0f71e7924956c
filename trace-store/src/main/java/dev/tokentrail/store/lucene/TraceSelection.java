package dev.tokentrail.store.lucene;

import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceSearch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Which traces a search's spansets select, and their matched spans, over one snapshot. A span is
 * matched when it starts in the window and satisfies any filter of the spansets; a trace is
 * selected as {@link Spansets} combines its filters. Both can be asked for a subset of traces (a
 * restricting query on the trace id), which is how the newest-first search evaluates only the
 * traces that can still make its top N.
 */
final class TraceSelection {
  private final TraceSearch search;
  private final StoreSnapshot snapshot;
  private final List<FieldRef> fields;
  private final Map<Spansets.Filter, Query> filters = new HashMap<>();
  private final Query anyFilter;

  TraceSelection(TraceSearch search, StoreSnapshot snapshot, List<FieldRef> fields, SpanQueries.TraceLevel traceLevel,
      int regexWorkLimit) {
    this.search = search;
    this.snapshot = snapshot;
    this.fields = fields;
    List<SpanFilter> leaves = new ArrayList<>();
    compile(search.spansets(), traceLevel, regexWorkLimit, leaves);
    this.anyFilter = leaves.size() == 1
        ? filters.values().iterator().next()
        : SpanQueries.compile(new SpanFilter.Or(leaves), traceLevel, regexWorkLimit);
  }

  private void compile(Spansets node, SpanQueries.TraceLevel traceLevel, int regexWorkLimit, List<SpanFilter> leaves) {
    switch (node) {
      case Spansets.Filter f -> {
        if (!filters.containsKey(f)) {
          filters.put(f, SpanQueries.compile(f.filter(), traceLevel, regexWorkLimit));
          leaves.add(f.filter());
        }
      }
      case Spansets.Combine c -> {
        compile(c.left(), traceLevel, regexWorkLimit, leaves);
        compile(c.right(), traceLevel, regexWorkLimit, leaves);
      }
    }
  }

  /**
   * Spans starting in {@code [lo, hi]} (within the window) satisfying any filter of the spansets:
   * every matched span there, and spans of traces the spansets may not select.
   */
  Query anyMatchedSpan(long lo, long hi) {
    return new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
        .add(LongField.newRangeQuery(SpanDocuments.START, lo, hi), Occur.FILTER)
        .add(anyFilter, Occur.FILTER)
        .build();
  }

  /**
   * The selected traces (among those {@code restrict} admits; null: all) with their matched spans
   * (each span once, whichever filters it satisfies).
   */
  Map<BytesRef, TraceHits> collect(Query restrict) throws IOException {
    Map<BytesRef, TraceHits> hits = group(spans(anyFilter, restrict), search.spansPerTrace(), fields, restrict != null);
    if (search.spansets() instanceof Spansets.Combine && !hits.isEmpty()) {
      hits.keySet().retainAll(select(search.spansets(), restrict));
    }
    return hits;
  }

  private Set<BytesRef> select(Spansets node, Query restrict) throws IOException {
    return switch (node) {
      case Spansets.Filter f -> group(spans(filters.get(f), restrict), 0, List.of(), restrict != null).keySet();
      case Spansets.Combine c -> {
        Set<BytesRef> left = select(c.left(), restrict);
        if (c.and() && left.isEmpty()) {
          yield left;
        }
        Set<BytesRef> right = select(c.right(), restrict);
        Set<BytesRef> out = new HashSet<>(left);
        if (c.and()) {
          out.retainAll(right);
        } else {
          out.addAll(right);
        }
        yield out;
      }
    };
  }

  private Query spans(Query filter, Query restrict) {
    BooleanQuery.Builder q = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
        .add(SpanQueries.timeRange(SpanDocuments.START, search.fromEpochNanos(), search.toEpochNanos()), Occur.FILTER)
        .add(filter, Occur.FILTER);
    if (restrict != null) {
      q.add(restrict, Occur.FILTER);
    }
    return q.build();
  }

  private Map<BytesRef, TraceHits> group(Query query, int spss, List<FieldRef> fieldList, boolean few) throws IOException {
    Map<BytesRef, TraceHits> hits = new HashMap<>();
    for (int i = 0; i < snapshot.searchers.size(); i++) {
      TraceMatches.collect(snapshot.searchers.get(i), i, query, spss, fieldList, hits, few);
    }
    return hits;
  }
}
