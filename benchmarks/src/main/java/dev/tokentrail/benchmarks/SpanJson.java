package dev.tokentrail.benchmarks;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokentrail.model.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The plain one-document-per-span shape the comparison contenders (bare Lucene, OpenSearch) index:
 * ids, name, kind, service, times, status, a bounded set of typed LLM fields, and everything else
 * as opaque {@code attributes} and {@code resource} objects. Written here, not borrowed from the
 * store, so the contenders stay a fixed anchor while the store's own codecs change.
 *
 * <p>Every span also carries {@code trace_start}, the start of its trace's first span: the
 * generator knows whole traces, and with it "newest traces first" means the same thing in every
 * contender as in TokenTrail, which orders search results by trace start.
 */
public final class SpanJson {
  public static final String TRACE_ID = "trace_id";
  public static final String SPAN_ID = "span_id";
  public static final String PARENT_SPAN_ID = "parent_span_id";
  public static final String NAME = "name";
  public static final String KIND = "kind";
  public static final String SERVICE = "service";
  public static final String START_TIME = "start_time";
  public static final String TRACE_START = "trace_start";
  public static final String DURATION = "duration";
  public static final String STATUS = "status";
  public static final String MODEL = "model";
  public static final String RESPONSE_MODEL = "response_model";
  public static final String PROVIDER = "provider";
  public static final String INPUT_TOKENS = "input_tokens";
  public static final String OUTPUT_TOKENS = "output_tokens";
  public static final String COST = "cost";
  public static final String TEAM = "team";
  public static final String PROJECT = "project";

  /** Typed fields: document field name for each span attribute pulled out of {@code attributes}. */
  public static final Map<String, String> TYPED =
      Map.of(
          "gen_ai.request.model", MODEL,
          "gen_ai.response.model", RESPONSE_MODEL,
          "gen_ai.provider.name", PROVIDER,
          "gen_ai.usage.input_tokens", INPUT_TOKENS,
          "gen_ai.usage.output_tokens", OUTPUT_TOKENS,
          "tokentrail.cost.usd", COST,
          "tokentrail.team", TEAM,
          "tokentrail.project", PROJECT);

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SpanJson() {}

  /** The span as a JSON object in UTF-8. */
  public static byte[] toJson(Span span, long traceStartNanos) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    write(span, traceStartNanos, out);
    return out.toByteArray();
  }

  /** Appends the span's JSON object (no trailing newline) to {@code out}. */
  public static void write(Span span, long traceStartNanos, ByteArrayOutputStream out) {
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField(TRACE_ID, span.traceId().hex());
      g.writeStringField(SPAN_ID, span.spanId().hex());
      if (!span.isRoot()) {
        g.writeStringField(PARENT_SPAN_ID, span.parentSpanId().hex());
      }
      g.writeStringField(NAME, span.name());
      g.writeStringField(KIND, span.kind().name());
      g.writeStringField(SERVICE, span.resource().serviceName());
      g.writeNumberField(START_TIME, span.startEpochNanos());
      g.writeNumberField(TRACE_START, traceStartNanos);
      g.writeNumberField(DURATION, span.durationNanos());
      g.writeStringField(STATUS, span.statusCode().name());
      for (Map.Entry<String, String> typed : TYPED.entrySet()) {
        Object value = span.attributes().get(typed.getKey());
        if (value != null) {
          g.writeFieldName(typed.getValue());
          g.writeObject(value);
        }
      }
      g.writeObjectFieldStart("attributes");
      for (Map.Entry<String, Object> a : span.attributes().entrySet()) {
        if (!TYPED.containsKey(a.getKey())) {
          g.writeFieldName(a.getKey());
          g.writeObject(a.getValue());
        }
      }
      g.writeEndObject();
      g.writeFieldName("resource");
      g.writeObject(span.resource().attributes());
      g.writeStringField("scope", span.scopeName());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("span " + span.traceId() + "/" + span.spanId() + ": " + e.getMessage(), e);
    }
  }
}
