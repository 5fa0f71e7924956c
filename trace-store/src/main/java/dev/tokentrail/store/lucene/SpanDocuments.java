package dev.tokentrail.store.lucene;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.otlp.SpanWireEncoder;
import dev.tokentrail.store.Tenants;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
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
  /** The tenant of span and rollup documents: an indexed keyword, not stored. */
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
  static final String LLM_PREFIX_TOKENS = "llm_prefix_tokens";
  static final String LLM_CONVERSATION = "llm_conversation";
  static final String LLM_TASK = "llm_task";
  static final String LLM_ERROR = "llm_error";
  static final String LLM_COST_CENTER = "llm_cost_center";
  static final String LLM_FEATURE = "llm_feature";

  static final String SPAN_ATTR = "a.";
  static final String SPAN_NUM = "an.";
  static final String RESOURCE_ATTR = "r.";
  static final String RESOURCE_NUM = "rn.";

  /**
   * The attribute fields ({@code a.KEY}, {@code r.KEY}) whose "true"/"false" term on this span is a
   * boolean, not a string; absent in segments written before booleans were marked.
   */
  static final String BOOLEAN_FIELDS = "bool";

  /** Catch-all field: the scope prefix and key ({@code a.KEY}, {@code r.KEY}) of overflow attributes. */
  static final String OVERFLOW_KEY = "ovk";
  /** Catch-all field: {@code FIELD\0value} ({@code a.KEY}, {@code an.KEY}...) of overflow attribute values. */
  static final String OVERFLOW_VALUE = "ovv";
  static final char OVERFLOW_SEPARATOR = '\0';

  /** Longer string values are indexed truncated (the stored span keeps them whole). */
  static final int MAX_INDEXED_CHARS = 2048;

  private SpanDocuments() {}

  static BytesRef traceIdBytes(TraceId traceId) {
    return new BytesRef(traceId.toBytes());
  }

  /** The trace id held in a {@link #TRACE_ID} term or doc value (16 bytes). */
  static TraceId traceId(BytesRef bytes) {
    return TraceId.fromBytes(bytes.bytes, bytes.offset);
  }

  /**
   * Documents of {@code tenant}: those with its tenant field, and for {@link Tenants#DEFAULT} also
   * those written before documents carried one.
   */
  static Query tenantQuery(String tenant) {
    Query own = new TermQuery(new Term(TENANT, tenant));
    if (!Tenants.DEFAULT.equals(tenant)) {
      return own;
    }
    return new BooleanQuery.Builder()
        .add(own, Occur.SHOULD)
        .add(new BooleanQuery.Builder()
            .add(MatchAllDocsQuery.INSTANCE, Occur.FILTER)
            // Any tenant term: few distinct terms, and the field has no doc values to test.
            .add(new TermRangeQuery(TENANT, null, null, true, true), Occur.MUST_NOT)
            .build(), Occur.SHOULD)
        .build();
  }

  /** The default tenant's document of {@code span}, its call read back from its attributes. */
  static Document toDocument(Span span) {
    return toDocument(span, encode(span));
  }

  /** The span's document, with {@code blob} (from {@link #encode}) as its stored form. */
  static Document toDocument(Span span, byte[] blob) {
    Document doc = new Document();
    for (IndexableField f : new SpanDocumentBuilder().build(Tenants.DEFAULT, span, StoredCalls.read(span), blob, blob.length, null)) {
      doc.add(f);
    }
    return doc;
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

  /** The stored form of one span (the indexing threads write it with their own encoder). */
  static byte[] encode(Span span) {
    SpanWireEncoder encoder = SpanWireEncoder.create();
    return java.util.Arrays.copyOf(encoder.buffer(), encoder.resourceSpans(span));
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
