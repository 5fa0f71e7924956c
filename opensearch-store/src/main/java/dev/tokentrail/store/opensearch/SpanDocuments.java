package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tokentrail.genai.GenAiAttributes;
import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.eval.AttributeValues;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The span document: what OpenSearch indexes of a span and how it is read back. The whole span is
 * kept, so every attribute survives however many keys spans carry: in span indices of mapping
 * version 7 on, the document's fields and {@link SpanSource#FIELD} in an unfiltered {@code
 * _source}; in indices of earlier versions (whose {@code _source} keeps only {@link #READ_FIELDS}),
 * as OTLP protobuf bytes in {@code span} (a {@code binary} field, stored). Indexed next to it, under the fixed
 * mapping of {@link IndexTemplates}, are the intrinsics, the call columns from the call ingest
 * priced (never re-derived from attributes), and two bounded views of the attributes that make
 * every attribute searchable without a mapping per key: {@code span_keys}/{@code resource_keys}
 * (the keys holding a searchable value) and {@code span_terms}/{@code resource_terms} ({@code
 * key=value} for string and boolean values; from mapping version 8 with doc values, so tag values
 * are a terms aggregation), with {@code span_bool_keys}/{@code resource_bool_keys} naming the keys
 * whose terms include booleans and {@code span_list_keys}/{@code resource_list_keys} those holding
 * lists.
 */
final class SpanDocuments {
  static final String TENANT = "tenant";
  static final String TRACE_ID = "trace_id";
  static final String SPAN_ID = "span_id";
  static final String PARENT_ID = "parent_id";
  static final String NAME = "name";
  static final String KIND = "kind";
  static final String STATUS = "status";
  static final String STATUS_MESSAGE = "status_message";
  static final String SERVICE = "service";
  static final String START = "start";
  static final String END = "end";
  static final String DURATION = "duration";
  static final String SPAN_KEYS = "span_keys";
  static final String RESOURCE_KEYS = "resource_keys";
  static final String SPAN_TERMS = "span_terms";
  static final String RESOURCE_TERMS = "resource_terms";
  /** The keys holding a boolean value (mapping version 8 on): tell boolean {@code key=true} terms from strings. */
  static final String SPAN_BOOL_KEYS = "span_bool_keys";
  static final String RESOURCE_BOOL_KEYS = "resource_bool_keys";
  /**
   * The keys whose value is a list (mapping version 8 on): metrics group by a list's first element
   * and take its smallest number, which aggregations over the terms and numbers cannot tell.
   */
  static final String SPAN_LIST_KEYS = "span_list_keys";
  static final String RESOURCE_LIST_KEYS = "resource_list_keys";

  /** The fields holding one scope's attribute views. */
  record AttributeFields(String scope, String keys, String terms, String boolKeys, String listKeys) {
    static final AttributeFields SPAN = new AttributeFields("span", SPAN_KEYS, SPAN_TERMS, SPAN_BOOL_KEYS, SPAN_LIST_KEYS);
    static final AttributeFields RESOURCE =
        new AttributeFields("resource", RESOURCE_KEYS, RESOURCE_TERMS, RESOURCE_BOOL_KEYS, RESOURCE_LIST_KEYS);

    /** The fields of a span or resource attribute's scope. */
    static AttributeFields of(FieldRef field) {
      return switch (field.scope()) {
        case SPAN -> SPAN;
        case RESOURCE -> RESOURCE;
        default -> throw new IllegalArgumentException("not a span or resource attribute: " + field);
      };
    }
  }
  static final String CALL = "call";
  static final String COST = "call_cost";
  static final String INPUT = "call_input";
  static final String OUTPUT = "call_output";
  static final String CACHE_READ = "call_cache_read";
  static final String CACHE_WRITE = "call_cache_write";
  static final String PREFIX_TOKENS = "call_prefix_tokens";
  static final String REASONING = "call_reasoning";
  static final String RETRY = "call_retry";
  static final String TOOLS = "call_tools";
  static final String PROVIDER = "call_provider";
  static final String MODEL = "call_model";
  static final String REQUEST_MODEL = "call_request_model";
  static final String RESPONSE_MODEL = "call_response_model";
  static final String OPERATION = "call_operation";
  static final String REQUEST_HASH = "call_request_hash";
  static final String PREFIX_HASH = "call_prefix_hash";
  static final String CONVERSATION = "call_conversation";
  static final String TASK = "call_task";
  static final String ERROR_TYPE = "call_error_type";
  static final String TEAM = "call_team";
  static final String PROJECT = "call_project";
  static final String COST_CENTER = "call_cost_center";
  static final String FEATURE = "call_feature";
  static final String OUTCOME = "outcome";
  static final String OUTCOME_VALUE = "outcome_value";
  static final String SPAN = "span";
  /**
   * True on documents whose numeric attribute fields ({@link #NUMERIC_FIELDS}) are written (mapping
   * version 5 on); a document without it may hold such a value only in the stored span.
   */
  static final String NUMBERS_INDEXED = "span_numbers";

  /**
   * Span attributes whose numeric values (every {@code long} and {@code double} scalar, as double,
   * as TraceQL compares them) are indexed in a field of their own, so comparisons on them narrow
   * in OpenSearch: the token counts, cost and retry attempt ingest writes on LLM calls.
   */
  static final Map<String, String> NUMERIC_FIELDS = Map.of(
      GenAiAttributes.USAGE_INPUT_TOKENS, "num_input_tokens",
      GenAiAttributes.USAGE_OUTPUT_TOKENS, "num_output_tokens",
      GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS, "num_cache_read_tokens",
      GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS, "num_reasoning_tokens",
      GenAiAttributes.TT_COST_USD, "num_cost_usd",
      GenAiAttributes.TT_RETRY_ATTEMPT, "num_retry_attempt");
  private static final List<Map.Entry<String, String>> NUMERIC_FIELD_LIST = List.copyOf(NUMERIC_FIELDS.entrySet());

  /** Terms longer than this are not indexed (the mapping's {@code ignore_above}); queries must not rely on them. */
  static final int MAX_TERM_CHARS = 1024;

  /**
   * The call fields a read of whole spans takes from {@code _source} (and all that indices of
   * mapping versions before 7 keep there besides, in versions before 6, the span).
   */
  static final List<String> READ_FIELDS =
      List.of(CALL, COST, INPUT, OUTPUT, MODEL, TEAM, PROJECT);

  /**
   * What a read of whole spans asks of {@code _source}: {@link #READ_FIELDS}, the span's own
   * fields and {@link SpanSource#FIELD} (mapping version 7 on), and {@link #SPAN} (versions before
   * 6; from version 6 to 7 it is a stored field, asked for separately).
   */
  static final List<String> SOURCE_FIELDS = Stream.concat(READ_FIELDS.stream(),
      Stream.of(TRACE_ID, SPAN_ID, PARENT_ID, NAME, KIND, STATUS, STATUS_MESSAGE, START, END,
          SpanSource.FIELD, SPAN)).toList();

  private SpanDocuments() {}

  /** The document id: one per tenant, trace and span, so a re-sent span overwrites its copy. */
  static String id(String tenant, String traceId, String spanId) {
    return tenant + '/' + traceId + spanId;
  }

  /** The id of a trace's locator document. */
  static String traceDocId(String tenant, String traceId) {
    return tenant + '/' + traceId;
  }

  /**
   * Writes the document of {@code ingested}; ids as lower-case hex keywords. {@code protobuf}: the
   * span as protobuf bytes in {@link #SPAN}, for an index of a mapping version before 7; else the
   * span's remaining parts in {@link SpanSource#FIELD}.
   */
  static void write(JsonGenerator out, String tenant, IngestedSpan ingested, boolean protobuf) throws IOException {
    Span span = ingested.span();
    out.writeStartObject();
    out.writeStringField(TENANT, tenant);
    out.writeStringField(TRACE_ID, span.traceId().hex());
    out.writeStringField(SPAN_ID, span.spanId().hex());
    if (!span.parentSpanId().isNone()) {
      out.writeStringField(PARENT_ID, span.parentSpanId().hex());
    }
    out.writeStringField(NAME, span.name());
    out.writeStringField(KIND, span.kind().traceQlName());
    out.writeStringField(STATUS, span.statusCode().traceQlName());
    if (!span.statusMessage().isEmpty()) {
      out.writeStringField(STATUS_MESSAGE, span.statusMessage());
    }
    out.writeStringField(SERVICE, span.resource().serviceName());
    out.writeNumberField(START, span.startEpochNanos());
    out.writeNumberField(END, span.endEpochNanos());
    out.writeNumberField(DURATION, span.durationNanos());
    writeAttributes(out, span.attributes(), AttributeFields.SPAN);
    writeAttributes(out, span.resource().attributes(), AttributeFields.RESOURCE);
    writeNumbers(out, span.attributes());
    if (span.attribute(GenAiAttributes.TT_OUTCOME) instanceof String outcome && !outcome.isEmpty()) {
      out.writeStringField(OUTCOME, outcome);
      if (span.attribute(GenAiAttributes.TT_OUTCOME_VALUE_USD) instanceof Number value
          && !(value instanceof Double d && d.isNaN())) {
        out.writeNumberField(OUTCOME_VALUE, value.doubleValue());
      }
    }
    LlmCall call = ingested.call();
    if (call != null) {
      writeCall(out, call);
    }
    if (protobuf) {
      out.writeBinaryField(SPAN, OtlpSpans.encodeOne(span).toByteArray());
    } else {
      SpanSource.write(out, span);
    }
    out.writeEndObject();
  }

  /**
   * The numeric values of the {@link #NUMERIC_FIELDS} attributes, and the mark that they are
   * written; no mark when one is infinite (OpenSearch takes only finite doubles), so searches then
   * decide this span's numeric conditions from the stored span.
   */
  private static void writeNumbers(JsonGenerator out, Map<String, Object> attributes) throws IOException {
    // One pass reads the values (an infinite one means no field is written), the next writes them.
    double[][] values = null;
    int k = 0;
    for (Map.Entry<String, String> numeric : NUMERIC_FIELD_LIST) {
      Object value = attributes.get(numeric.getKey());
      if (value != null) {
        double[] numbers = numbers(value);
        if (numbers == null) {
          return;
        }
        if (numbers.length > 0) {
          if (values == null) {
            values = new double[NUMERIC_FIELD_LIST.size()][];
          }
          values[k] = numbers;
        }
      }
      k++;
    }
    for (int i = 0; values != null && i < values.length; i++) {
      if (values[i] != null) {
        out.writeArrayFieldStart(NUMERIC_FIELD_LIST.get(i).getValue());
        for (double d : values[i]) {
          out.writeNumber(d);
        }
        out.writeEndArray();
      }
    }
    out.writeBooleanField(NUMBERS_INDEXED, true);
  }

  /** The long and double scalars of an attribute value as doubles; null when one is infinite. */
  private static double[] numbers(Object value) {
    List<Object> scalars = AttributeValues.scalars(value);
    double[] out = new double[scalars.size()];
    int n = 0;
    for (Object scalar : scalars) {
      if (scalar instanceof Long l) {
        out[n++] = l;
      } else if (scalar instanceof Double d) {
        if (d.isInfinite()) {
          return null;
        }
        out[n++] = d;
      }
    }
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }

  private static void writeCall(JsonGenerator out, LlmCall call) throws IOException {
    out.writeBooleanField(CALL, true);
    if (call.cost() != null && call.cost().isPriced() && Double.isFinite(call.cost().totalUsd())) {
      out.writeNumberField(COST, call.cost().totalUsd());
    }
    out.writeNumberField(INPUT, call.inputTokens());
    out.writeNumberField(OUTPUT, call.outputTokens());
    out.writeNumberField(CACHE_READ, call.cacheReadTokens());
    out.writeNumberField(CACHE_WRITE, call.cacheWriteTokens());
    out.writeNumberField(PREFIX_TOKENS, call.prefixTokens());
    out.writeNumberField(REASONING, call.reasoningTokens());
    out.writeNumberField(RETRY, call.retryAttempt());
    out.writeBooleanField(TOOLS, call.toolUse());
    Attribution a = call.attribution() == null ? Attribution.NONE : call.attribution();
    writeText(out, PROVIDER, call.provider());
    writeText(out, MODEL, call.billedModel());
    writeText(out, REQUEST_MODEL, call.requestModel());
    writeText(out, RESPONSE_MODEL, call.responseModel());
    writeText(out, OPERATION, call.operation());
    writeText(out, REQUEST_HASH, call.requestHash());
    writeText(out, PREFIX_HASH, call.prefixHash());
    writeText(out, CONVERSATION, call.conversationId());
    writeText(out, TASK, call.task());
    writeText(out, ERROR_TYPE, call.errorType());
    writeText(out, TEAM, a.team());
    writeText(out, PROJECT, a.project());
    writeText(out, COST_CENTER, a.costCenter());
    writeText(out, FEATURE, a.feature());
  }

  private static void writeText(JsonGenerator out, String field, String value) throws IOException {
    if (value != null && !value.isEmpty()) {
      out.writeStringField(field, value);
    }
  }

  private static void writeAttributes(JsonGenerator out, Map<String, Object> attributes, AttributeFields fields)
      throws IOException {
    if (attributes.isEmpty()) {
      return;
    }
    // Each attribute's scalars once (per span, on the ingest path): the keys array is written first.
    List<List<Object>> scalars = new ArrayList<>(attributes.size());
    List<String> listKeys = null;
    out.writeArrayFieldStart(fields.keys());
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      List<Object> values = AttributeValues.scalars(e.getValue());
      scalars.add(values);
      if (!values.isEmpty()) {
        out.writeString(e.getKey());
        if (e.getValue() instanceof List<?>) {
          if (listKeys == null) {
            listKeys = new ArrayList<>(2);
          }
          listKeys.add(e.getKey());
        }
      }
    }
    out.writeEndArray();
    writeKeys(out, fields.listKeys(), listKeys);
    out.writeArrayFieldStart(fields.terms());
    int i = 0;
    List<String> boolKeys = null;
    for (String key : attributes.keySet()) {
      boolean bool = false;
      for (Object scalar : scalars.get(i++)) {
        if (scalar instanceof String || scalar instanceof Boolean) {
          out.writeString(term(key, scalar));
          bool |= scalar instanceof Boolean;
        }
      }
      if (bool) {
        if (boolKeys == null) {
          boolKeys = new ArrayList<>(2);
        }
        boolKeys.add(key);
      }
    }
    out.writeEndArray();
    writeKeys(out, fields.boolKeys(), boolKeys);
  }

  private static void writeKeys(JsonGenerator out, String field, List<String> keys) throws IOException {
    if (keys != null) {
      out.writeArrayFieldStart(field);
      for (String key : keys) {
        out.writeString(key);
      }
      out.writeEndArray();
    }
  }

  /** The indexed term of a string or boolean attribute value. */
  static String term(String key, Object value) {
    return key + '=' + value;
  }

  /**
   * The span and the call parts rollups need, from a hit with {@code _source} of {@link
   * #SOURCE_FIELDS} and the stored {@link #SPAN} (indices of mapping version 6).
   */
  static StoredSpan read(JsonNode hit) {
    JsonNode source = hit.path("_source");
    Span span = source.path(SpanSource.FIELD).isObject() ? SpanSource.read(source) : protobuf(hit, source);
    boolean call = source.path(CALL).asBoolean(false);
    return new StoredSpan(span, call, source.has(COST) ? source.get(COST).asDouble() : Double.NaN,
        source.path(INPUT).asLong(-1), source.path(OUTPUT).asLong(-1), text(source, MODEL), text(source, TEAM),
        text(source, PROJECT));
  }

  /** The span kept as protobuf bytes: stored (mapping version 6) or base64 in {@code _source} (before). */
  private static Span protobuf(JsonNode hit, JsonNode source) {
    JsonNode stored = hit.path("fields").path(SPAN).path(0);
    try {
      JsonNode bytes = stored.isMissingNode() ? source.get(SPAN) : stored;
      if (bytes == null) {
        throw new IllegalStateException("stored span missing from " + hit.path("_id").asText("a hit"));
      }
      return OtlpSpans.decodeOne(ResourceSpans.parseFrom(bytes.binaryValue()));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored span unreadable: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(JsonNode source, String field) {
    JsonNode v = source.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
