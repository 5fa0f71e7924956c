package dev.tokentrail.store.lucene;

import dev.tokentrail.model.TraceId;
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
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * Ranks the traces a filter matched by their rollups, with rollups computed on read for traces
 * whose rollup is not refreshed yet; and looks up single rollups.
 */
final class TraceRanking {
  private final Partitions partitions;

  TraceRanking(Partitions partitions) {
    this.partitions = partitions;
  }

  /** A rollup document that made the top-N: where it is and its sort keys. */
  private record RankedRollup(double primary, long start, BytesRef traceId, int searcher, int doc) {}

  /** The top {@code limit} of the matched traces by the search's order. */
  List<TraceSummary> rankMatched(String tenant, Map<BytesRef, TraceHits> matched, TraceSearch search) throws IOException {
    String sortField = switch (search.order()) {
      case NEWEST -> TraceRollups.T_START;
      case COST -> TraceRollups.T_COST;
      case TOKENS -> TraceRollups.T_TOKENS;
      case LLM_CALLS -> TraceRollups.T_LLM_CALLS;
    };
    boolean doubleSort = search.order() == TraceSearch.Order.COST;
    // Worst first (the heap drops its head): lower key, older start, greater trace id.
    Comparator<RankedRollup> best = Comparator.comparingDouble(RankedRollup::primary)
        .thenComparingLong(RankedRollup::start)
        .thenComparing(RankedRollup::traceId, Comparator.reverseOrder());
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
            if (top.size() >= search.limit()) {
              RankedRollup worst = top.peek();
              int c = Double.compare(primary, worst.primary());
              if (c < 0 || (c == 0 && (start < worst.start() || (start == worst.start() && id.compareTo(worst.traceId()) > 0)))) {
                return;
              }
            }
            top.add(new RankedRollup(primary, start, BytesRef.deepCopyOf(id), searcherIndex, base + doc));
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
            TraceSummary summary = computeSummary(tenant, SpanDocuments.traceId(id));
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

  private Map<TraceId, TraceSummary> summaries(String tenant, Set<BytesRef> traceIds) throws IOException {
    Map<TraceId, TraceSummary> out = new HashMap<>();
    Query query = new TermInSetQuery(TraceRollups.T_TRACE_ID, traceIds);
    try (StoreSnapshot all = StoreSnapshot.of(partitions, tenant, 0, 0)) {
      for (IndexSearcher searcher : all.searchers) {
        StoredFields stored = searcher.storedFields();
        for (int doc : MatchingDocs.of(searcher, query)) {
          TraceSummary s = TraceRollups.decode(stored.document(doc).getBinaryValue(TraceRollups.T_SUMMARY));
          out.put(s.traceId(), s);
        }
      }
    }
    return out;
  }

  /** A rollup computed on read, for a trace whose rollup is not yet refreshed. */
  TraceSummary computeSummary(String tenant, TraceId traceId) throws IOException {
    TraceRollups.Accumulator acc = new TraceRollups.Accumulator(traceId);
    try (StoreSnapshot all = StoreSnapshot.of(partitions, tenant, 0, 0)) {
      for (int i = 0; i < all.searchers.size(); i++) {
        TraceRollups.collect(all.searchers.get(i), all.parts.get(i), acc);
      }
    }
    return acc.toSummary();
  }

  /** The rollup of one trace, or {@code null} when no span of it is stored. */
  TraceSummary traceSummary(String tenant, TraceId id) {
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

  /** The contract's ranking: the order's key descending, then start descending, then trace id ascending. */
  static Comparator<TraceSummary> comparator(TraceSearch.Order order) {
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
