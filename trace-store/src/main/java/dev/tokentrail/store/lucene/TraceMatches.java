package dev.tokentrail.store.lucene;

import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.QueryCancellation;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

/** Collects the spans matching a query into {@link TraceHits} grouped by trace. */
final class TraceMatches {
  private TraceMatches() {}

  /**
   * Collects matching spans grouped by trace. Within a segment, spans are grouped by the trace id's
   * segment ordinal (an array slot, no hashing per span); each segment's groups are merged into the
   * result by trace id once, when the segment is done.
   */
  static void collect(
      IndexSearcher searcher, int searcherIndex, Query query, int spss, List<FieldRef> fields, Map<BytesRef, TraceHits> out)
      throws IOException {
    collect(searcher, searcherIndex, query, spss, fields, out, false);
  }

  /**
   * As {@link #collect(IndexSearcher, int, Query, int, List, Map)}; {@code few} when the query
   * matches few traces per segment (a time slice, a set of trace ids): groups are then kept in a
   * map by ordinal instead of an array as long as the segment's trace count.
   */
  static void collect(IndexSearcher searcher, int searcherIndex, Query query, int spss, List<FieldRef> fields,
      Map<BytesRef, TraceHits> out, boolean few) throws IOException {
    int fieldCount = fields.size();
    final class Grouping extends SimpleCollector {
      SortedDocValues traceIds;
      TraceHits[] byOrd;
      RoaringBitmap touched;
      Map<Integer, TraceHits> byOrdFew;
      final SortedNumericDocValues[] primary = new SortedNumericDocValues[fieldCount];
      final SortedNumericDocValues[] fallback = new SortedNumericDocValues[fieldCount];
      final boolean[] rawLong = new boolean[fieldCount];
      int base;

      @Override
      protected void doSetNextReader(LeafReaderContext context) throws IOException {
        flush();
        LeafReader reader = context.reader();
        traceIds = reader.getSortedDocValues(SpanDocuments.TRACE_ID);
        if (few) {
          byOrdFew = traceIds == null ? null : new HashMap<>();
        } else {
          byOrd = traceIds == null ? null : new TraceHits[traceIds.getValueCount()];
          touched = new RoaringBitmap();
        }
        base = context.docBase;
        for (int i = 0; i < fieldCount; i++) {
          FieldRef f = fields.get(i);
          fallback[i] = null;
          rawLong[i] = false;
          switch (f.scope()) {
            case SPAN -> primary[i] = reader.getSortedNumericDocValues(SpanDocuments.SPAN_NUM + f.name());
            case RESOURCE -> primary[i] = reader.getSortedNumericDocValues(SpanDocuments.RESOURCE_NUM + f.name());
            case ANY -> {
              primary[i] = reader.getSortedNumericDocValues(SpanDocuments.SPAN_NUM + f.name());
              fallback[i] = reader.getSortedNumericDocValues(SpanDocuments.RESOURCE_NUM + f.name());
            }
            case INTRINSIC -> {
              if (!f.name().equals(FieldRef.DURATION)) {
                throw new IllegalArgumentException("aggregate over " + f + " (expected: a numeric attribute or duration)");
              }
              primary[i] = reader.getSortedNumericDocValues(SpanDocuments.DURATION);
              rawLong[i] = true;
            }
          }
        }
      }

      final QueryCancellation cancellation = QueryCancellation.current();
      int collected;

      @Override
      public void collect(int doc) throws IOException {
        if ((++collected & 1023) == 0) {
          cancellation.check();
        }
        if (traceIds == null || !traceIds.advanceExact(doc)) {
          return;
        }
        int ord = traceIds.ordValue();
        TraceHits hits = few ? byOrdFew.get(ord) : byOrd[ord];
        if (hits == null) {
          hits = new TraceHits(fieldCount);
          if (few) {
            byOrdFew.put(ord, hits);
          } else {
            byOrd[ord] = hits;
            touched.add(ord);
          }
        }
        hits.count++;
        if (hits.docs.size() < spss) {
          hits.docs.add(((long) searcherIndex << 32) | (base + doc));
        }
        for (int i = 0; i < fieldCount; i++) {
          SortedNumericDocValues values = primary[i];
          if (values == null || !values.advanceExact(doc)) {
            values = fallback[i];
            if (values == null || !values.advanceExact(doc)) {
              continue;
            }
          }
          long raw = values.nextValue();
          hits.add(rawLong[i] ? raw : NumericUtils.sortableLongToDouble(raw), i);
        }
      }

      void flush() throws IOException {
        if (byOrdFew != null) {
          for (Map.Entry<Integer, TraceHits> e : byOrdFew.entrySet()) {
            merge(traceIds.lookupOrd(e.getKey()), e.getValue());
          }
          byOrdFew = null;
        }
        if (byOrd == null) {
          return;
        }
        IntIterator ords = touched.getIntIterator();
        while (ords.hasNext()) {
          int ord = ords.next();
          merge(traceIds.lookupOrd(ord), byOrd[ord]);
        }
        byOrd = null;
      }

      private void merge(BytesRef id, TraceHits hits) {
        TraceHits existing = out.get(id);
        if (existing == null) {
          out.put(BytesRef.deepCopyOf(id), hits);
        } else {
          existing.merge(hits, spss);
        }
      }

      @Override
      public ScoreMode scoreMode() {
        return ScoreMode.COMPLETE_NO_SCORES;
      }
    }
    Grouping grouping = new Grouping();
    searcher.search(query, grouping);
    grouping.flush();
  }
}
