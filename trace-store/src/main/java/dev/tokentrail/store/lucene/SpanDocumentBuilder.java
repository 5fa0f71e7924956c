package dev.tokentrail.store.lucene;

import static dev.tokentrail.genai.GenAiAttributes.TT_OUTCOME;
import static dev.tokentrail.genai.GenAiAttributes.TT_OUTCOME_VALUE_USD;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefBuilder;

/**
 * Builds span documents ({@link SpanDocuments} describes the fields) reusing one field list and
 * its {@link Field} instances: one builder per indexing thread, never shared. The call columns
 * come from the span's {@link LlmCall} as ingest recognized it, never from attribute names.
 */
final class SpanDocumentBuilder {
  private static final BytesRef[] KIND_NAMES = names(SpanKind.values(), SpanKind::traceQlName);
  private static final BytesRef[] STATUS_NAMES = names(StatusCode.values(), StatusCode::traceQlName);
  /** Attribute field names cached by key; cleared past this many keys (keys with ids in them). */
  private static final int MAX_CACHED_KEYS = 20_000;

  private final List<IndexableField> fields = new ArrayList<>(64);
  private final byte[] traceIdBytes = new byte[16];
  private final BytesRef traceId = new BytesRef(traceIdBytes);
  private final StringField type = new StringField(SpanDocuments.TYPE, SpanDocuments.TYPE_SPAN, Field.Store.NO);
  private final StringField tenant = new StringField(SpanDocuments.TENANT, new BytesRef(), Field.Store.NO);
  private String tenantName;
  private final BytesRefBuilder spanKeyBytes = new BytesRefBuilder();
  private final StringField spanKey = new StringField(SpanDocuments.SPAN_KEY, new BytesRef(), Field.Store.NO);
  private final StringField traceIdTerm = new StringField(SpanDocuments.TRACE_ID, traceId, Field.Store.NO);
  private final SortedDocValuesField traceIdValues = new SortedDocValuesField(SpanDocuments.TRACE_ID, traceId);
  private final LongField start = new LongField(SpanDocuments.START, 0, Field.Store.NO);
  private final NumericDocValuesField end = new NumericDocValuesField(SpanDocuments.END, 0);
  private final LongField duration = new LongField(SpanDocuments.DURATION, 0, Field.Store.NO);
  // Keyword fields hold bytes, reused: a String value would be encoded into a new array per span.
  private final Utf8Field name = new Utf8Field(SpanDocuments.NAME);
  private final Utf8Field service = new Utf8Field(SpanDocuments.SERVICE);
  private final KeywordField kind = new KeywordField(SpanDocuments.KIND, new BytesRef(), Field.Store.NO);
  private final KeywordField status = new KeywordField(SpanDocuments.STATUS, new BytesRef(), Field.Store.NO);
  private final Utf8Value outcome = new Utf8Value();
  private final SortedDocValuesField outcomeValues = new SortedDocValuesField(SpanDocuments.OUTCOME, new BytesRef());
  private final NumericDocValuesField outcomeValue = new NumericDocValuesField(SpanDocuments.OUTCOME_VALUE, 0);
  private final StringField statusMessage = new StringField(SpanDocuments.STATUS_MESSAGE, new BytesRef(), Field.Store.NO);
  private final Utf8Value statusMessageBytes = new Utf8Value();
  private final NumericDocValuesField root = new NumericDocValuesField(SpanDocuments.ROOT, 0);
  private final NumericDocValuesField spanId = new NumericDocValuesField(SpanDocuments.SPAN_ID, 0);
  private final NumericDocValuesField parentId = new NumericDocValuesField(SpanDocuments.PARENT_ID, 0);
  private final BytesRef blobBytes = new BytesRef();
  private final StoredField blob = new StoredField(SpanDocuments.BLOB, blobBytes);
  private final CallColumns call = new CallColumns();
  /** Reusable attribute fields by name, with the document generation that last used each. */
  private final Map<String, Slot> slots = new HashMap<>();
  private final Map<String, String[]> names = new HashMap<>();
  private int generation;
  // The attribute map being added, walked with forEach: no iterator or entry wrapper per attribute.
  private final java.util.function.BiConsumer<String, Object> addAttribute = this::addAttribute;
  private String attributeStringPrefix;
  private String attributeNumberPrefix;
  private FieldBudget attributeBudget;
  private int attributeScope;

  private static <E> BytesRef[] names(E[] values, java.util.function.Function<E, String> name) {
    BytesRef[] out = new BytesRef[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = new BytesRef(name.apply(values[i]));
    }
    return out;
  }

