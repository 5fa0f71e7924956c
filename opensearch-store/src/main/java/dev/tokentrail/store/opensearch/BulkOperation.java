package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import java.io.IOException;
import java.util.Map;

/**
 * One operation of a {@code _bulk} request and the batch it belongs to ({@code owner}, an index
 * into the coalesced group; -1 for a trace-day update shared by every batch with spans of that
 * trace), so each item's answer can be charged to the batches it concerns.
 */
record BulkOperation(int type, int owner, String tenant, IngestedSpan span, String traceId, String day, String index,
    String id) {
  private static final int INDEX = 0;
  private static final int TRACE_DAY = 1;
  private static final int DELETE = 2;

  static BulkOperation index(int owner, String tenant, IngestedSpan span) {
    return new BulkOperation(INDEX, owner, tenant, span, null, null, null, null);
  }

  static BulkOperation traceDay(String tenant, String traceId, String day) {
    return new BulkOperation(TRACE_DAY, -1, tenant, null, traceId, day, null, null);
  }

  static BulkOperation delete(int owner, String index, String id) {
    return new BulkOperation(DELETE, owner, null, null, null, null, index, id);
  }

  /** The key shared trace-day updates are charged by. */
  static String traceDayKey(String tenant, String traceId) {
    return tenant + '\u0000' + traceId;
  }

  String traceDayKey() {
    return traceDayKey(tenant, traceId);
  }

  boolean shared() {
    return owner < 0;
  }

  /** The span index an {@code index} operation writes to; null for the others. */
  String spanIndex(IndexTemplates indices) {
    return type == INDEX ? indices.spanIndex(IndexTemplates.day(span.span().startEpochNanos())) : null;
  }

  void write(JsonGenerator out, IndexTemplates indices, Map<String, Boolean> protobufLayout) throws IOException {
    switch (type) {
      case INDEX -> {
        Span s = span.span();
        String target = spanIndex(indices);
        out.writeStartObject();
        out.writeObjectFieldStart("index");
        out.writeStringField("_index", target);
        out.writeStringField("_id", SpanDocuments.id(tenant, s.traceId().hex(), s.spanId().hex()));
        out.writeEndObject();
        out.writeEndObject();
        out.writeRaw('\n');
        SpanDocuments.write(out, tenant, span, protobufLayout.getOrDefault(target, false));
      }
      case TRACE_DAY -> {
        out.writeStartObject();
        out.writeObjectFieldStart("update");
        out.writeStringField("_index", indices.traceIndex());
        out.writeStringField("_id", SpanDocuments.traceDocId(tenant, traceId));
        out.writeNumberField("retry_on_conflict", 5);
        out.writeEndObject();
        out.writeEndObject();
        out.writeRaw('\n');
        out.writeStartObject();
        out.writeObjectFieldStart("script");
        out.writeStringField("source", "if (ctx._source.days.contains(params.day)) { ctx.op = 'noop' } else {"
            + " ctx._source.days.add(params.day); if (params.day.compareTo(ctx._source.last) > 0) {"
            + " ctx._source.last = params.day } }");
        out.writeObjectFieldStart("params");
        out.writeStringField("day", day);
        out.writeEndObject();
        out.writeEndObject();
        out.writeObjectFieldStart("upsert");
        out.writeStringField(SpanDocuments.TENANT, tenant);
        out.writeStringField(SpanDocuments.TRACE_ID, traceId);
        out.writeArrayFieldStart("days");
        out.writeString(day);
        out.writeEndArray();
        out.writeStringField("last", day);
        out.writeEndObject();
        out.writeEndObject();
      }
      default -> {
        out.writeStartObject();
        out.writeObjectFieldStart("delete");
        out.writeStringField("_index", index);
        out.writeStringField("_id", id);
        out.writeEndObject();
        out.writeEndObject();
      }
    }
    out.writeRaw('\n');
  }
}
