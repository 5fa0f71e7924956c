package dev.tokentrail.benchmarks.lucene;

import dev.tokentrail.benchmarks.SpanJson;
import dev.tokentrail.model.Span;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.util.BytesRef;

/**
 * A span as the plainest useful Lucene document: trace and span ids as raw-byte keywords, name,
 * kind, service, status and the typed LLM fields of {@link SpanJson#TYPED} as keywords, start time,
 * trace start, duration and token counts as {@link LongField} (points and doc values), cost as a
 * {@link DoubleField}, and the span's {@link SpanJson} as a stored field (which Lucene compresses
 * by block). Not thread-safe: one instance per indexing thread.
 */
final class PlainSpanDocuments {
  static final String SOURCE = "_source";

  private final ByteArrayOutputStream json = new ByteArrayOutputStream(2048);

  Document toDocument(Span span, long traceStartNanos) {
    Document doc = new Document();
    doc.add(new KeywordField(SpanJson.TRACE_ID, new BytesRef(span.traceId().toBytes()), Field.Store.NO));
    doc.add(new KeywordField(SpanJson.SPAN_ID, new BytesRef(span.spanId().toBytes()), Field.Store.NO));
    if (!span.isRoot()) {
      doc.add(new KeywordField(SpanJson.PARENT_SPAN_ID, new BytesRef(span.parentSpanId().toBytes()), Field.Store.NO));
    }
    doc.add(new KeywordField(SpanJson.NAME, span.name(), Field.Store.NO));
    doc.add(new KeywordField(SpanJson.KIND, span.kind().name(), Field.Store.NO));
    doc.add(new KeywordField(SpanJson.SERVICE, span.resource().serviceName(), Field.Store.NO));
    doc.add(new KeywordField(SpanJson.STATUS, span.statusCode().name(), Field.Store.NO));
    doc.add(new LongField(SpanJson.START_TIME, span.startEpochNanos(), Field.Store.NO));
    doc.add(new LongField(SpanJson.TRACE_START, traceStartNanos, Field.Store.NO));
    doc.add(new LongField(SpanJson.DURATION, span.durationNanos(), Field.Store.NO));
    for (Map.Entry<String, String> typed : SpanJson.TYPED.entrySet()) {
      Object value = span.attributes().get(typed.getKey());
      if (value instanceof String s) {
        doc.add(new KeywordField(typed.getValue(), s, Field.Store.NO));
      } else if (value instanceof Long l) {
        doc.add(new LongField(typed.getValue(), l, Field.Store.NO));
      } else if (value instanceof Double d) {
        doc.add(new DoubleField(typed.getValue(), d, Field.Store.NO));
      }
    }
    json.reset();
    SpanJson.write(span, traceStartNanos, json);
    doc.add(new StoredField(SOURCE, json.toByteArray()));
    return doc;
  }
}