  private static final class Slot {
    final Field field;
    /** The value bytes of a keyword slot, reused. */
    final Utf8Value value;
    int generation = -1;

    Slot(Field field, Utf8Value value) {
      this.field = field;
      this.value = value;
    }
  }

  /**
   * The document of {@code span} (valid until the next call), with the first {@code blobLength}
   * bytes of {@code spanBlob} (read when the document is added, not kept) as its stored form
   * and attribute fields past {@code budget} (null: no budget) in the catch-all fields.
   */
  List<IndexableField> build(
      String tenantId, Span span, LlmCall llmCall, byte[] spanBlob, int blobLength, FieldBudget budget) {
    fields.clear();
    generation++;
    fields.add(type);
    if (!tenantId.equals(tenantName)) {
      tenant.setBytesValue(new BytesRef(tenantId));
      tenantName = tenantId;
    }
    fields.add(tenant);
    span.traceId().writeTo(traceIdBytes, 0);
    spanKey.setBytesValue(SpanKeys.spanKey(tenantId, span, spanKeyBytes));
    fields.add(spanKey);
    fields.add(traceIdTerm);
    fields.add(traceIdValues);
    start.setLongValue(span.startEpochNanos());
    fields.add(start);
    duration.setLongValue(span.durationNanos());
    fields.add(duration);
    fields.add(name.set(span.name()));
    fields.add(service.set(span.resource().serviceName()));
    kind.setBytesValue(KIND_NAMES[span.kind().ordinal()]);
    fields.add(kind);
    status.setBytesValue(STATUS_NAMES[span.statusCode().ordinal()]);
    fields.add(status);
    if (!span.statusMessage().isEmpty()) {
      statusMessage.setBytesValue(statusMessageBytes.set(span.statusMessage()));
      fields.add(statusMessage);
    }
    root.setLongValue(span.isRoot() ? 1 : 0);
    fields.add(root);
    spanId.setLongValue(span.spanId().value());
    fields.add(spanId);
    Map<String, Object> attributes = span.attributes();
    if (attributes.get(TT_OUTCOME) instanceof String outcomeName && !outcomeName.isEmpty()) {
      outcomeValues.setBytesValue(outcome.set(outcomeName));
      fields.add(outcomeValues);
      Object value = attributes.get(TT_OUTCOME_VALUE_USD);
      if (value instanceof Double || value instanceof Long) {
        outcomeValue.setLongValue(Double.doubleToLongBits(SpanDocuments.number(value)));
        fields.add(outcomeValue);
      }
    }
    if (llmCall != null) {
      // End and parent only where the call table reads them; rollups use start + duration.
      end.setLongValue(span.endEpochNanos());
      fields.add(end);
      parentId.setLongValue(span.parentSpanId().value());
      fields.add(parentId);
      call.add(llmCall, fields);
    }
    addAttributes(attributes, SpanDocuments.SPAN_ATTR, SpanDocuments.SPAN_NUM, budget, 0);
    addAttributes(span.resource().attributes(), SpanDocuments.RESOURCE_ATTR, SpanDocuments.RESOURCE_NUM, budget, 2);
    blobBytes.bytes = spanBlob;
    blobBytes.offset = 0;
    blobBytes.length = blobLength;
    blob.setBytesValue(blobBytes);
    fields.add(blob);
    return fields;
  }

  private void addAttributes(Map<String, Object> attributes, String stringPrefix, String numberPrefix, FieldBudget budget, int scope) {
    attributeStringPrefix = stringPrefix;
    attributeNumberPrefix = numberPrefix;
    attributeBudget = budget;
    attributeScope = scope;
    attributes.forEach(addAttribute);
  }

  private void addAttribute(String key, Object value) {
    addAttribute(key, value, attributeStringPrefix, attributeNumberPrefix, 0, attributeBudget, attributeScope);
  }

  private void addAttribute(String key, Object value, String stringPrefix, String numberPrefix, int depth, FieldBudget budget, int scope) {
    if (value instanceof String s) {
      addString(stringPrefix, key, SpanDocuments.truncate(s), budget, scope);
    } else if (value instanceof Long l) {
      addNumber(stringPrefix, numberPrefix, key, l, value, budget, scope);
    } else if (value instanceof Double d) {
      if (!d.isNaN()) {
        addNumber(stringPrefix, numberPrefix, key, d, value, budget, scope);
      }
    } else if (value instanceof Boolean b) {
      if (addString(stringPrefix, key, b ? "true" : "false", budget, scope)) {
        // Marks the value as typed: grouping by the key gives Boolean, not the string "true".
        fields.add(new StringField(SpanDocuments.BOOLEAN_FIELDS, fieldName(key, scope), Field.Store.NO));
      }
    } else if (value instanceof List<?> list && depth == 0) {
      for (Object element : list) {
        addAttribute(key, element, stringPrefix, numberPrefix, depth + 1, budget, scope);
      }
    }
    // Bytes and nested maps are kept in the stored span only.
  }

