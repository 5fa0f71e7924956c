package dev.tokentrail.store.lucene;

import static dev.tokentrail.genai.GenAiAttributes.*;

import dev.tokentrail.model.Ids;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.Term;
import org.apache.lucene.util.BytesRef;

/**
 * The Lucene codec for spans. One span is one document: fixed fields for intrinsics and LLM
 * facts (points for ranges, doc values for rollups and sorting), one keyword or numeric field per
 * attribute ({@code a.KEY}/{@code an.KEY} for span, {@code r.KEY}/{@code rn.KEY} for resource
 * attributes) while the partition's {@link FieldBudget} admits it, and the whole span as a stored
 * OTLP protobuf blob. Attributes past the budget are indexed in two catch-all keyword fields
 * instead: {@link #OVERFLOW_KEY} ({@code a.KEY}: which keys the span has) and {@link
 * #OVERFLOW_VALUE} ({@code an.KEY\0value}: their values, for tag value discovery); conditions on
 * them are answered by reading the stored spans of the candidates ({@link OverflowQuery}).
 */
final class SpanDocuments {
  static final String TYPE = "type";
  static final String TYPE_SPAN = "span";
  static final String TENANT = "tenant";
  static final String SPAN_KEY = "span_key";
  static final String TRACE_ID = "trace_id";
  static final String START = "start_ns";
  static final String END = "end_ns";
  static final String DURATION = "duration_ns";
  static final String NAME = "name";
  static final String SERVICE = "service";
  static final String KIND = "kind";
  static final String STATUS = "status";
  static final String STATUS_MESSAGE = "status_message";
  static final String ROOT = "root";
  static final String LLM = "llm";
  static final String COST = "cost";
  static final String TOKENS_IN = "tokens_in";
  static final String TOKENS_OUT = "tokens_out";
  static final String MODEL = "model";
  static final String TEAM = "team";
  static final String PROJECT = "project";
  static final String BLOB = "blob";
  static final String SPAN_ID = "span_id";
  static final String PARENT_ID = "parent_id";
  static final String OUTCOME = "outcome";
  static final String OUTCOME_VALUE = "outcome_value";
  // Doc values of LLM calls read by the analysis engine (CallTable), one column each.
  static final String LLM_USAGE = "llm_usage";
  static final String LLM_PRICED = "llm_priced";
  static final String LLM_CACHE_READ = "llm_cache_read";
  static final String LLM_CACHE_WRITE = "llm_cache_write";
  static final String LLM_REASONING = "llm_reasoning";
  static final String LLM_RETRY_ATTEMPT = "llm_retry_attempt";
  static final String LLM_TOOLS = "llm_tools";
  static final String LLM_PROVIDER = "llm_provider";
  static final String LLM_OPERATION = "llm_operation";
  static final String LLM_REQUEST_HASH = "llm_request_hash";
  static final String LLM_PREFIX_HASH = "llm_prefix_hash";
  static final String LLM_CONVERSATION = "llm_conversation";
  static final String LLM_TASK = "llm_task";
  static final String LLM_ERROR = "llm_error";
  static final String LLM_COST_CENTER = "llm_cost_center";
  static final String LLM_FEATURE = "llm_feature";

  static final String SPAN_ATTR = "a.";
  static final String SPAN_NUM = "an.";
  static final String RESOURCE_ATTR = "r.";
  static final String RESOURCE_NUM = "rn.";

  /** Catch-all field: the scope prefix and key ({@code a.KEY}, {@code r.KEY}) of overflow attributes. */
  static final String OVERFLOW_KEY = "ovk";
  /** Catch-all field: {@code FIELD\0value} ({@code a.KEY}, {@code an.KEY}...) of overflow attribute values. */
  static final String OVERFLOW_VALUE = "ovv";
  static final char OVERFLOW_SEPARATOR = '\0';

  /** Longer string values are indexed truncated (the stored span keeps them whole). */
  static final int MAX_INDEXED_CHARS = 2048;

  private SpanDocuments() {}

  static BytesRef spanKey(Span span) {
    byte[] key = new byte[24];
    System.arraycopy(Ids.fromHex(span.traceId()), 0, key, 0, 16);
    System.arraycopy(Ids.fromHex(span.spanId()), 0, key, 16, 8);
    return new BytesRef(key);
  }

  static Term spanKeyTerm(Span span) {
    return new Term(SPAN_KEY, spanKey(span));
  }

  static BytesRef traceIdBytes(String traceIdHex) {
    return new BytesRef(Ids.fromHex(traceIdHex));
  }

  static Document toDocument(Span span) {
    return toDocument(span, encode(span));
  }

  /** The span's document, with {@code blob} (from {@link #encode}) as its stored form. */
  static Document toDocument(Span span, byte[] blob) {
    return toDocument(span, blob, null);
  }

