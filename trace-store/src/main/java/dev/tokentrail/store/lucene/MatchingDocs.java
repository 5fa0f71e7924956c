package dev.tokentrail.store.lucene;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.util.ArrayUtil;

/**
 * The documents a query matches in one searcher, unscored, as ids of its top-level reader: for
 * callers that read each match's stored fields afterwards (spans of a trace, rollups by trace id).
 */
final class MatchingDocs {
  private MatchingDocs() {}

  /** The first {@code max} documents {@code query} matches, in index order. */
  static int[] of(IndexSearcher searcher, Query query, int max) throws IOException {
    Collector collector = new Collector(max);
    searcher.search(query, collector);
    return Arrays.copyOf(collector.docs, collector.size);
  }

  /** Every document {@code query} matches, in index order. */
  static int[] of(IndexSearcher searcher, Query query) throws IOException {
    return of(searcher, query, Integer.MAX_VALUE);
  }

  private static final class Collector extends SimpleCollector {
    private final int max;
    private int[] docs = new int[16];
    private int size;
    private int base;

    Collector(int max) {
      this.max = max;
    }

    @Override
    protected void doSetNextReader(LeafReaderContext context) {
      base = context.docBase;
    }

    @Override
    public void collect(int doc) {
      if (size < max) {
        docs = ArrayUtil.grow(docs, size + 1);
        docs[size++] = base + doc;
      }
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
  }
}
