package dev.tokentrail.benchmarks.lucene;

import dev.tokentrail.benchmarks.ReferenceQueries;
import dev.tokentrail.benchmarks.SpanJson;
import dev.tokentrail.model.TraceId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * The reference searches straight on a {@link BareLuceneBaseline} index with an
 * {@link IndexSearcher}: matching spans sorted by their trace's start, newest first, read page by
 * page until 20 distinct trace ids; the trace-cost search sums the cost doc values per trace over
 * the whole index. No caches beyond Lucene's own.
 */
public final class BareLuceneSearches implements AutoCloseable {
  private static final int PAGE = 500;
  private static final Sort NEWEST = new Sort(new SortedNumericSortField(SpanJson.TRACE_START, SortField.Type.LONG, true));

  private final FSDirectory directory;
  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final ReferenceQueries queries;

  private BareLuceneSearches(FSDirectory directory, ReferenceQueries queries) throws IOException {
    this.directory = directory;
    this.reader = DirectoryReader.open(directory);
    this.searcher = new IndexSearcher(reader);
    this.searcher.setQueryCache(null); // every repetition does the work, as request_cache=false does
    this.queries = queries;
  }

  public static BareLuceneSearches open(Path dir, ReferenceQueries queries) throws IOException {
    return new BareLuceneSearches(FSDirectory.open(dir), queries);
  }

  /** The trace ids (hex) of the search, newest trace first. */
  public List<String> run(ReferenceQueries.Kind kind) throws IOException {
    Query model = KeywordField.newExactQuery(SpanJson.MODEL, queries.model());
    Query tokens = LongField.newRangeQuery(SpanJson.INPUT_TOKENS, queries.tokensAbove() + 1, queries.tokensBelow() - 1);
    return switch (kind) {
      case MODEL -> newestTraces(model);
      case TOKENS -> newestTraces(tokens);
      case MODEL_AND_TOKENS ->
          newestTraces(new BooleanQuery.Builder().add(model, BooleanClause.Occur.FILTER).add(tokens, BooleanClause.Occur.FILTER).build());
      case TRACE_COST -> costlyTraces(queries.costOver().doubleValue());
      case ANY -> newestTraces(new MatchAllDocsQuery());
    };
  }

  private List<String> newestTraces(Query query) throws IOException {
    Set<String> ids = new LinkedHashSet<>();
    ScoreDoc after = null;
    while (ids.size() < ReferenceQueries.LIMIT) {
      TopDocs page = after == null ? searcher.search(query, PAGE, NEWEST) : searcher.searchAfter(after, query, PAGE, NEWEST);
      for (ScoreDoc hit : page.scoreDocs) {
        ids.add(traceId(hit.doc));
        if (ids.size() == ReferenceQueries.LIMIT) {
          break;
        }
      }
      if (page.scoreDocs.length < PAGE) {
        break;
      }
      after = page.scoreDocs[page.scoreDocs.length - 1];
    }
    return new ArrayList<>(ids);
  }

  private String traceId(int doc) throws IOException {
    List<LeafReaderContext> leaves = reader.leaves();
    LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
    SortedSetDocValues values = leaf.reader().getSortedSetDocValues(SpanJson.TRACE_ID);
    if (values == null || !values.advanceExact(doc - leaf.docBase)) {
      throw new IllegalStateException("document " + doc + " has no " + SpanJson.TRACE_ID);
    }
    BytesRef id = values.lookupOrd(values.nextOrd());
    return TraceId.fromBytes(id.bytes, id.offset).hex();
  }

  /** Sums each trace's span costs over the whole index, keeps those above, newest 20. */
  private List<String> costlyTraces(double over) throws IOException {
    Map<BytesRef, double[]> traces = new HashMap<>(); // trace id -> {cost sum, trace start}
    for (LeafReaderContext leaf : reader.leaves()) {
      SortedNumericDocValues cost = leaf.reader().getSortedNumericDocValues(SpanJson.COST);
      if (cost == null) {
        continue;
      }
      SortedSetDocValues id = leaf.reader().getSortedSetDocValues(SpanJson.TRACE_ID);
      SortedNumericDocValues start = leaf.reader().getSortedNumericDocValues(SpanJson.TRACE_START);
      for (int doc = cost.nextDoc(); doc != SortedNumericDocValues.NO_MORE_DOCS; doc = cost.nextDoc()) {
        if (!id.advanceExact(doc) || !start.advanceExact(doc)) {
          continue;
        }
        double[] sum = traces.computeIfAbsent(BytesRef.deepCopyOf(id.lookupOrd(id.nextOrd())), k -> new double[2]);
        sum[0] += NumericUtils.sortableLongToDouble(cost.nextValue());
        sum[1] = start.nextValue();
      }
    }
    List<Map.Entry<BytesRef, double[]>> kept = new ArrayList<>();
    for (Map.Entry<BytesRef, double[]> e : traces.entrySet()) {
      if (e.getValue()[0] > over) {
        kept.add(e);
      }
    }
    kept.sort((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1]));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < Math.min(ReferenceQueries.LIMIT, kept.size()); i++) {
      ids.add(TraceId.fromBytes(kept.get(i).getKey().bytes, kept.get(i).getKey().offset).hex());
    }
    return ids;
  }

  @Override
  public void close() throws IOException {
    reader.close();
    directory.close();
  }
}
