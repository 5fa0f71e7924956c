package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Ids;
import dev.tokentrail.model.Span;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
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
 * Ranks traces by their rollups: every trace in a window straight from the rollup documents
 * (sorted top-N), or the traces a filter matched, with rollups computed on read for traces whose
 * rollup is not refreshed yet.
 */
final class TraceRanking {
  private final Partitions partitions;

  TraceRanking(Partitions partitions) {
    this.partitions = partitions;
  }

  /**
   * Every trace in the window, ranked: answered from the rollup documents alone with a sorted
   * top-N search, never touching span documents except the few shown per trace.
   */
  List<TraceMatch> rankRollups(String tenant, TraceSearch search) {
    BooleanQuery.Builder query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE)), Occur.FILTER)
            .add(SpanQueries.timeRange(TraceRollups.T_START, search.fromEpochNanos(), search.toEpochNanos()), Occur.FILTER);
    if (search.minTraceDurationNanos() > 0 || search.maxTraceDurationNanos() > 0) {
      query.add(LongField.newRangeQuery(TraceRollups.T_DURATION,
          search.minTraceDurationNanos(),
          search.maxTraceDurationNanos() > 0 ? search.maxTraceDurationNanos() : Long.MAX_VALUE), Occur.FILTER);
    }
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
        TopDocs top = searcher.search(query.build(), search.limit(), sort);
        StoredFields stored = searcher.storedFields();
        List<TraceMatch> out = new ArrayList<>(top.scoreDocs.length);
        for (ScoreDoc hit : top.scoreDocs) {
          TraceSummary summary = TraceRollups.decode(stored.document(hit.doc).getBinaryValue(TraceRollups.T_SUMMARY));
          List<Span> spans = new ArrayList<>();
          if (search.spansPerTrace() > 0) {
            Query traceSpans =
                new BooleanQuery.Builder()
                    .add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(summary.traceId()))), Occur.FILTER)
                    .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
                    .build();
            TraceLoader.collectSpans(searcher, traceSpans, search.spansPerTrace(), spans);
            spans.sort(Comparator.comparingLong(Span::startEpochNanos));
          }
          out.add(new TraceMatch(summary, spans, summary.spanCount(), Map.of()));
        }
        return out;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A rollup document that made the top-N: where it is and its sort keys. */
  private record RankedRollup(double primary, long start, int searcher, int doc) {}
  List<TraceSummary> rankMatched(String tenant, Map<BytesRef, TraceHits> matched, TraceSearch search) throws IOException {
    String sortField = switch (search.order()) {
      case NEWEST -> TraceRollups.T_START;
      case COST -> TraceRollups.T_COST;
      case TOKENS -> TraceRollups.T_TOKENS;
      case LLM_CALLS -> TraceRollups.T_LLM_CALLS;
    };
    boolean doubleSort = search.order() == TraceSearch.Order.COST;
    Comparator<RankedRollup> best = Comparator.comparingDouble(RankedRollup::primary)
        .thenComparingLong(RankedRollup::start);
    PriorityQueue<RankedRollup> top = new PriorityQueue<>(search.limit() + 1, best);
    Set<BytesRef> withRollup = new HashSet<>();
    Query rollups = new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE));
    try (StoreSnapshot all = StoreSnapshot.of(partitions, tenant, 0, 0)) {
      for (int i = 0; i < all.searchers.size(); i++) {
        int searcherIndex = i;
        IndexSearcher searcher = all.searchers.get(i);
        searcher.search(rollups, new SimpleCollector() {
          SortedDocValues ids;
          SortedNumericDocValues sort;
          SortedNumericDocValues starts;
          SortedNumericDocValues durations;
          int base;

          @Override
          protected void doSetNextReader(LeafReaderContext context) throws IOException {
            LeafReader r = context.reader();
            ids = DocValues.getSorted(r, TraceRollups.T_TRACE_ID);
            sort = DocValues.getSortedNumeric(r, sortField);
            starts = DocValues.getSortedNumeric(r, TraceRollups.T_START);
            durations = DocValues.getSortedNumeric(r, TraceRollups.T_DURATION);
            base = context.docBase;
          }

          @Override
          public void collect(int doc) throws IOException {
            if (!ids.advanceExact(doc)) {
              return;
            }
            BytesRef id = ids.lookupOrd(ids.ordValue());
            if (!matched.containsKey(id)) {
              return;
            }
            withRollup.add(BytesRef.deepCopyOf(id));
            long duration = durations.advanceExact(doc) ? durations.nextValue() : 0;
            if ((search.minTraceDurationNanos() > 0 && duration < search.minTraceDurationNanos())
                || (search.maxTraceDurationNanos() > 0 && duration > search.maxTraceDurationNanos())) {
              return;
            }
            long raw = sort.advanceExact(doc) ? sort.nextValue() : 0;
            double primary = doubleSort ? NumericUtils.sortableLongToDouble(raw) : raw;
            long start = starts.advanceExact(doc) ? starts.nextValue() : 0;
            top.add(new RankedRollup(primary, start, searcherIndex, base + doc));
            if (top.size() > search.limit()) {
              top.poll();
            }
          }

          @Override
          public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
          }
        });
      }
      List<TraceSummary> ranked = new ArrayList<>(top.size());
      for (RankedRollup r : top) {
        IndexSearcher searcher = all.searchers.get(r.searcher());
        ranked.add(TraceRollups.decode(searcher.storedFields().document(r.doc()).getBinaryValue(TraceRollups.T_SUMMARY)));
      }
      // Traces whose rollup is not refreshed yet (their spans arrived within the last moment).
      if (withRollup.size() < matched.size()) {
        for (BytesRef id : matched.keySet()) {
          if (!withRollup.contains(id)) {
            TraceSummary summary = computeSummary(tenant, Ids.toHex(BytesRef.deepCopyOf(id).bytes));
            if ((search.minTraceDurationNanos() <= 0 || summary.durationNanos() >= search.minTraceDurationNanos())
                && (search.maxTraceDurationNanos() <= 0 || summary.durationNanos() <= search.maxTraceDurationNanos())) {
              ranked.add(summary);
            }
          }
        }
      }
      ranked.sort(comparator(search.order()));
      return ranked.size() > search.limit() ? ranked.subList(0, search.limit()) : ranked;
    }
  }

  private Map<String, TraceSummary> summaries(String tenant, Set<BytesRef> traceIds) throws IOException {
    Map<String, TraceSummary> out = new HashMap<>();
    Query query = new TermInSetQuery(TraceRollups.T_TRACE_ID, traceIds);
    try (StoreSnapshot all = StoreSnapshot.of(partitions, tenant, 0, 0)) {
      for (IndexSearcher searcher : all.searchers) {
        List<int[]> hits = new ArrayList<>();
        searcher.search(
            query,
            new SimpleCollector() {
              int base;

              @Override
              protected void doSetNextReader(LeafReaderContext context) {
                base = context.docBase;
              }

              @Override
              public void collect(int doc) {
                hits.add(new int[] {base + doc});
              }

              @Override
              public ScoreMode scoreMode() {
                return ScoreMode.COMPLETE_NO_SCORES;
              }
            });
        StoredFields stored = searcher.storedFields();
        for (int[] hit : hits) {
          TraceSummary s = TraceRollups.decode(stored.document(hit[0]).getBinaryValue(TraceRollups.T_SUMMARY));
          out.put(s.traceId(), s);
        }
      }
    }
    return out;
  }

  /** A rollup computed on read, for a trace whose rollup is not yet refreshed. */
  private TraceSummary computeSummary(String tenant, String traceId) throws IOException {
    TraceRollups.Accumulator acc = new TraceRollups.Accumulator(traceId);
    try (StoreSnapshot all = StoreSnapshot.of(partitions, tenant, 0, 0)) {
      for (int i = 0; i < all.searchers.size(); i++) {
        TraceRollups.collect(all.searchers.get(i), all.parts.get(i), acc);
      }
    }
    return acc.toSummary();
  }

  /** The rollup of one trace, or {@code null} when no span of it is stored. */
  TraceSummary traceSummary(String tenant, String traceId) {
    String id = Ids.normalizeTraceId(traceId);
    if (id == null) {
      throw new IllegalArgumentException("traceId: " + traceId + " (expected: up to 32 hex digits)");
    }
    try {
      TraceSummary s = summaries(tenant, Set.of(SpanDocuments.traceIdBytes(id))).get(id);
      if (s == null) {
        TraceSummary computed = computeSummary(tenant, id);
        return computed.spanCount() == 0 ? null : computed;
      }
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Comparator<TraceSummary> comparator(TraceSearch.Order order) {
    Comparator<TraceSummary> newest = Comparator.comparingLong(TraceSummary::startEpochNanos).reversed();
    return switch (order) {
      case NEWEST -> newest;
      case COST -> Comparator.comparingDouble(TraceSummary::costUsd).reversed().thenComparing(newest);
      case TOKENS -> Comparator.comparingLong(TraceSummary::totalTokens).reversed().thenComparing(newest);
      case LLM_CALLS -> Comparator.comparingInt(TraceSummary::llmCallCount).reversed().thenComparing(newest);
    };
  }
}
