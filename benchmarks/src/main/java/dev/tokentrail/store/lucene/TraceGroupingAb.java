package dev.tokentrail.store.lucene;

import dev.tokentrail.store.SpanFilter;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
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
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * The two ways of grouping matched spans by trace that the A/B compares, over the same searchers
 * and the same query as {@code LuceneSpanStore.search} builds: per segment by trace-id ordinal
 * with a bitmap of touched ordinals (what the store does: one hash lookup per trace and segment),
 * and one {@code HashMap<BytesRef, ...>} lookup per matched span. Plus the pieces around it: a
 * count-only collector (the cost of matching alone) and the rollup fetch the store does for every
 * matched trace.
 */
final class TraceGroupingAb {
  private TraceGroupingAb() {}

  /** One trace's matched spans: how many and the first few doc ids. */
  static final class Hits {
    int count;
    final long[] docs;
    int shown;

    Hits(int spss) {
      docs = new long[spss];
    }

    void add(long doc) {
      count++;
      if (shown < docs.length) {
        docs[shown++] = doc;
      }
    }

    void merge(Hits other) {
      count += other.count;
      for (int i = 0; i < other.shown && shown < docs.length; i++) {
        docs[shown++] = other.docs[i];
      }
    }
  }

  /** The span query the store runs for one spanset filter in a time window. */
  static Query spanQuery(SpanFilter filter, long from, long to) {
    return new BooleanQuery.Builder()
        .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
        .add(LongField.newRangeQuery(SpanDocuments.START, from <= 0 ? Long.MIN_VALUE : from, to <= 0 ? Long.MAX_VALUE : to), Occur.FILTER)
        .add(SpanQueries.compile(filter, c -> {
          throw new IllegalArgumentException("the A/B queries use no trace-level intrinsic: " + c.field());
        }), Occur.FILTER)
        .build();
  }

  /** Matching only: the floor under both groupings. */
  static long countOnly(Iterable<IndexSearcher> searchers, Query query) throws IOException {
    long total = 0;
    for (IndexSearcher searcher : searchers) {
      long[] n = new long[1];
      searcher.search(query, new SimpleCollector() {
        @Override
        public void collect(int doc) {
          n[0]++;
        }

        @Override
        public ScoreMode scoreMode() {
          return ScoreMode.COMPLETE_NO_SCORES;
        }
      });
      total += n[0];
    }
    return total;
  }

  /** As the store's collectMatches: array slot per ordinal, bitmap of touched ordinals, merge per segment. */
  static Map<BytesRef, Hits> byOrdinal(java.util.List<IndexSearcher> searchers, Query query, int spss) throws IOException {
    Map<BytesRef, Hits> out = new HashMap<>();
    for (int s = 0; s < searchers.size(); s++) {
      final int searcherIndex = s;
      final class Grouping extends SimpleCollector {
        SortedDocValues traceIds;
        Hits[] byOrd;
        RoaringBitmap touched;
        int base;

        @Override
        protected void doSetNextReader(LeafReaderContext context) throws IOException {
          flush();
          traceIds = context.reader().getSortedDocValues(SpanDocuments.TRACE_ID);
          byOrd = traceIds == null ? null : new Hits[traceIds.getValueCount()];
          touched = new RoaringBitmap();
          base = context.docBase;
        }

        @Override
        public void collect(int doc) throws IOException {
          if (traceIds == null || !traceIds.advanceExact(doc)) {
            return;
          }
          int ord = traceIds.ordValue();
          Hits hits = byOrd[ord];
          if (hits == null) {
            hits = new Hits(spss);
            byOrd[ord] = hits;
            touched.add(ord);
          }
          hits.add(((long) searcherIndex << 32) | (base + doc));
        }

        void flush() throws IOException {
          if (byOrd == null) {
            return;
          }
          IntIterator ords = touched.getIntIterator();
          while (ords.hasNext()) {
            int ord = ords.next();
            BytesRef id = traceIds.lookupOrd(ord);
            Hits existing = out.get(id);
            if (existing == null) {
              out.put(BytesRef.deepCopyOf(id), byOrd[ord]);
            } else {
              existing.merge(byOrd[ord]);
            }
          }
          byOrd = null;
        }

        @Override
        public ScoreMode scoreMode() {
          return ScoreMode.COMPLETE_NO_SCORES;
        }
      }
      Grouping grouping = new Grouping();
      searchers.get(s).search(query, grouping);
      grouping.flush();
    }
    return out;
  }

  /** The naive grouping: resolve the ordinal to its bytes and hash them for every matched span. */
  static Map<BytesRef, Hits> byHash(java.util.List<IndexSearcher> searchers, Query query, int spss) throws IOException {
    Map<BytesRef, Hits> out = new HashMap<>();
    for (int s = 0; s < searchers.size(); s++) {
      final int searcherIndex = s;
      searchers.get(s).search(query, new SimpleCollector() {
        SortedDocValues traceIds;
        int base;

        @Override
        protected void doSetNextReader(LeafReaderContext context) throws IOException {
          traceIds = context.reader().getSortedDocValues(SpanDocuments.TRACE_ID);
          base = context.docBase;
        }

        @Override
        public void collect(int doc) throws IOException {
          if (traceIds == null || !traceIds.advanceExact(doc)) {
            return;
          }
          BytesRef id = traceIds.lookupOrd(traceIds.ordValue());
          Hits hits = out.get(id);
          if (hits == null) {
            hits = new Hits(spss);
            out.put(BytesRef.deepCopyOf(id), hits);
          }
          hits.add(((long) searcherIndex << 32) | (base + doc));
        }

        @Override
        public ScoreMode scoreMode() {
          return ScoreMode.COMPLETE_NO_SCORES;
        }
      });
    }
    return out;
  }

  /** {@code &&} of two spansets as the store combines them: both grouped, then key-set intersection. */
  static Map<BytesRef, Hits> and(Map<BytesRef, Hits> left, Map<BytesRef, Hits> right) {
    left.keySet().retainAll(right.keySet());
    for (Map.Entry<BytesRef, Hits> e : left.entrySet()) {
      e.getValue().merge(right.get(e.getKey()));
    }
    return left;
  }

  /**
   * What the store does next for every matched trace before ranking: fetch its rollup with one
   * {@link TermInSetQuery} over all matched ids and decode each stored summary. Returns how many.
   */
  static int fetchRollups(Iterable<IndexSearcher> searchers, Set<BytesRef> traceIds) throws IOException {
    Query query = new TermInSetQuery(TraceRollups.T_TRACE_ID, traceIds);
    int found = 0;
    for (IndexSearcher searcher : searchers) {
      StoredFields stored = searcher.storedFields();
      for (int doc : MatchingDocs.of(searcher, query)) {
        TraceRollups.decode(stored.document(doc).getBinaryValue(TraceRollups.T_SUMMARY));
        found++;
      }
    }
    return found;
  }
}
