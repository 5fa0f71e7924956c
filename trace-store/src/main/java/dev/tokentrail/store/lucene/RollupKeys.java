package dev.tokentrail.store.lucene;

import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * The ranking keys of traces for a newest-first search, read from their rollups' doc values
 * (computed from the spans for a trace whose rollup is not written yet): start, and whether the
 * trace is within the search's duration bounds and can pass its cost condition at all.
 */
final class RollupKeys {
  private final String tenant;
  private final TraceSearch search;
  private final StoreSnapshot rollups;
  private final TraceRanking ranking;
  private CostFloor costFloor;
  /** The longest rollup duration stored. */
  private long longest;

  RollupKeys(String tenant, TraceSearch search, StoreSnapshot rollups, TraceRanking ranking) {
    this.tenant = tenant;
    this.search = search;
    this.rollups = rollups;
    this.ranking = ranking;
  }

  /** Reads what the keys depend on beyond the search: whether rollup costs bound the cost sums. */
  void prepare() throws IOException {
    costFloor = costFloor();
    for (IndexSearcher searcher : rollups.searchers) {
      for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
        org.apache.lucene.index.PointValues durations = leaf.reader().getPointValues(TraceRollups.T_DURATION);
        if (durations != null && durations.size() > 0) {
          longest = Math.max(longest, NumericUtils.sortableBytesToLong(durations.getMaxPackedValue(), 0));
        }
      }
    }
  }

  private static RankedTrace computed(BytesRef id, TraceSummary summary) {
    return new RankedTrace(id, summary.startEpochNanos(), summary.startEpochNanos() + summary.durationNanos(), -1, -1, summary);
  }

  /** The trace's rollup. */
  TraceSummary summary(RankedTrace r) throws IOException {
    return r.computed() != null ? r.computed() : TraceRollups.decode(
        rollups.searchers.get(r.searcher()).storedFields().document(r.doc()).getBinaryValue(TraceRollups.T_SUMMARY));
  }

  /**
   * Traces whose rollup starts in {@code [lo, hi]} within the duration bounds: for a search
   * matching every span, exactly the traces selected by their earliest span, with their rank.
   */
  List<RankedTrace> startingIn(long lo, long hi) throws IOException {
    BooleanQuery.Builder query = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE)), Occur.FILTER)
        .add(LongField.newRangeQuery(TraceRollups.T_START, lo, hi), Occur.FILTER);
    List<RankedTrace> out = new ArrayList<>();
    collectRollups(query.build(), out, null);
    return out;
  }

  /** Traces that started before the window with spans in it, ranked after every trace starting in it. */
  List<RankedTrace> startedBeforeWindow() throws IOException {
    IndexReader[] readers = new IndexReader[rollups.searchers.size()];
    for (int i = 0; i < readers.length; i++) {
      readers[i] = rollups.searchers.get(i).getIndexReader();
    }
    List<RankedTrace> out = new ArrayList<>();
    try (MultiReader all = new MultiReader(readers, false)) {
      for (TraceSummary summary : RollupTopN.startedBefore(new IndexSearcher(all), search)) {
        out.add(computed(SpanDocuments.traceIdBytes(summary.traceId()), summary));
      }
    }
    return out;
  }

  /** The rollup start of each trace (computed for a trace whose rollup is not refreshed yet), within the duration bounds. */
  List<RankedTrace> of(List<BytesRef> traceIds, long lo, long hi) throws IOException {
    List<RankedTrace> out = new ArrayList<>(traceIds.size());
    if (traceIds.isEmpty()) {
      return out;
    }
    Set<BytesRef> withRollup = new HashSet<>();
    BooleanQuery query = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SpanDocuments.TYPE, TraceRollups.TYPE_TRACE)), Occur.FILTER)
        // A trace with a span starting in [lo, hi] started at most the longest trace duration
        // before lo: segments of rollups outside that range are skipped before any id is sought.
        .add(LongField.newRangeQuery(TraceRollups.T_START, lo - longest, hi), Occur.FILTER)
        .add(new TermInSetQuery(TraceRollups.T_TRACE_ID, traceIds), Occur.FILTER)
        .build();
    collectRollups(query, out, withRollup);
    for (BytesRef id : traceIds) {
      if (!withRollup.contains(id)) {
        TraceSummary computed = ranking.computeSummary(tenant, SpanDocuments.traceId(id));
        if (withinDuration(computed.durationNanos())) {
          out.add(computed(id, computed));
        }
      }
    }
    return out;
  }

  /** Ranks the rollups matching {@code query} within the duration bounds into {@code out}; every one seen into {@code seenIds}. */
  private void collectRollups(Query query, List<RankedTrace> out, Set<BytesRef> seenIds)
      throws IOException {
    for (int i = 0; i < rollups.searchers.size(); i++) {
      int searcherIndex = i;
      rollups.searchers.get(i).search(query, new SimpleCollector() {
        SortedDocValues ids;
        SortedNumericDocValues starts;
        SortedNumericDocValues durations;
        SortedNumericDocValues costs;
        int base;

        @Override
        protected void doSetNextReader(LeafReaderContext context) throws IOException {
          ids = DocValues.getSorted(context.reader(), TraceRollups.T_TRACE_ID);
          starts = DocValues.getSortedNumeric(context.reader(), TraceRollups.T_START);
          durations = DocValues.getSortedNumeric(context.reader(), TraceRollups.T_DURATION);
          costs = DocValues.getSortedNumeric(context.reader(), TraceRollups.T_COST);
          base = context.docBase;
        }

        @Override
        public void collect(int doc) throws IOException {
          if (!ids.advanceExact(doc)) {
            return;
          }
          BytesRef id = BytesRef.deepCopyOf(ids.lookupOrd(ids.ordValue()));
          if (seenIds != null) {
            seenIds.add(id);
          }
          long duration = durations.advanceExact(doc) ? durations.nextValue() : 0;
          if (!withinDuration(duration)) {
            return;
          }
          if (costFloor != null && costs.advanceExact(doc)
              && !costFloor.mayPass(NumericUtils.sortableLongToDouble(costs.nextValue()))) {
            return;
          }
          long start = starts.advanceExact(doc) ? starts.nextValue() : 0;
          out.add(new RankedTrace(id, start, start + duration, searcherIndex, base + doc, null));
        }

        @Override
        public ScoreMode scoreMode() {
          return ScoreMode.COMPLETE_NO_SCORES;
        }
      });
    }
  }

  /**
   * A lower bound the search puts on {@code sum(span.tokentrail.cost.usd)} over matched spans,
   * when the rollups can rule traces out by it: the store's cost attributes agree with its call
   * costs, none negative, so the sum over any of a trace's spans is at most its rollup cost (up to
   * rounding, allowed for). Null otherwise.
   */
  private CostFloor costFloor() throws IOException {
    CostFloor floor = null;
    for (AggregateCondition a : search.aggregates()) {
      if (a.function() == AggregateCondition.Function.SUM && FieldRef.span(CostAttributes.FIELD).equals(a.field())
          && (a.op() == SpanFilter.Op.GT || a.op() == SpanFilter.Op.GTE)
          && (floor == null || a.value() > floor.value())) {
        floor = new CostFloor(a.value());
      }
    }
    return floor != null && CostAttributes.agreeWithCalls(rollups.searchers) ? floor : null;
  }

  /** {@code sum(cost) > value} or {@code >= value}: a trace whose rollup cost is below it cannot pass. */
  private record CostFloor(double value) {
    boolean mayPass(double rollupCost) {
      double slack = 1e-9 * Math.max(1, Math.max(Math.abs(value), Math.abs(rollupCost)));
      return rollupCost >= value - slack;
    }
  }

  private boolean withinDuration(long duration) {
    return (search.minTraceDurationNanos() <= 0 || duration >= search.minTraceDurationNanos())
        && (search.maxTraceDurationNanos() <= 0 || duration <= search.maxTraceDurationNanos());
  }
}