  /** {@code a.KEY, an.KEY, r.KEY, rn.KEY} of a key, built once per key. */
  private String fieldName(String key, int index) {
    String[] cached = names.get(key);
    if (cached == null) {
      if (names.size() >= MAX_CACHED_KEYS) {
        names.clear();
        slots.clear();
      }
      cached = new String[] {
        SpanDocuments.SPAN_ATTR + key, SpanDocuments.SPAN_NUM + key,
        SpanDocuments.RESOURCE_ATTR + key, SpanDocuments.RESOURCE_NUM + key
      };
      names.put(key, cached);
    }
    return cached[index];
  }

  /** Whether the value got its own field (false: it went to the overflow fields). */
  private boolean addString(String prefix, String key, String value, FieldBudget budget, int scope) {
    String field = fieldName(key, scope);
    if (budget == null || budget.admit(field, key)) {
      Slot slot = slots.get(field);
      if (slot == null) {
        slot = new Slot(new StringField(field, new BytesRef(), Field.Store.NO), new Utf8Value());
        slots.put(field, slot);
      }
      if (slot.generation == generation) {
        // A list attribute: its second value needs its own field.
        fields.add(new StringField(field, value, Field.Store.NO));
        return true;
      }
      slot.generation = generation;
      slot.field.setBytesValue(slot.value.set(value));
      fields.add(slot.field);
      return true;
    }
    addOverflow(prefix, prefix, key, value, budget);
    return false;
  }

  private void addNumber(
      String stringPrefix, String numberPrefix, String key, double value, Object original, FieldBudget budget, int scope) {
    String field = fieldName(key, scope + 1);
    if (budget == null || budget.admit(field, key)) {
      Slot slot = slots.get(field);
      if (slot == null) {
        slot = new Slot(new DoubleField(field, value, Field.Store.NO), null);
        slots.put(field, slot);
      }
      if (slot.generation == generation) {
        fields.add(new DoubleField(field, value, Field.Store.NO));
        return;
      }
      slot.generation = generation;
      ((DoubleField) slot.field).setDoubleValue(value);
      fields.add(slot.field);
    } else {
      addOverflow(stringPrefix, numberPrefix, key, original.toString(), budget);
    }
  }

  private void addOverflow(String scopePrefix, String fieldPrefix, String key, String value, FieldBudget budget) {
    String k = SpanDocuments.truncate(key);
    fields.add(new StringField(SpanDocuments.OVERFLOW_KEY, scopePrefix + k, Field.Store.NO));
    fields.add(new StringField(SpanDocuments.OVERFLOW_VALUE, fieldPrefix + k + SpanDocuments.OVERFLOW_SEPARATOR + value, Field.Store.NO));
    budget.countOverflow();
  }

  /** The UTF-8 bytes of a string (truncated for indexing), in a buffer reused per span. */
  private static final class Utf8Value {
    private final BytesRefBuilder bytes = new BytesRefBuilder();

    BytesRef set(String value) {
      bytes.copyChars(SpanDocuments.truncate(value));
      return bytes.get();
    }
  }

  /** A keyword field (indexed and sorted doc values) whose value bytes are reused. */
  private static final class Utf8Field {
    private final Utf8Value value = new Utf8Value();
    private final KeywordField field;

    Utf8Field(String name) {
      field = new KeywordField(name, new BytesRef(), Field.Store.NO);
    }

    KeywordField set(String s) {
      field.setBytesValue(value.set(s));
      return field;
    }
  }

  /** A sorted doc values column whose value bytes are reused. */
  private static final class SortedColumn {
    private final Utf8Value value = new Utf8Value();
    private final SortedDocValuesField field;

    SortedColumn(String name) {
      field = new SortedDocValuesField(name, new BytesRef());
    }

    SortedDocValuesField set(String s) {
      field.setBytesValue(value.set(s));
      return field;
    }
  }

