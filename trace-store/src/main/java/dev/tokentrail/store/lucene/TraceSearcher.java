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
import java.util.Comparator;
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
  private final int regexWorkLimit;

  TraceSearcher(Partitions partitions, TraceRanking ranking, int regexWorkLimit) {
    this.partitions = partitions;
    this.ranking = ranking;
    this.regexWorkLimit = regexWorkLimit;
  }

  List<TraceMatch> search(String tenant, TraceSearch search) {
    List<FieldRef> aggregateFields = new ArrayList<>();
    for (AggregateCondition a : search.aggregates()) {
      if (a.field() != null && !aggregateFields.contains(a.field())) {
        aggregateFields.add(a.field());
      }
    }
    if (search.spansets() instanceof Spansets.Filter f
        && f.filter() instanceof SpanFilter.All
        && search.aggregates().isEmpty()) {
      return ranking.rankRollups(tenant, search);
    }
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, search.fromEpochNanos(), search.toEpochNanos())) {
      // 1. Spans matching each spanset, grouped by trace; spansets combined as trace sets.
      Map<BytesRef, TraceHits> matched = evaluate(tenant, search.spansets(), search, snapshot, aggregateFields);
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
      List<TraceMatch> out = new ArrayList<>(Math.min(search.limit(), ranked.size()));
      for (TraceSummary summary : ranked) {
        if (out.size() >= search.limit()) {
          break;
        }
        TraceHits hits = matched.get(SpanDocuments.traceIdBytes(summary.traceId()));
        List<Span> spans = new ArrayList<>(hits.docs.size());
        for (long packed : hits.docs) {
          IndexSearcher searcher = snapshot.searchers.get((int) (packed >>> 32));
          spans.add(SpanDocuments.decode(searcher.storedFields().document((int) packed).getBinaryValue(SpanDocuments.BLOB)));
        }
        spans.sort(Comparator.comparingLong(Span::startEpochNanos));
        out.add(new TraceMatch(summary, spans, hits.count, TraceHits.aggregateValues(hits, search.aggregates(), aggregateFields)));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Map<BytesRef, TraceHits> evaluate(
      String tenant, Spansets node, TraceSearch search, StoreSnapshot snapshot, List<FieldRef> fields) throws IOException {
    return switch (node) {
      case Spansets.Filter f -> {
        Query query =
            new BooleanQuery.Builder()
                .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
                .add(SpanQueries.timeRange(SpanDocuments.START, search.fromEpochNanos(), search.toEpochNanos()), Occur.FILTER)
                .add(SpanQueries.compile(f.filter(), c -> traceLevelQuery(tenant, c), regexWorkLimit), Occur.FILTER)
                .build();
        Map<BytesRef, TraceHits> hits = new HashMap<>();
        for (int i = 0; i < snapshot.searchers.size(); i++) {
          TraceMatches.collect(snapshot.searchers.get(i), i, query, search.spansPerTrace(), fields, hits);
        }
        yield hits;
      }
      case Spansets.Combine c -> {
        Map<BytesRef, TraceHits> left = evaluate(tenant, c.left(), search, snapshot, fields);
        if (c.and() && left.isEmpty()) {
          yield left;
        }
        Map<BytesRef, TraceHits> right = evaluate(tenant, c.right(), search, snapshot, fields);
        if (c.and()) {
          left.keySet().retainAll(right.keySet());
          for (Map.Entry<BytesRef, TraceHits> e : left.entrySet()) {
            e.getValue().merge(right.get(e.getKey()), search.spansPerTrace());
          }
        } else {
          for (Map.Entry<BytesRef, TraceHits> e : right.entrySet()) {
            TraceHits existing = left.putIfAbsent(e.getKey(), e.getValue());
            if (existing != null) {
              existing.merge(e.getValue(), search.spansPerTrace());
            }
          }
        }
        yield left;
      }
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
            .add(SpanQueries.compile(metricsQuery.filter(), c -> traceLevelQuery(tenant, c), regexWorkLimit), Occur.FILTER)
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
