package dev.tokentrail.store.lucene;

import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceSearch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
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
  private final Map<Spansets.Filter, Query> filters = new LinkedHashMap<>();
  private final Query anyFilter;
  private final SpanQueries.TraceLevel traceLevel;
  private final int regexWorkLimit;

  TraceSelection(TraceSearch search, StoreSnapshot snapshot, List<FieldRef> fields, SpanQueries.TraceLevel traceLevel,
      int regexWorkLimit) {
    this.search = search;
    this.snapshot = snapshot;
    this.fields = fields;
    this.traceLevel = traceLevel;
    this.regexWorkLimit = regexWorkLimit;
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
   * (each span once, whichever filters it satisfies). Under a {@link Spansets.Combine}, a trace's
   * matched spans are those of the filters that take part in selecting it: with {@code (A && B) ||
   * C}, a trace selected by C alone shows C's spans, not its spans that match B.
   */
  Map<BytesRef, TraceHits> collect(Query restrict) throws IOException {
    Map<BytesRef, TraceHits> hits = group(spans(anyFilter, restrict), search.spansPerTrace(), fields, restrict != null);
    if (!(search.spansets() instanceof Spansets.Combine) || hits.isEmpty()) {
      return hits;
    }
    List<Spansets.Filter> leaves = new ArrayList<>(filters.keySet());
    Map<BytesRef, BitSet> selected = select(search.spansets(), restrict, leaves);
    hits.keySet().retainAll(selected.keySet());
    // Traces where only some filters take part: their spans matched by the others must not count.
    Map<BitSet, List<BytesRef>> partial = new HashMap<>();
    for (Map.Entry<BytesRef, BitSet> e : selected.entrySet()) {
      if (e.getValue().cardinality() < leaves.size() && hits.containsKey(e.getKey())) {
        partial.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
      }
    }
    for (Map.Entry<BitSet, List<BytesRef>> e : partial.entrySet()) {
      List<SpanFilter> taking = new ArrayList<>();
      e.getValue().forEach(hits::remove);
      for (int i = e.getKey().nextSetBit(0); i >= 0; i = e.getKey().nextSetBit(i + 1)) {
        taking.add(leaves.get(i).filter());
      }
      Query filter = taking.size() == 1
          ? filters.get(new Spansets.Filter(taking.get(0)))
          : SpanQueries.compile(new SpanFilter.Or(taking), traceLevel, regexWorkLimit);
      Query theseTraces = new TermInSetQuery(SpanDocuments.TRACE_ID, e.getValue());
      Query within = restrict == null ? theseTraces
          : new BooleanQuery.Builder().add(theseTraces, Occur.FILTER).add(restrict, Occur.FILTER).build();
      hits.putAll(group(spans(filter, within), search.spansPerTrace(), fields, true));
    }
    return hits;
  }

  /** The traces {@code node} selects, each with the filters (bits of {@code leaves}) taking part. */
  private Map<BytesRef, BitSet> select(Spansets node, Query restrict, List<Spansets.Filter> leaves) throws IOException {
    return switch (node) {
      case Spansets.Filter f -> {
        Map<BytesRef, BitSet> out = new HashMap<>();
        BitSet bit = new BitSet();
        bit.set(leaves.indexOf(f));
        for (BytesRef trace : group(spans(filters.get(f), restrict), 0, List.of(), restrict != null).keySet()) {
          out.put(trace, bit);
        }
        yield out;
      }
      case Spansets.Combine c -> {
        Map<BytesRef, BitSet> left = select(c.left(), restrict, leaves);
        if (c.and() && left.isEmpty()) {
          yield left;
        }
        Map<BytesRef, BitSet> right = select(c.right(), restrict, leaves);
        Map<BytesRef, BitSet> out = new HashMap<>();
        for (Map.Entry<BytesRef, BitSet> e : left.entrySet()) {
          BitSet other = right.get(e.getKey());
          if (other != null || !c.and()) {
            out.put(e.getKey(), union(e.getValue(), other));
          }
        }
        if (!c.and()) {
          for (Map.Entry<BytesRef, BitSet> e : right.entrySet()) {
            out.putIfAbsent(e.getKey(), e.getValue());
          }
        }
        yield out;
      }
    };
  }

  private static BitSet union(BitSet a, BitSet b) {
    if (b == null || b.equals(a)) {
      return a;
    }
    BitSet out = (BitSet) a.clone();
    out.or(b);
    return out;
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