  /** The call columns the analysis engine reads, from the call ingest recognized; fields reused. */
  private static final class CallColumns {
    private final StringField llm = new StringField(SpanDocuments.LLM, "true", Field.Store.NO);
    private final DoubleField cost = new DoubleField(SpanDocuments.COST, 0, Field.Store.NO);
    private final LongField tokensIn = new LongField(SpanDocuments.TOKENS_IN, 0, Field.Store.NO);
    private final LongField tokensOut = new LongField(SpanDocuments.TOKENS_OUT, 0, Field.Store.NO);
    private final SortedColumn model = new SortedColumn(SpanDocuments.MODEL);
    private final SortedColumn team = new SortedColumn(SpanDocuments.TEAM);
    private final SortedColumn project = new SortedColumn(SpanDocuments.PROJECT);
    private final NumericDocValuesField usage = new NumericDocValuesField(SpanDocuments.LLM_USAGE, 0);
    private final NumericDocValuesField pricedColumn = new NumericDocValuesField(SpanDocuments.LLM_PRICED, 0);
    private final NumericDocValuesField cacheRead = new NumericDocValuesField(SpanDocuments.LLM_CACHE_READ, 0);
    private final NumericDocValuesField cacheWrite = new NumericDocValuesField(SpanDocuments.LLM_CACHE_WRITE, 0);
    private final NumericDocValuesField reasoning = new NumericDocValuesField(SpanDocuments.LLM_REASONING, 0);
    private final NumericDocValuesField retryAttempt = new NumericDocValuesField(SpanDocuments.LLM_RETRY_ATTEMPT, 0);
    private final NumericDocValuesField prefixTokens = new NumericDocValuesField(SpanDocuments.LLM_PREFIX_TOKENS, 0);
    private final NumericDocValuesField tools = new NumericDocValuesField(SpanDocuments.LLM_TOOLS, 0);
    private final SortedColumn provider = new SortedColumn(SpanDocuments.LLM_PROVIDER);
    private final SortedColumn operation = new SortedColumn(SpanDocuments.LLM_OPERATION);
    private final SortedColumn requestHash = new SortedColumn(SpanDocuments.LLM_REQUEST_HASH);
    private final SortedColumn prefixHash = new SortedColumn(SpanDocuments.LLM_PREFIX_HASH);
    private final SortedColumn conversation = new SortedColumn(SpanDocuments.LLM_CONVERSATION);
    private final SortedColumn task = new SortedColumn(SpanDocuments.LLM_TASK);
    private final SortedColumn error = new SortedColumn(SpanDocuments.LLM_ERROR);
    private final SortedColumn costCenter = new SortedColumn(SpanDocuments.LLM_COST_CENTER);
    private final SortedColumn feature = new SortedColumn(SpanDocuments.LLM_FEATURE);

    void add(LlmCall c, List<IndexableField> out) {
      out.add(llm);
      boolean priced = c.cost() != null && c.cost().isPriced() && !Double.isNaN(c.cost().totalUsd());
      cost.setDoubleValue(priced ? c.cost().totalUsd() : 0);
      out.add(cost);
      if (c.inputTokens() >= 0) {
        tokensIn.setLongValue(c.inputTokens());
        out.add(tokensIn);
      }
      if (c.outputTokens() >= 0) {
        tokensOut.setLongValue(c.outputTokens());
        out.add(tokensOut);
      }
      Attribution who = c.attribution() == null ? Attribution.NONE : c.attribution();
      out.add(model.set(String.valueOf(c.billedModel())));
      out.add(team.set(who.team() == null ? "" : who.team()));
      out.add(project.set(who.project() == null ? "" : who.project()));
      out.add(number(usage, c.hasUsage() ? 1 : 0));
      out.add(number(pricedColumn, priced ? 1 : 0));
      count(out, cacheRead, c.cacheReadTokens());
      count(out, cacheWrite, c.cacheWriteTokens());
      count(out, reasoning, c.reasoningTokens());
      count(out, prefixTokens, c.prefixTokens());
      out.add(number(retryAttempt, Math.max(0, c.retryAttempt())));
      out.add(number(tools, c.toolUse() ? 1 : 0));
      keyword(out, provider, c.provider());
      keyword(out, operation, c.operation());
      keyword(out, requestHash, c.requestHash());
      keyword(out, prefixHash, c.prefixHash());
      keyword(out, conversation, c.conversationId());
      keyword(out, task, c.task());
      keyword(out, error, c.errorType());
      keyword(out, costCenter, who.costCenter());
      keyword(out, feature, who.feature());
    }

    private static NumericDocValuesField number(NumericDocValuesField field, long value) {
      field.setLongValue(value);
      return field;
    }

    private static void count(List<IndexableField> out, NumericDocValuesField field, long value) {
      if (value >= 0) {
        out.add(number(field, value));
      }
    }

    private static void keyword(List<IndexableField> out, SortedColumn column, String value) {
      if (value != null && !value.isEmpty()) {
        out.add(column.set(value));
      }
    }
  }
}
