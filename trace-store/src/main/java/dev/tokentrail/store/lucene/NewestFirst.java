package dev.tokentrail.store.lucene;

import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PointValues;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.document.LongField;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * The newest {@code limit} traces a search selects, without grouping every matched span. A trace
 * ranks by its rollup start, which is at most the start of any of its matched spans; so walking
 * the matched spans newest first, in time slices that double in width, discovers traces in an
 * order that bounds every trace not yet discovered: its rollup start is before the current slice.
 * Each discovered trace's rank is read from its rollup ({@link RollupKeys}). Discovered traces
 * wait, best first, until no undiscovered trace can beat them (their start is in or after the
 * current slice); then those that can still make the top N are evaluated exactly (selection,
 * aggregates) in batches that grow. The walk stops once the N-th best start is at or after the
 * slice's lower end.
 *
 * <p>A search matching every span (with aggregates) walks the rollups by start instead: each trace
 * starting in the window is selected by its earliest span, and its key is read with it; traces
 * that started before the window come last. As for {@code { }} alone, a trace is found once its
 * rollup is written (within the refresh after its spans).
 *
 * <p>Answers are otherwise those of evaluating every trace: the same selection, matched spans,
 * counts and aggregate values per trace, ranked by the contract's order.
 */
final class NewestFirst {
  /** Slices start at this fraction of the searched time span and double. */
  private static final int FIRST_SLICE_SHIFT = 12;
  private static final int FIRST_BATCH = 32;

  private final TraceSearch search;
  private final TraceSelection selection;
  private final List<FieldRef> aggregateFields;
  private final StoreSnapshot spans;
  private final StoreSnapshot rollups;
  /** Every trace discovered so far. */
  private final Set<BytesRef> seen = new HashSet<>();
  /** Best first: start descending, then trace id ascending. */
  private final PriorityQueue<RankedTrace> top = new PriorityQueue<>(RankedTrace.WORST_FIRST);
  /** Exact matches of traces evaluated so far (those in the top, at least). */
  private final Map<BytesRef, TraceHits> evaluated = new HashMap<>();
  private int batch = FIRST_BATCH;
  private final RollupKeys keys;
  /** Discovered traces not yet evaluated, best first. */
  private final PriorityQueue<RankedTrace> pending = new PriorityQueue<>(RankedTrace.BEST_FIRST);
  /** A search matching every span (with aggregates): traces are discovered by their rollup start. */
  private final boolean everySpan;
  /** A single filter without aggregates selects every trace it discovers. */
  private final boolean selectedByDiscovery;

  NewestFirst(String tenant, TraceSearch search, TraceSelection selection, List<FieldRef> aggregateFields,
      StoreSnapshot spans, StoreSnapshot rollups, TraceRanking ranking) {
    this.search = search;
    this.selection = selection;
    this.aggregateFields = aggregateFields;
    this.spans = spans;
    this.rollups = rollups;
    this.keys = new RollupKeys(tenant, search, rollups, ranking);
    this.everySpan = search.spansets() instanceof Spansets.Filter f && f.filter() instanceof SpanFilter.All;
    this.selectedByDiscovery = search.spansets() instanceof Spansets.Filter && search.aggregates().isEmpty();
  }

  List<TraceMatch> run() throws IOException {
    keys.prepare();
    long[] bounds = everySpan
        ? startBounds(rollups, TraceRollups.T_START)
        : startBounds(spans, SpanDocuments.START);
    if (bounds == null) {
      return everySpan ? runOutOfWindow() : List.of();
    }
    long lo = bounds[0];
    long width = Math.max(1, (bounds[1] - lo) >>> FIRST_SLICE_SHIFT);
    QueryCancellation cancellation = QueryCancellation.current();
    for (long sliceHi = bounds[1]; ; ) {
      cancellation.check();
      long sliceLo = sliceHi - lo < width ? lo : sliceHi - width + 1;
      pending.addAll(everySpan ? keys.startingIn(sliceLo, sliceHi) : keys.of(discover(sliceLo, sliceHi), sliceLo, sliceHi));
      boolean last = sliceLo == lo;
      if (last && everySpan && search.fromEpochNanos() > 0) {
        pending.addAll(keys.startedBeforeWindow());
      }
      // Undiscovered traces rank below the slice: the pending ones at or above it are final.
      admit(last ? Long.MIN_VALUE : sliceLo);
      if (last || (top.size() >= search.limit() && top.peek().start() >= sliceLo)) {
        break;
      }
      sliceHi = sliceLo - 1;
      width = width > Long.MAX_VALUE / 4 ? width : width * 2;
    }
    List<RankedTrace> best = new ArrayList<>(top);
    best.sort(RankedTrace.BEST_FIRST);
    return show(best);
  }

  /** No rollup starts in the window: only traces that started before it can be selected. */
  private List<TraceMatch> runOutOfWindow() throws IOException {
    if (search.fromEpochNanos() <= 0) {
      return List.of();
    }
    pending.addAll(keys.startedBeforeWindow());
    admit(Long.MIN_VALUE);
    List<RankedTrace> best = new ArrayList<>(top);
    best.sort(RankedTrace.BEST_FIRST);
    return show(best);
  }