  /**
   * The span's document, with {@code blob} as its stored form; attribute fields past {@code budget}
   * (null: no budget) go to the catch-all fields.
   */
  static Document toDocument(Span span, byte[] blob, FieldBudget budget) {
    Document doc = new Document();
    doc.add(new StringField(TYPE, TYPE_SPAN, Field.Store.NO));
    doc.add(new StringField(SPAN_KEY, spanKey(span), Field.Store.NO));
    BytesRef traceId = traceIdBytes(span.traceId());
    doc.add(new StringField(TRACE_ID, traceId, Field.Store.NO));
    doc.add(new SortedDocValuesField(TRACE_ID, traceId));
    doc.add(new LongField(START, span.startEpochNanos(), Field.Store.NO));
    doc.add(new NumericDocValuesField(END, span.endEpochNanos()));
    doc.add(new LongField(DURATION, span.durationNanos(), Field.Store.NO));
    doc.add(new KeywordField(NAME, truncate(span.name()), Field.Store.NO));
    doc.add(new KeywordField(SERVICE, truncate(span.resource().serviceName()), Field.Store.NO));
    doc.add(new KeywordField(KIND, span.kind().traceQlName(), Field.Store.NO));
    doc.add(new KeywordField(STATUS, span.statusCode().traceQlName(), Field.Store.NO));
    if (!span.statusMessage().isEmpty()) {
      doc.add(new StringField(STATUS_MESSAGE, truncate(span.statusMessage()), Field.Store.NO));
    }
    doc.add(new NumericDocValuesField(ROOT, span.isRoot() ? 1 : 0));
    doc.add(new NumericDocValuesField(SPAN_ID, idAsLong(span.spanId())));
    doc.add(new NumericDocValuesField(PARENT_ID, span.parentSpanId().isEmpty() ? 0 : idAsLong(span.parentSpanId())));
    Map<String, Object> attributes = span.attributes();
    if (attributes.get(TT_OUTCOME) instanceof String outcome && !outcome.isEmpty()) {
      doc.add(new SortedDocValuesField(OUTCOME, new BytesRef(truncate(outcome))));
      Object value = attributes.get(TT_OUTCOME_VALUE_USD);
      if (value instanceof Double || value instanceof Long) {
        doc.add(new NumericDocValuesField(OUTCOME_VALUE, Double.doubleToLongBits(number(value))));
      }
    }
    if (Boolean.TRUE.equals(attributes.get(TT_LLM_CALL))) {
      doc.add(new StringField(LLM, "true", Field.Store.NO));
      doc.add(new DoubleField(COST, number(attributes.get(TT_COST_USD)), Field.Store.NO));
      if (attributes.get(USAGE_INPUT_TOKENS) != null) {
        doc.add(new LongField(TOKENS_IN, count(attributes.get(USAGE_INPUT_TOKENS)), Field.Store.NO));
      }
      if (attributes.get(USAGE_OUTPUT_TOKENS) != null) {
        doc.add(new LongField(TOKENS_OUT, count(attributes.get(USAGE_OUTPUT_TOKENS)), Field.Store.NO));
      }
      Object model = attributes.get(RESPONSE_MODEL);
      if (model == null) {
        model = attributes.get(REQUEST_MODEL);
      }
      doc.add(new SortedDocValuesField(MODEL, new BytesRef(truncate(String.valueOf(model)))));
      doc.add(new SortedDocValuesField(TEAM, new BytesRef(stringOr(attributes.get(TT_TEAM)))));
      doc.add(new SortedDocValuesField(PROJECT, new BytesRef(stringOr(attributes.get(TT_PROJECT)))));
      boolean usage = attributes.get(USAGE_INPUT_TOKENS) != null || attributes.get(USAGE_OUTPUT_TOKENS) != null;
      doc.add(new NumericDocValuesField(LLM_USAGE, usage ? 1 : 0));
      doc.add(new NumericDocValuesField(LLM_PRICED, attributes.get(TT_COST_USD) != null ? 1 : 0));
      addCount(doc, LLM_CACHE_READ, attributes.get(USAGE_CACHE_READ_INPUT_TOKENS));
      addCount(doc, LLM_CACHE_WRITE, attributes.get(USAGE_CACHE_CREATION_INPUT_TOKENS));
      addCount(doc, LLM_REASONING, attributes.get(USAGE_REASONING_OUTPUT_TOKENS));
      addCount(doc, LLM_RETRY_ATTEMPT, attributes.get(TT_RETRY_ATTEMPT));
      doc.add(new NumericDocValuesField(LLM_TOOLS, dev.tokentrail.genai.GenAiNormalizer.usesTools(attributes) ? 1 : 0));
      addKeyword(doc, LLM_PROVIDER, attributes.get(PROVIDER_NAME));
      addKeyword(doc, LLM_OPERATION, attributes.get(OPERATION_NAME));
      addKeyword(doc, LLM_REQUEST_HASH, attributes.get(TT_REQUEST_HASH));
      addKeyword(doc, LLM_PREFIX_HASH, attributes.get(TT_PREFIX_HASH));
      addKeyword(doc, LLM_CONVERSATION, attributes.get(CONVERSATION_ID));
      addKeyword(doc, LLM_TASK, attributes.get(TT_TASK));
      addKeyword(doc, LLM_ERROR, attributes.get(ERROR_TYPE));
      addKeyword(doc, LLM_COST_CENTER, attributes.get(TT_COST_CENTER));
      addKeyword(doc, LLM_FEATURE, attributes.get(TT_FEATURE));
    }
    addAttributes(doc, attributes, SPAN_ATTR, SPAN_NUM, budget);
    addAttributes(doc, span.resource().attributes(), RESOURCE_ATTR, RESOURCE_NUM, budget);
    doc.add(new StoredField(BLOB, blob));
    return doc;
  }

