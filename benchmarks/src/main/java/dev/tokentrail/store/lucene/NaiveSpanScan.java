package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoublePredicate;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * The baseline a search index has to beat: read every live span document of every partition,
 * decode its stored protobuf blob, evaluate the predicate in Java, group by trace, rank. No
 * postings, points or doc values are used.
 */
final class NaiveSpanScan {
  private static final Set<String> BLOB_ONLY = Set.of(SpanDocuments.BLOB);

  private NaiveSpanScan() {}

  /** The ranked trace ids (hex), how much matched, how much was read, and the wall time. */
  record Result(List<String> traceIds, long matchedSpans, int matchedTraces, long scannedSpans, long nanos) {}

  /** Per-trace state kept for every trace seen, matched or not (ranking needs the trace start). */
  private static final class TraceState {
    long start = Long.MAX_VALUE;
    double cost;
    int matched;
    double sum;
    int sumCount;
    final List<Span> shown = new ArrayList<>(3);
  }

  /** A consumer of every stored span, in index order. */
  interface SpanVisitor {
    void visit(Span span);
  }

  static long forEachSpan(List<DirectoryReader> readers, SpanVisitor visitor) throws IOException {
    long scanned = 0;
    for (DirectoryReader reader : readers) {
      for (LeafReaderContext leaf : reader.leaves()) {
        LeafReader r = leaf.reader();
        Bits live = r.getLiveDocs();
        StoredFields stored = r.storedFields();
        for (int doc = 0; doc < r.maxDoc(); doc++) {
          if (live != null && !live.get(doc)) {
            continue;
          }
          BytesRef blob = stored.document(doc, BLOB_ONLY).getBinaryValue(SpanDocuments.BLOB);
          if (blob == null) {
            continue; // a trace rollup document
          }
          visitor.visit(SpanDocuments.decode(blob));
          scanned++;
        }
      }
    }
    return scanned;
  }

  /**
   * Traces with a span matching {@code match} in {@code [from, to]}, optionally kept only when the
   * sum of {@code aggregate} over their matched spans passes {@code aggregateTest}; ranked newest
   * first, or by the trace's total LLM cost.
   */
  static Result search(
      List<DirectoryReader> readers,
      long from,
      long to,
      Predicate<Span> match,
      ToDoubleFunction<Span> aggregate,
      DoublePredicate aggregateTest,
      boolean byCost,
      int limit,
      int spansPerTrace)
      throws IOException {
    long began = System.nanoTime();
    Map<TraceId, TraceState> traces = new HashMap<>();
    long[] matchedSpans = new long[1];
    long scanned =
        forEachSpan(
            readers,
            span -> {
              TraceState t = traces.computeIfAbsent(span.traceId(), k -> new TraceState());
              t.start = Math.min(t.start, span.startEpochNanos());
              t.cost += number(span.attributes().get("tokentrail.cost.usd"));
              long at = span.startEpochNanos();
              if (at < from || at > to || !match.test(span)) {
                return;
              }
              matchedSpans[0]++;
              t.matched++;
              if (t.shown.size() < spansPerTrace) {
                t.shown.add(span);
              }
              if (aggregate != null) {
                double v = aggregate.applyAsDouble(span);
                if (!Double.isNaN(v)) {
                  t.sum += v;
                  t.sumCount++;
                }
              }
            });
    List<Map.Entry<TraceId, TraceState>> hits = new ArrayList<>();
    for (Map.Entry<TraceId, TraceState> e : traces.entrySet()) {
      TraceState t = e.getValue();
      if (t.matched == 0) {
        continue;
      }
      if (aggregateTest != null && (t.sumCount == 0 || !aggregateTest.test(t.sum))) {
        continue;
      }
      hits.add(e);
    }
    Comparator<Map.Entry<TraceId, TraceState>> newest =
        Comparator.comparingLong((Map.Entry<TraceId, TraceState> e) -> e.getValue().start).reversed();
    hits.sort(byCost
        ? Comparator.comparingDouble((Map.Entry<TraceId, TraceState> e) -> e.getValue().cost).reversed().thenComparing(newest)
        : newest);
    List<String> ids = new ArrayList<>(limit);
    for (int i = 0; i < hits.size() && i < limit; i++) {
      ids.add(hits.get(i).getKey().hex());
    }
    return new Result(ids, matchedSpans[0], hits.size(), scanned, System.nanoTime() - began);
  }

  /** The {@code limit} most frequent string values of a span attribute, and the time taken. */
  static Map.Entry<List<String>, Long> tagValues(List<DirectoryReader> readers, String attribute, int limit)
      throws IOException {
    long began = System.nanoTime();
    Map<String, Long> counts = new HashMap<>();
    forEachSpan(readers, span -> {
      if (span.attributes().get(attribute) instanceof String s) {
        counts.merge(s, 1L, Long::sum);
      }
    });
    List<String> values =
        counts.entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
            .limit(limit)
            .map(Map.Entry::getKey)
            .toList();
    return Map.entry(values, System.nanoTime() - began);
  }

  static double number(Object value) {
    if (value instanceof Double d) {
      return d;
    }
    if (value instanceof Long l) {
      return l;
    }
    return 0;
  }
}