  /** Lowest and highest value of a start field in the window over the snapshot's segments; null when none. */
  private long[] startBounds(StoreSnapshot snapshot, String field) throws IOException {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (IndexSearcher searcher : snapshot.searchers) {
      for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
        PointValues starts = leaf.reader().getPointValues(field);
        if (starts != null && starts.size() > 0) {
          min = Math.min(min, NumericUtils.sortableBytesToLong(starts.getMinPackedValue(), 0));
          max = Math.max(max, NumericUtils.sortableBytesToLong(starts.getMaxPackedValue(), 0));
        }
      }
    }
    if (search.fromEpochNanos() > 0) {
      min = Math.max(min, search.fromEpochNanos());
    }
    if (search.toEpochNanos() > 0) {
      max = Math.min(max, search.toEpochNanos());
    }
    return min > max ? null : new long[] {min, max};
  }

  /** Traces not seen before with a span matching any filter that starts in {@code [lo, hi]}. */
  private List<BytesRef> discover(long lo, long hi) throws IOException {
    Map<BytesRef, TraceHits> found = new HashMap<>();
    org.apache.lucene.search.Query slice = selection.anyMatchedSpan(lo, hi);
    for (int i = 0; i < spans.searchers.size(); i++) {
      TraceMatches.collect(spans.searchers.get(i), i, slice, 0, List.of(), found, true);
    }
    List<BytesRef> fresh = new ArrayList<>();
    for (BytesRef id : found.keySet()) {
      if (seen.add(id)) {
        fresh.add(id);
      }
    }
    return fresh;
  }

  /**
   * Moves the pending candidates ranked at or above {@code bound} that can still make the top into
   * it, best first. A discovered trace of a single filter without aggregates is selected by
   * construction; otherwise candidates are evaluated exactly, in batches that grow as they are
   * used up. Candidates that can no longer enter are dropped: the top only gets better.
   */
  private void admit(long bound) throws IOException {
    while (!pending.isEmpty()) {
      if (!canEnter(pending.peek())) {
        pending.clear();
        return;
      }
      List<RankedTrace> chunk = new ArrayList<>();
      int size = selectedByDiscovery ? search.limit() : batch;
      while (chunk.size() < size && !pending.isEmpty() && pending.peek().start() >= bound && canEnter(pending.peek())) {
        chunk.add(pending.poll());
      }
      if (chunk.isEmpty()) {
        return;
      }
      if (!selectedByDiscovery) {
        Map<BytesRef, TraceHits> exact = evaluate(chunk);
        chunk.removeIf(r -> !exact.containsKey(r.traceId()));
        evaluated.putAll(exact);
        batch = Math.min(batch * 2, 4096);
      }
      for (RankedTrace r : chunk) {
        offer(r);
      }
    }
  }

  private boolean canEnter(RankedTrace r) {
    return top.size() < search.limit() || RankedTrace.WORST_FIRST.compare(r, top.peek()) > 0;
  }

  private void offer(RankedTrace r) {
    if (!canEnter(r)) {
      return;
    }
    top.add(r);
    if (top.size() > search.limit()) {
      evaluated.remove(top.poll().traceId());
    }
  }

  /** The traces among {@code chunk} the search selects and whose aggregates pass, with their matches. */
  private Map<BytesRef, TraceHits> evaluate(List<RankedTrace> chunk) throws IOException {
    Map<BytesRef, TraceHits> hits = selection.collect(ofTraces(chunk));
    if (!search.aggregates().isEmpty()) {
      hits.values().removeIf(h -> !TraceHits.passes(h, search.aggregates(), aggregateFields));
    }
    return hits;
  }

  /**
   * Spans of the traces: their ids, and a start range covering their rollups (every span of a
   * trace starts within it), which skips the segments and partitions holding none of them.
   */
  private static org.apache.lucene.search.Query ofTraces(List<RankedTrace> traces) {
    List<BytesRef> ids = new ArrayList<>(traces.size());
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (RankedTrace r : traces) {
      ids.add(r.traceId());
      min = Math.min(min, r.start());
      max = Math.max(max, r.end());
    }
    return new BooleanQuery.Builder()
        .add(LongField.newRangeQuery(SpanDocuments.START, min, max), Occur.FILTER)
        .add(new TermInSetQuery(SpanDocuments.TRACE_ID, ids), Occur.FILTER)
        .build();
  }

  private List<TraceMatch> show(List<RankedTrace> best) throws IOException {
    List<RankedTrace> missing = new ArrayList<>();
    for (RankedTrace r : best) {
      if (!evaluated.containsKey(r.traceId())) {
        missing.add(r);
      }
    }
    if (!missing.isEmpty()) {
      evaluated.putAll(selection.collect(ofTraces(missing)));
    }
    List<TraceSummary> summaries = new ArrayList<>(best.size());
    for (RankedTrace r : best) {
      summaries.add(keys.summary(r));
    }
    return TraceSearcher.show(summaries, evaluated, search, aggregateFields, spans);
  }
}