  private static void addCount(Document doc, String field, Object value) {
    if (value instanceof Long || value instanceof Double) {
      doc.add(new NumericDocValuesField(field, count(value)));
    }
  }

  private static void addKeyword(Document doc, String field, Object value) {
    if (value instanceof String s && !s.isEmpty()) {
      doc.add(new SortedDocValuesField(field, new BytesRef(truncate(s))));
    }
  }

  /** An 8-byte span id as a long (big-endian), for doc values. */
  static long idAsLong(String hex) {
    long v = 0;
    for (int i = 0; i < 16 && i < hex.length(); i++) {
      v = (v << 4) | Character.digit(hex.charAt(i), 16);
    }
    return v;
  }

  private static void addAttributes(
      Document doc, Map<String, Object> attributes, String stringPrefix, String numberPrefix, FieldBudget budget) {
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      addAttribute(doc, e.getKey(), e.getValue(), stringPrefix, numberPrefix, 0, budget);
    }
  }

  private static void addAttribute(
      Document doc, String key, Object value, String stringPrefix, String numberPrefix, int depth, FieldBudget budget) {
    if (value instanceof String s) {
      addString(doc, stringPrefix, key, truncate(s), budget);
    } else if (value instanceof Long l) {
      addNumber(doc, stringPrefix, numberPrefix, key, l, Long.toString(l), budget);
    } else if (value instanceof Double d) {
      if (!d.isNaN()) {
        addNumber(doc, stringPrefix, numberPrefix, key, d, Double.toString(d), budget);
      }
    } else if (value instanceof Boolean b) {
      addString(doc, stringPrefix, key, b.toString(), budget);
    } else if (value instanceof List<?> list && depth == 0) {
      for (Object element : list) {
        addAttribute(doc, key, element, stringPrefix, numberPrefix, depth + 1, budget);
      }
    }
    // Bytes and nested maps are kept in the stored span only.
  }

  private static void addString(Document doc, String prefix, String key, String value, FieldBudget budget) {
    String field = prefix + key;
    if (budget == null || budget.admit(field, key)) {
      doc.add(new StringField(field, value, Field.Store.NO));
    } else {
      addOverflow(doc, prefix, prefix, key, value, budget);
    }
  }

  private static void addNumber(
      Document doc, String stringPrefix, String numberPrefix, String key, double value, String text, FieldBudget budget) {
    String field = numberPrefix + key;
    if (budget == null || budget.admit(field, key)) {
      doc.add(new DoubleField(field, value, Field.Store.NO));
    } else {
      addOverflow(doc, stringPrefix, numberPrefix, key, text, budget);
    }
  }

  private static void addOverflow(
      Document doc, String scopePrefix, String fieldPrefix, String key, String value, FieldBudget budget) {
    String k = truncate(key);
    doc.add(new StringField(OVERFLOW_KEY, scopePrefix + k, Field.Store.NO));
    doc.add(new StringField(OVERFLOW_VALUE, fieldPrefix + k + OVERFLOW_SEPARATOR + value, Field.Store.NO));
    budget.countOverflow();
  }

  static String truncate(String s) {
    if (s.length() <= MAX_INDEXED_CHARS) {
      return s;
    }
    // Do not split a surrogate pair: Lucene rejects unpaired surrogates.
    int end = MAX_INDEXED_CHARS;
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }

  private static String stringOr(Object value) {
    return value instanceof String s ? truncate(s) : "";
  }

  static double number(Object value) {
    if (value instanceof Double d) {
      return d;
    }
    if (value instanceof Long l) {
      return l;
    }
    return 0;
  }

  static long count(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Double d) {
      return Math.round(d);
    }
    return 0;
  }

  static byte[] encode(Span span) {
    return OtlpSpans.encodeOne(span).toByteArray();
  }

  static Span decode(BytesRef blob) {
    try {
      return OtlpSpans.decodeOne(
          ResourceSpans.parseFrom(java.nio.ByteBuffer.wrap(blob.bytes, blob.offset, blob.length)));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt stored span: " + e.getMessage(), e);
    }
  }
}
