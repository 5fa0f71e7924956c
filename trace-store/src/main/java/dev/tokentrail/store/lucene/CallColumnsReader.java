package dev.tokentrail.store.lucene;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.TraceOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.SimpleCollector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Reads the LLM-call columns the analysis engine needs straight from doc values: the call table
 * of a filter's window, and the business outcome of each trace.
 */
final class CallColumnsReader {
  private final Partitions partitions;

  CallColumnsReader(Partitions partitions) {
    this.partitions = partitions;
  }

  CallTable llmCalls(String tenant, CallFilter filter, int maxCalls) {
    requireNonNull(filter, "filter");
    BooleanQuery.Builder query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.LLM, "true")), Occur.FILTER)
            .add(SpanQueries.timeRange(SpanDocuments.START, filter.fromEpochNanos(), filter.toEpochNanos()), Occur.FILTER);
    if (filter.service() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SERVICE, filter.service())), Occur.FILTER);
    }
    if (filter.team() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "tokentrail.team", filter.team())), Occur.FILTER);
    }
    if (filter.project() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "tokentrail.project", filter.project())), Occur.FILTER);
    }
    if (filter.feature() != null) {
      query.add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "tokentrail.feature", filter.feature())), Occur.FILTER);
    }
    if (filter.model() != null) {
      query.add(new BooleanQuery.Builder()
          .add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "gen_ai.request.model", filter.model())), Occur.SHOULD)
          .add(new TermQuery(new Term(SpanDocuments.SPAN_ATTR + "gen_ai.response.model", filter.model())), Occur.SHOULD)
          .build(), Occur.FILTER);
    }
    CallTable table = new CallTable(maxCalls);
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, filter.fromEpochNanos(), filter.toEpochNanos())) {
      for (IndexSearcher searcher : snapshot.searchers) {
        searcher.search(query.build(), new CallTableCollector(table));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return table;
  }

  Map<TraceId, TraceOutcome> outcomes(String tenant, long fromEpochNanos, long toEpochNanos) {
    Query query =
        new BooleanQuery.Builder()
            .add(new TermQuery(new Term(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN)), Occur.FILTER)
            .add(SpanQueries.timeRange(SpanDocuments.START, fromEpochNanos, toEpochNanos), Occur.FILTER)
            .add(new FieldExistsQuery(SpanDocuments.OUTCOME), Occur.FILTER)
            .build();
    // Per trace: the outcome of the span that started last (equal starts: the greater span id).
    Map<TraceId, LatestOutcome> latest = new HashMap<>();
    try (StoreSnapshot snapshot = StoreSnapshot.of(partitions, tenant, fromEpochNanos, toEpochNanos)) {
      for (IndexSearcher searcher : snapshot.searchers) {
        searcher.search(query, new SimpleCollector() {
          SortedDocValues traceIds;
          SortedDocValues outcomes;
          NumericDocValues values;
          SortedNumericDocValues starts;
          NumericDocValues spanIds;

          @Override
          protected void doSetNextReader(LeafReaderContext context) throws IOException {
            traceIds = DocValues.getSorted(context.reader(), SpanDocuments.TRACE_ID);
            outcomes = DocValues.getSorted(context.reader(), SpanDocuments.OUTCOME);
            values = DocValues.getNumeric(context.reader(), SpanDocuments.OUTCOME_VALUE);
            starts = DocValues.getSortedNumeric(context.reader(), SpanDocuments.START);
            spanIds = DocValues.getNumeric(context.reader(), SpanDocuments.SPAN_ID);
          }

          @Override
          public void collect(int doc) throws IOException {
            if (!traceIds.advanceExact(doc) || !outcomes.advanceExact(doc)) {
              return;
            }
            long start = starts.advanceExact(doc) ? starts.nextValue() : Long.MIN_VALUE;
            long spanId = spanIds.advanceExact(doc) ? spanIds.longValue() : 0;
            BytesRef id = traceIds.lookupOrd(traceIds.ordValue());
            TraceId traceId = SpanDocuments.traceId(id);
            LatestOutcome current = latest.get(traceId);
            if (current != null && (current.start > start
                || (current.start == start && Long.compareUnsigned(current.spanId, spanId) >= 0))) {
              return;
            }
            double value = values.advanceExact(doc) ? Double.longBitsToDouble(values.longValue()) : Double.NaN;
            latest.put(traceId, new LatestOutcome(start, spanId,
                new TraceOutcome(outcomes.lookupOrd(outcomes.ordValue()).utf8ToString(), value)));
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
    Map<TraceId, TraceOutcome> out = new HashMap<>(latest.size() * 2);
    latest.forEach((traceId, l) -> out.put(traceId, l.outcome));
    return out;
  }

  private record LatestOutcome(long start, long spanId, TraceOutcome outcome) {}
}
