package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * Loads the spans of one trace from their stored blobs, ordered by start time: getTrace, and the
 * few spans shown per trace in search results.
 */
final class TraceLoader {
  /** The contract's order of a trace's spans: start time, then span id. */
  static final Comparator<Span> BY_START = Comparator.comparingLong(Span::startEpochNanos).thenComparing(Span::spanId);

  private final Partitions partitions;

  TraceLoader(Partitions partitions) {
    this.partitions = partitions;
  }

  List<Span> getTrace(String tenant, TraceId traceId, long fromEpochNanos, long toEpochNanos) {
    Query query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(traceId))), Occur.FILTER)
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
            .build();
    List<Span> spans = new ArrayList<>();
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        collectSpans(searcher, query, Integer.MAX_VALUE, spans);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    spans.sort(BY_START);
    return spans;
  }

  static void collectSpans(IndexSearcher searcher, Query query, int max, List<Span> out)
      throws IOException {
    StoredFields stored = searcher.storedFields();
    for (int doc : MatchingDocs.of(searcher, query, max)) {
      out.add(SpanDocuments.decode(stored.document(doc).getBinaryValue(SpanDocuments.BLOB)));
    }
  }
}
