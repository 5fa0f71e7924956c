package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.PointValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * Every trace with a span in the window, ranked, for a search matching every span: a sorted top-N
 * over the rollup documents of the traces starting in the window, plus the few traces that
 * started before it and have spans inside (their rollups end after the window's start). Span
 * documents are read only for the traces returned.
 */
final class RollupTopN {
  private final Partitions partitions;

  RollupTopN(Partitions partitions) {
    this.partitions = partitions;
  }

  List<TraceMatch> rank(String tenant, TraceSearch search) {
    Query query = rollups(search, search.fromEpochNanos(), search.toEpochNanos());
    SortField newest = new SortedNumericSortField(TraceRollups.T_START, SortField.Type.LONG, true);
    Sort sort = switch (search.order()) {
      case NEWEST -> new Sort(newest);
      case COST -> new Sort(new SortedNumericSortField(TraceRollups.T_COST, SortField.Type.DOUBLE, true), newest);
      case TOKENS -> new Sort(new SortedNumericSortField(TraceRollups.T_TOKENS, SortField.Type.LONG, true), newest);
      case LLM_CALLS -> new Sort(new SortedNumericSortField(TraceRollups.T_LLM_CALLS, SortField.Type.LONG, true), newest);
    };
    // A rollup lives in its trace's earliest partition, which may start before the window.
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, 0, search.toEpochNanos())) {
      if (snapshot.searchers.isEmpty()) {
        return List.of();
      }
      IndexReader[] readers = new IndexReader[snapshot.searchers.size()];
      for (int i = 0; i < readers.length; i++) {
        readers[i] = snapshot.searchers.get(i).getIndexReader();
      }
      try (MultiReader all = new MultiReader(readers, false)) {
        IndexSearcher searcher = new IndexSearcher(all);
        TopDocs top = searcher.search(query, search.limit(), sort);
        StoredFields stored = searcher.storedFields();
        List<TraceSummary> ranked = new ArrayList<>(top.scoreDocs.length);
        java.util.Set<Integer> docs = new java.util.HashSet<>();
        for (ScoreDoc hit : top.scoreDocs) {
          ranked.add(TraceRollups.decode(stored.document(hit.doc).getBinaryValue(TraceRollups.T_SUMMARY)));
          docs.add(hit.doc);
        }
        if (top.scoreDocs.length == search.limit()) {
          // Ties past the cut go to the smaller trace id: every rollup starting when the last one
          // kept does (few, usually itself) competes for the last places.
          long lastStart = ranked.get(ranked.size() - 1).startEpochNanos();
          Query tied = new BooleanQuery.Builder()
              .add(query, Occur.FILTER)
              .add(LongField.newExactQuery(TraceRollups.T_START, lastStart), Occur.FILTER)
              .build();
          for (int doc : MatchingDocs.of(searcher, tied)) {
            if (!docs.contains(doc)) {
              ranked.add(TraceRollups.decode(stored.document(doc).getBinaryValue(TraceRollups.T_SUMMARY)));
            }
          }
        }
        if (search.fromEpochNanos() > 0) {
          ranked.addAll(startedBefore(searcher, search));
        }
        ranked.sort(TraceRanking.comparator(search.order()));
        ranked = ranked.subList(0, Math.min(search.limit(), ranked.size()));
        List<TraceMatch> out = new ArrayList<>(ranked.size());
        for (TraceSummary summary : ranked) {
          out.add(show(searcher, summary, search));
        }
        return out;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rollups starting in {@code [from, to]} (0: unbounded) within the search's trace duration bounds. */
  private static Query rollups(TraceSearch search, long from, long to) {
    BooleanQuery.Builder query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE)), Occur.FILTER)
            .add(SpanQueries.timeRange(TraceRollups.T_START, from, to), Occur.FILTER);
    if (search.minTraceDurationNanos() > 0 || search.maxTraceDurationNanos() > 0) {
      query.add(LongField.newRangeQuery(TraceRollups.T_DURATION,
          search.minTraceDurationNanos(),
          search.maxTraceDurationNanos() > 0 ? search.maxTraceDurationNanos() : Long.MAX_VALUE), Occur.FILTER);
    }
    return query.build();
  }

  /**
   * Traces that started before the window and have a span starting inside it: among the rollups
   * starting at most the longest trace duration before the window, those ending in it, kept when
   * one of their spans starts in the window.
   */
  static List<TraceSummary> startedBefore(IndexSearcher searcher, TraceSearch search) throws IOException {
    long from = search.fromEpochNanos();
    long longest = -1;
    for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
      PointValues durations = leaf.reader().getPointValues(TraceRollups.T_DURATION);
      if (durations != null && durations.size() > 0) {
        longest = Math.max(longest, NumericUtils.sortableBytesToLong(durations.getMaxPackedValue(), 0));
      }
    }
    if (longest <= 0) {
      return List.of();
    }
    List<BytesRef> candidates = new ArrayList<>();
    List<Integer> docs = new ArrayList<>();
    searcher.search(rollups(search, Math.max(1, from - longest), from - 1), new SimpleCollector() {
      SortedDocValues ids;
      SortedNumericDocValues starts;
      SortedNumericDocValues durations;
      int base;

      @Override
      protected void doSetNextReader(LeafReaderContext context) throws IOException {
        ids = DocValues.getSorted(context.reader(), TraceRollups.T_TRACE_ID);
        starts = DocValues.getSortedNumeric(context.reader(), TraceRollups.T_START);
        durations = DocValues.getSortedNumeric(context.reader(), TraceRollups.T_DURATION);
        base = context.docBase;
      }

      @Override
      public void collect(int doc) throws IOException {
        if (starts.advanceExact(doc) && durations.advanceExact(doc) && ids.advanceExact(doc)
            && starts.nextValue() + durations.nextValue() >= from) {
          candidates.add(BytesRef.deepCopyOf(ids.lookupOrd(ids.ordValue())));
          docs.add(base + doc);
        }
      }

      @Override
      public ScoreMode scoreMode() {
        return ScoreMode.COMPLETE_NO_SCORES;
      }
    });
    if (candidates.isEmpty()) {
      return List.of();
    }
    Query inWindow = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
        .add(SpanQueries.timeRange(SpanDocuments.START, from, search.toEpochNanos()), Occur.FILTER)
        .add(new TermInSetQuery(SpanDocuments.TRACE_ID, candidates), Occur.FILTER)
        .build();
    java.util.Set<BytesRef> withSpanInside = new java.util.HashSet<>();
    searcher.search(inWindow, new SimpleCollector() {
      SortedDocValues ids;

      @Override
      protected void doSetNextReader(LeafReaderContext context) throws IOException {
        ids = DocValues.getSorted(context.reader(), SpanDocuments.TRACE_ID);
      }

      @Override
      public void collect(int doc) throws IOException {
        if (ids.advanceExact(doc)) {
          BytesRef id = ids.lookupOrd(ids.ordValue());
          if (!withSpanInside.contains(id)) {
            withSpanInside.add(BytesRef.deepCopyOf(id));
          }
        }
      }

      @Override
      public ScoreMode scoreMode() {
        return ScoreMode.COMPLETE_NO_SCORES;
      }
    });
    List<TraceSummary> out = new ArrayList<>();
    StoredFields stored = searcher.storedFields();
    for (int i = 0; i < candidates.size(); i++) {
      if (withSpanInside.contains(candidates.get(i))) {
        out.add(TraceRollups.decode(stored.document(docs.get(i)).getBinaryValue(TraceRollups.T_SUMMARY)));
      }
    }
    return out;
  }

  /**
   * The trace's match: every span is matched, so a trace wholly inside the window matched its span
   * count; one reaching outside it is counted (and shown) from its spans in the window.
   */
  private static TraceMatch show(IndexSearcher searcher, TraceSummary summary, TraceSearch search) throws IOException {
    long from = search.fromEpochNanos();
    long to = search.toEpochNanos();
    boolean inside = (from <= 0 || summary.startEpochNanos() >= from)
        && (to <= 0 || summary.startEpochNanos() + summary.durationNanos() <= to);
    // Every span of the trace starts within its rollup: segments outside that range are skipped
    // before the trace id is sought.
    long first = summary.startEpochNanos();
    long last = first + summary.durationNanos();
    if (!inside) {
      first = from > 0 ? Math.max(first, from) : first;
      last = to > 0 ? Math.min(last, to) : last;
    }
    BooleanQuery.Builder traceSpans = new BooleanQuery.Builder()
        .add(LongField.newRangeQuery(SpanDocuments.START, first, last), Occur.FILTER)
        .add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(summary.traceId()))), Occur.FILTER)
        .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER);
    List<Span> spans = new ArrayList<>();
    int matched = summary.spanCount();
    if (inside) {
      if (search.spansPerTrace() > 0) {
        TraceLoader.collectSpans(searcher, traceSpans.build(), search.spansPerTrace(), spans);
      }
    } else {
      Query q = traceSpans.build();
      matched = searcher.count(q);
      TraceLoader.collectSpans(searcher, q, search.spansPerTrace(), spans);
    }
    spans.sort(TraceLoader.BY_START);
    return new TraceMatch(summary, spans, matched, Map.of());
  }
}
