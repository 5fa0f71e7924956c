package dev.tokentrail.store.lucene;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.NumericUtils;

/**
 * Whether the {@code span.tokentrail.cost.usd} attribute of a segment's spans is exactly the cost
 * its rollups add up: every span holding it is an LLM call whose cost is that one value (not
 * negative), and every other LLM call's cost is 0. Then, for a trace whose spans all lie in a
 * search's window, {@code sum(span.tokentrail.cost.usd)} over its spans is its rollup cost (up to
 * the order of the additions), and the rollup can rule the trace out without reading its spans.
 * Checked once per segment core and cached until the segment is closed.
 */
final class CostAttributes {
  static final String FIELD = "tokentrail.cost.usd";
  private static final Map<IndexReader.CacheKey, Boolean> AGREE = new ConcurrentHashMap<>();

  private CostAttributes() {}

  /** Whether every segment of the searchers agrees. */
  static boolean agreeWithCalls(List<IndexSearcher> searchers) throws IOException {
    for (IndexSearcher searcher : searchers) {
      for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
        if (!agree(leaf.reader())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean agree(LeafReader reader) throws IOException {
    IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
    if (helper == null) {
      return check(reader);
    }
    Boolean known = AGREE.get(helper.getKey());
    if (known == null) {
      known = check(reader);
      if (AGREE.putIfAbsent(helper.getKey(), known) == null) {
        helper.addClosedListener(AGREE::remove);
      }
    }
    return known;
  }

  private static boolean check(LeafReader reader) throws IOException {
    String attributeField = SpanDocuments.SPAN_NUM + FIELD;
    SortedNumericDocValues attributes = reader.getSortedNumericDocValues(attributeField);
    SortedNumericDocValues costs = reader.getSortedNumericDocValues(SpanDocuments.COST);
    if (attributes != null) {
      for (int doc = attributes.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = attributes.nextDoc()) {
        if (attributes.docValueCount() != 1 || costs == null || !costs.advanceExact(doc)) {
          return false;
        }
        double value = NumericUtils.sortableLongToDouble(attributes.nextValue());
        if (!(value >= 0) || Double.compare(value, NumericUtils.sortableLongToDouble(costs.nextValue())) != 0) {
          return false;
        }
      }
    }
    costs = reader.getSortedNumericDocValues(SpanDocuments.COST);
    if (costs != null) {
      attributes = reader.getSortedNumericDocValues(attributeField);
      for (int doc = costs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = costs.nextDoc()) {
        double cost = NumericUtils.sortableLongToDouble(costs.nextValue());
        boolean attributed = attributes != null && attributes.advanceExact(doc);
        if (!(cost >= 0) || (!attributed && cost != 0)) {
          return false;
        }
      }
    }
    return true;
  }
}
