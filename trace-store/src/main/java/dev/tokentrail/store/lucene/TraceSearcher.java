package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Evaluates TraceQL: span filters compiled to Lucene queries (trace-level conditions answered by
 * the rollups), spansets combined as trace sets, aggregate conditions per trace, then ranking;
 * and TraceQL metrics over the matching spans.
 */
final class TraceSearcher {
  private final Partitions partitions;
  private final TraceRanking ranking;
  private final RollupTopN everyTrace;
  private final int regexWorkLimit;

  TraceSearcher(Partitions partitions, TraceRanking ranking, int regexWorkLimit) {
    this.partitions = partitions;
    this.ranking = ranking;
    this.everyTrace = new RollupTopN(partitions);
    this.regexWorkLimit = regexWorkLimit;
  }

  List<TraceMatch> search(String tenant, TraceSearch search) {
    if (search.spansets() instanceof Spansets.Filter f
        && f.filter() instanceof SpanFilter.All
        && search.aggregates().isEmpty()) {
      return everyTrace.rank(tenant, search);
    }
    return search(tenant, search, search.order() == TraceSearch.Order.NEWEST);
  }

  /**
   * The search answered by evaluating every trace the spansets select, whatever the order: what
   * the faster paths must equal.
   */
  List<TraceMatch> searchExhaustive(String tenant, TraceSearch search) {
    return search(tenant, search, false);
  }

  private List<TraceMatch> search(String tenant, TraceSearch search, boolean newestFirst) {
    List<FieldRef> aggregateFields = new ArrayList<>();
    for (AggregateCondition a : search.aggregates()) {
      if (a.field() != null && !aggregateFields.contains(a.field())) {
        aggregateFields.add(a.field());
      }
    }
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, search.fromEpochNanos(), search.toEpochNanos())) {
      TraceSelection selection = new TraceSelection(search, snapshot, aggregateFields, traceLevel(tenant), regexWorkLimit);
      if (newestFirst) {
        // Rollups live in their trace's earliest partition, which may lie outside the window.
        try (StoreSnapshot rollups = StoreSnapshot.of(partitions, tenant, 0, 0)) {
          return new NewestFirst(tenant, search, selection, aggregateFields, snapshot, rollups, ranking).run();
        }
      }
      // 1. Spans matching the spansets, grouped by trace.
      Map<BytesRef, TraceHits> matched = selection.collect(null);
      if (matched.isEmpty()) {
        return List.of();
      }
      // 2. Aggregate conditions per trace.
      if (!search.aggregates().isEmpty()) {
        matched.values().removeIf(hits -> !TraceHits.passes(hits, search.aggregates(), aggregateFields));
      }
      // 3. Rank the matched traces by their rollups: one pass over the rollup doc values keeps the
      //    top `limit` (no per-trace term lookups), then only those summaries are decoded.
      List<TraceSummary> ranked = ranking.rankMatched(tenant, matched, search);
      // 4. Load the few matched spans shown per trace.
      return show(ranked, matched, search, aggregateFields, snapshot);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The matches of the ranked traces: their matched spans shown, counted and aggregated. */
  static List<TraceMatch> show(List<TraceSummary> ranked, Map<BytesRef, TraceHits> matched, TraceSearch search,
      List<FieldRef> aggregateFields, StoreSnapshot snapshot) throws IOException {
    List<TraceMatch> out = new ArrayList<>(Math.min(search.limit(), ranked.size()));
    for (TraceSummary summary : ranked) {
      if (out.size() >= search.limit()) {
        break;
      }
      TraceHits hits = matched.get(SpanDocuments.traceIdBytes(summary.traceId()));
      if (hits == null) {
        continue;
      }
      List<Span> spans = new ArrayList<>(hits.docs.size());
      for (long packed : hits.docs) {
        IndexSearcher searcher = snapshot.searchers.get((int) (packed >>> 32));
        spans.add(SpanDocuments.decode(searcher.storedFields().document((int) packed).getBinaryValue(SpanDocuments.BLOB)));
      }
      spans.sort(TraceLoader.BY_START);
      out.add(new TraceMatch(summary, spans, hits.count, TraceHits.aggregateValues(hits, search.aggregates(), aggregateFields)));
    }
    return out;
  }

  /** Trace-level conditions of one read, each resolved once however often the filters name it. */
  private SpanQueries.TraceLevel traceLevel(String tenant) {
    Map<SpanFilter.Condition, Query> resolved = new HashMap<>();
    return condition -> {
      Query q = resolved.get(condition);
      if (q == null) {
        q = traceLevelQuery(tenant, condition);
        resolved.put(condition, q);
      }
      return q;
    };
  }

  /** Trace-level intrinsics are answered by the rollups: the matching traces' ids. */
  private Query traceLevelQuery(String tenant, SpanFilter.Condition condition) {
    Query rollups =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE)), Occur.FILTER)
            .add(SpanQueries.rollupCondition(condition, regexWorkLimit), Occur.FILTER)
            .build();
    List<BytesRef> ids = new ArrayList<>();
    try (StoreSnapshot all = StoreSnapshot.of(partitions, tenant, 0, 0)) {
      for (IndexSearcher searcher : all.searchers) {
        searcher.search(
            rollups,
            new SimpleCollector() {
              SortedDocValues traceIds;

              @Override
              protected void doSetNextReader(LeafReaderContext context) throws IOException {
                traceIds = context.reader().getSortedDocValues(TraceRollups.T_TRACE_ID);
              }

              @Override
              public void collect(int doc) throws IOException {
                if (traceIds != null && traceIds.advanceExact(doc)) {
                  ids.add(BytesRef.deepCopyOf(traceIds.lookupOrd(traceIds.ordValue())));
                }
              }

              @Override
              public ScoreMode scoreMode() {
                return ScoreMode.COMPLETE_NO_SCORES;
              }
            });
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (ids.isEmpty()) {
      return new MatchNoDocsQuery("no trace matches " + condition);
    }
    return new TermInSetQuery(SpanDocuments.TRACE_ID, ids);
  }

  MetricsAnswer metrics(String tenant, MetricsQuery metricsQuery) {
    MetricsAggregation aggregation = new MetricsAggregation(metricsQuery);
    Query query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
            .add(LongField.newRangeQuery(SpanDocuments.START, metricsQuery.startNanos(), metricsQuery.endNanos() - 1), Occur.FILTER)
            .add(SpanQueries.compile(metricsQuery.filter(), traceLevel(tenant), regexWorkLimit), Occur.FILTER)
            .build();
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, metricsQuery.startNanos(), metricsQuery.endNanos())) {
      for (int i = 0; i < snapshot.searchers.size(); i++) {
        aggregation.collect(i, snapshot.searchers.get(i), query);
      }
      return aggregation.answer(snapshot.searchers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
