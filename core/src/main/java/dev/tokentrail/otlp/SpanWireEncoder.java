package dev.tokentrail.otlp;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Writes spans as OTLP protobuf straight from the model, without building protobuf messages: the
 * bytes equal those of {@link OtlpSpans}' messages. Two passes over the spans: the first records
 * the length of every nested message in visiting order, the second writes them, so nothing is
 * buffered twice. Not thread-safe: one encoder per thread, its buffers reused across calls.
 */
public final class SpanWireEncoder {
  // Field numbers of opentelemetry/proto/{trace,common,resource}/v1.
  private static final int TRACES_DATA_RESOURCE_SPANS = 1;
  private static final int RESOURCE_SPANS_RESOURCE = 1;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
  private static final int RESOURCE_ATTRIBUTES = 1;
  private static final int SCOPE_SPANS_SCOPE = 1;
  private static final int SCOPE_SPANS_SPANS = 2;
  private static final int SCOPE_NAME = 1;
  private static final int SCOPE_VERSION = 2;
  private static final int SPAN_TRACE_ID = 1;
  private static final int SPAN_SPAN_ID = 2;
  private static final int SPAN_TRACE_STATE = 3;
  private static final int SPAN_PARENT_SPAN_ID = 4;
  private static final int SPAN_NAME = 5;
  private static final int SPAN_KIND = 6;
  private static final int SPAN_START = 7;
  private static final int SPAN_END = 8;
  private static final int SPAN_ATTRIBUTES = 9;
  private static final int SPAN_EVENTS = 11;
  private static final int SPAN_LINKS = 13;
  private static final int SPAN_STATUS = 15;
  private static final int EVENT_TIME = 1;
  private static final int EVENT_NAME = 2;
  private static final int EVENT_ATTRIBUTES = 3;
  private static final int LINK_TRACE_ID = 1;
  private static final int LINK_SPAN_ID = 2;
  private static final int LINK_TRACE_STATE = 3;
  private static final int LINK_ATTRIBUTES = 4;
  private static final int STATUS_MESSAGE = 2;
  private static final int STATUS_CODE = 3;
  private static final int KEY_VALUE_KEY = 1;
  private static final int KEY_VALUE_VALUE = 2;
  private static final int ANY_STRING = 1;
  private static final int ANY_BOOL = 2;
  private static final int ANY_INT = 3;
  private static final int ANY_DOUBLE = 4;
  private static final int ANY_ARRAY = 5;
  private static final int ANY_KVLIST = 6;
  private static final int ANY_BYTES = 7;
  private static final int LIST_VALUES = 1;
  /** Lengths of the nested messages, in the order the write pass meets them. */
  private int[] lengths = new int[256];
  private int recorded;
  private int cursor;
  private byte[] buffer = new byte[4096];
  // Attribute maps are walked with forEach (no iterator, no entry wrappers): the entry callbacks
  // and the state they share, saved and restored around nested maps.
  private final BiConsumer<Object, Object> sizeEntry = this::sizeEntry;
  private final BiConsumer<Object, Object> writeEntry = this::writeEntry;
  private int entryField;
  private int entriesSize;
  private CodedOutputStream entryOut;

  private SpanWireEncoder() {}

  /** A new encoder for the calling thread. */
  public static SpanWireEncoder create() {
    return new SpanWireEncoder();
  }

  /**
   * Writes {@code span} with its resource and scope as one OTLP {@code ResourceSpans} (the bytes
   * of {@code OtlpSpans.encodeOne(span)}) into {@link #buffer()}; returns its length. The bytes
   * are valid until the next call.
   */
  public int resourceSpans(Span span) {
    recorded = 0;
    int size = sizeGroup(List.of(span), 0, 1);
    if (buffer.length < size) {
      buffer = new byte[Math.max(size, buffer.length * 2)];
    }
    CodedOutputStream out = CodedOutputStream.newInstance(buffer, 0, size);
    cursor = 0;
    try {
      writeGroup(out, List.of(span), 0, 1);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return size;
  }

  /** The buffer {@link #resourceSpans} wrote into. */
  public byte[] buffer() {
    return buffer;
  }

  /**
   * {@code spans} as an OTLP {@code TracesData}: each run of consecutive spans with an equal
   * resource is one {@code ResourceSpans} (resource written once), each run with the same scope
   * within it one {@code ScopeSpans}, so the spans keep their order. When {@code extraValue} is not
   * null it follows as string field {@code extraField}, which OTLP readers keep as an unknown
   * field.
   */
  public byte[] tracesData(List<Span> spans, int extraField, String extraValue) {
    recorded = 0;
    int size = 0;
    for (int from = 0; from < spans.size(); ) {
      int to = resourceRunEnd(spans, from);
      int slot = reserve();
      int group = sizeGroup(spans, from, to);
      lengths[slot] = group;
      size += lengthDelimitedSize(TRACES_DATA_RESOURCE_SPANS, group);
      from = to;
    }
    if (extraValue != null) {
      size += CodedOutputStream.computeStringSize(extraField, extraValue);
    }
    byte[] out = new byte[size];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    cursor = 0;
    try {
      for (int from = 0; from < spans.size(); ) {
        int to = resourceRunEnd(spans, from);
        startMessage(coded, TRACES_DATA_RESOURCE_SPANS);
        writeGroup(coded, spans, from, to);
        from = to;
      }
      if (extraValue != null) {
        coded.writeString(extraField, extraValue);
      }
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static int resourceRunEnd(List<Span> spans, int from) {
    Resource resource = spans.get(from).resource();
    int to = from + 1;
    while (to < spans.size() && sameResource(resource, spans.get(to).resource())) {
      to++;
    }
    return to;
  }

  private static boolean sameResource(Resource a, Resource b) {
    return a == b || a.equals(b);
  }

  private static int scopeRunEnd(List<Span> spans, int from, int to) {
    Span first = spans.get(from);
    int end = from + 1;
    while (end < to && first.scopeName().equals(spans.get(end).scopeName())
        && first.scopeVersion().equals(spans.get(end).scopeVersion())) {
      end++;
    }
    return end;
  }

  // Size pass: returns a message's body length and records the length of every nested message.

  private int reserve() {
    if (recorded == lengths.length) {
      lengths = Arrays.copyOf(lengths, lengths.length * 2);
    }
    return recorded++;
  }

  private static int lengthDelimitedSize(int field, int length) {
    return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
  }

  private static int stringSize(int field, String value) {
    return value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, value);
  }

  /** The body of a {@code ResourceSpans} holding {@code spans[from, to)}, which share a resource. */
  private int sizeGroup(List<Span> spans, int from, int to) {
    int slot = reserve();
    int resource = sizeAttributes(RESOURCE_ATTRIBUTES, spans.get(from).resource().attributes());
    lengths[slot] = resource;
    int size = lengthDelimitedSize(RESOURCE_SPANS_RESOURCE, resource);
    for (int a = from; a < to; ) {
      int b = scopeRunEnd(spans, a, to);
      int scopeSpansSlot = reserve();
      int scopeSpans = sizeScopeSpans(spans, a, b);
      lengths[scopeSpansSlot] = scopeSpans;
      size += lengthDelimitedSize(RESOURCE_SPANS_SCOPE_SPANS, scopeSpans);
      a = b;
    }
    return size;
  }

  private int sizeScopeSpans(List<Span> spans, int from, int to) {
    Span first = spans.get(from);
    int scopeSlot = reserve();
    int scope = stringSize(SCOPE_NAME, first.scopeName()) + stringSize(SCOPE_VERSION, first.scopeVersion());
    lengths[scopeSlot] = scope;
    int size = lengthDelimitedSize(SCOPE_SPANS_SCOPE, scope);
    for (int i = from; i < to; i++) {
      int spanSlot = reserve();
      int span = sizeSpan(spans.get(i));
      lengths[spanSlot] = span;
      size += lengthDelimitedSize(SCOPE_SPANS_SPANS, span);
    }
    return size;
  }

  private int sizeSpan(Span span) {
    int size = idSize(SPAN_TRACE_ID, span.traceId())
        + idSize(SPAN_SPAN_ID, span.spanId())
        + stringSize(SPAN_TRACE_STATE, span.traceState())
        + idSize(SPAN_PARENT_SPAN_ID, span.parentSpanId())
        + stringSize(SPAN_NAME, span.name());
    int kind = span.kind().ordinal();
    if (kind != 0) {
      size += CodedOutputStream.computeEnumSize(SPAN_KIND, kind);
    }
    if (span.startEpochNanos() != 0) {
      size += CodedOutputStream.computeFixed64Size(SPAN_START, span.startEpochNanos());
    }
    if (span.endEpochNanos() != 0) {
      size += CodedOutputStream.computeFixed64Size(SPAN_END, span.endEpochNanos());
    }
    size += sizeAttributes(SPAN_ATTRIBUTES, span.attributes());
    List<SpanEvent> events = span.events();
    for (int i = 0; i < events.size(); i++) {
      SpanEvent event = events.get(i);
      int slot = reserve();
      int body = (event.epochNanos() != 0 ? CodedOutputStream.computeFixed64Size(EVENT_TIME, event.epochNanos()) : 0)
          + stringSize(EVENT_NAME, event.name())
          + sizeAttributes(EVENT_ATTRIBUTES, event.attributes());
      lengths[slot] = body;
      size += lengthDelimitedSize(SPAN_EVENTS, body);
    }
    List<SpanLink> links = span.links();
    for (int i = 0; i < links.size(); i++) {
      SpanLink link = links.get(i);
      int slot = reserve();
      int body = idSize(LINK_TRACE_ID, link.traceId())
          + idSize(LINK_SPAN_ID, link.spanId())
          + stringSize(LINK_TRACE_STATE, link.traceState())
          + sizeAttributes(LINK_ATTRIBUTES, link.attributes());
      lengths[slot] = body;
      size += lengthDelimitedSize(SPAN_LINKS, body);
    }
    if (hasStatus(span)) {
      int slot = reserve();
      int code = span.statusCode().ordinal();
      int body = stringSize(STATUS_MESSAGE, span.statusMessage())
          + (code != 0 ? CodedOutputStream.computeEnumSize(STATUS_CODE, code) : 0);
      lengths[slot] = body;
      size += lengthDelimitedSize(SPAN_STATUS, body);
    }
    return size;
  }

  private static boolean hasStatus(Span span) {
    return span.statusCode() != StatusCode.UNSET || !span.statusMessage().isEmpty();
  }

  /** Repeated {@code KeyValue} field {@code field}: the summed sizes of its entries with tags. */
  private int sizeAttributes(int field, Map<?, ?> attributes) {
    if (attributes.isEmpty()) {
      return 0;
    }
    int outerField = entryField;
    int outerSize = entriesSize;
    entryField = field;
    entriesSize = 0;
    attributes.forEach(sizeEntry);
    int size = entriesSize;
    entryField = outerField;
    entriesSize = outerSize;
    return size;
  }

  private void sizeEntry(Object key, Object value) {
    int slot = reserve();
    int body = sizeKeyValue(String.valueOf(key), value);
    lengths[slot] = body;
    entriesSize += lengthDelimitedSize(entryField, body);
  }

  private int sizeKeyValue(String key, Object value) {
    int slot = reserve();
    int any = sizeAnyValue(value);
    lengths[slot] = any;
    return stringSize(KEY_VALUE_KEY, key) + lengthDelimitedSize(KEY_VALUE_VALUE, any);
  }

  private int sizeAnyValue(Object value) {
    if (value instanceof String s) {
      return CodedOutputStream.computeStringSize(ANY_STRING, s);
    } else if (value instanceof Long l) {
      return CodedOutputStream.computeInt64Size(ANY_INT, l);
    } else if (value instanceof Integer i) {
      return CodedOutputStream.computeInt64Size(ANY_INT, i);
    } else if (value instanceof Double d) {
      return CodedOutputStream.computeDoubleSize(ANY_DOUBLE, d);
    } else if (value instanceof Boolean b) {
      return CodedOutputStream.computeBoolSize(ANY_BOOL, b);
    } else if (value instanceof byte[] bytes) {
      return CodedOutputStream.computeByteArraySize(ANY_BYTES, bytes);
    } else if (value instanceof List<?> list) {
      int slot = reserve();
      int body = 0;
      for (Object element : list) {
        int elementSlot = reserve();
        int any = sizeAnyValue(element);
        lengths[elementSlot] = any;
        body += lengthDelimitedSize(LIST_VALUES, any);
      }
      lengths[slot] = body;
      return lengthDelimitedSize(ANY_ARRAY, body);
    } else if (value instanceof Map<?, ?> map) {
      int slot = reserve();
      int body = sizeAttributes(LIST_VALUES, map);
      lengths[slot] = body;
      return lengthDelimitedSize(ANY_KVLIST, body);
    } else if (value != null) {
      return CodedOutputStream.computeStringSize(ANY_STRING, value.toString());
    }
    return 0;
  }

  // Write pass: the same walk, taking the recorded lengths in order.

  private void startMessage(CodedOutputStream out, int field) throws IOException {
    out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(lengths[cursor++]);
  }

  private static void writeString(CodedOutputStream out, int field, String value) throws IOException {
    if (!value.isEmpty()) {
      out.writeString(field, value);
    }
  }

  private void writeGroup(CodedOutputStream out, List<Span> spans, int from, int to) throws IOException {
    startMessage(out, RESOURCE_SPANS_RESOURCE);
    writeAttributes(out, RESOURCE_ATTRIBUTES, spans.get(from).resource().attributes());
    for (int a = from; a < to; ) {
      int b = scopeRunEnd(spans, a, to);
      startMessage(out, RESOURCE_SPANS_SCOPE_SPANS);
      Span first = spans.get(a);
      startMessage(out, SCOPE_SPANS_SCOPE);
      writeString(out, SCOPE_NAME, first.scopeName());
      writeString(out, SCOPE_VERSION, first.scopeVersion());
      for (int i = a; i < b; i++) {
        startMessage(out, SCOPE_SPANS_SPANS);
        writeSpan(out, spans.get(i));
      }
      a = b;
    }
  }

  private void writeSpan(CodedOutputStream out, Span span) throws IOException {
    writeId(out, SPAN_TRACE_ID, span.traceId());
    writeId(out, SPAN_SPAN_ID, span.spanId());
    writeString(out, SPAN_TRACE_STATE, span.traceState());
    writeId(out, SPAN_PARENT_SPAN_ID, span.parentSpanId());
    writeString(out, SPAN_NAME, span.name());
    int kind = span.kind().ordinal();
    if (kind != 0) {
      out.writeEnum(SPAN_KIND, kind);
    }
    if (span.startEpochNanos() != 0) {
      out.writeFixed64(SPAN_START, span.startEpochNanos());
    }
    if (span.endEpochNanos() != 0) {
      out.writeFixed64(SPAN_END, span.endEpochNanos());
    }
    writeAttributes(out, SPAN_ATTRIBUTES, span.attributes());
    List<SpanEvent> events = span.events();
    for (int i = 0; i < events.size(); i++) {
      SpanEvent event = events.get(i);
      startMessage(out, SPAN_EVENTS);
      if (event.epochNanos() != 0) {
        out.writeFixed64(EVENT_TIME, event.epochNanos());
      }
      writeString(out, EVENT_NAME, event.name());
      writeAttributes(out, EVENT_ATTRIBUTES, event.attributes());
    }
    List<SpanLink> links = span.links();
    for (int i = 0; i < links.size(); i++) {
      SpanLink link = links.get(i);
      startMessage(out, SPAN_LINKS);
      writeId(out, LINK_TRACE_ID, link.traceId());
      writeId(out, LINK_SPAN_ID, link.spanId());
      writeString(out, LINK_TRACE_STATE, link.traceState());
      writeAttributes(out, LINK_ATTRIBUTES, link.attributes());
    }
    if (hasStatus(span)) {
      startMessage(out, SPAN_STATUS);
      writeString(out, STATUS_MESSAGE, span.statusMessage());
      int code = span.statusCode().ordinal();
      if (code != 0) {
        out.writeEnum(STATUS_CODE, code);
      }
    }
  }

  private void writeAttributes(CodedOutputStream out, int field, Map<?, ?> attributes) throws IOException {
    if (attributes.isEmpty()) {
      return;
    }
    int outerField = entryField;
    CodedOutputStream outerOut = entryOut;
    entryField = field;
    entryOut = out;
    try {
      attributes.forEach(writeEntry);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      entryField = outerField;
      entryOut = outerOut;
    }
  }

  private void writeEntry(Object key, Object value) {
    try {
      startMessage(entryOut, entryField);
      writeString(entryOut, KEY_VALUE_KEY, String.valueOf(key));
      startMessage(entryOut, KEY_VALUE_VALUE);
      writeAnyValue(entryOut, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeAnyValue(CodedOutputStream out, Object value) throws IOException {
    if (value instanceof String s) {
      out.writeString(ANY_STRING, s);
    } else if (value instanceof Long l) {
      out.writeInt64(ANY_INT, l);
    } else if (value instanceof Integer i) {
      out.writeInt64(ANY_INT, i);
    } else if (value instanceof Double d) {
      out.writeDouble(ANY_DOUBLE, d);
    } else if (value instanceof Boolean b) {
      out.writeBool(ANY_BOOL, b);
    } else if (value instanceof byte[] bytes) {
      out.writeByteArray(ANY_BYTES, bytes);
    } else if (value instanceof List<?> list) {
      startMessage(out, ANY_ARRAY);
      for (Object element : list) {
        startMessage(out, LIST_VALUES);
        writeAnyValue(out, element);
      }
    } else if (value instanceof Map<?, ?> map) {
      startMessage(out, ANY_KVLIST);
      writeAttributes(out, LIST_VALUES, map);
    } else if (value != null) {
      out.writeString(ANY_STRING, value.toString());
    }
  }

  // Identifiers: the model's hex ids as their raw bytes; an empty id is absent.

  private static int idSize(int field, TraceId id) {
    return lengthDelimitedSize(field, TraceId.BYTES);
  }

  private static int idSize(int field, SpanId id) {
    return id.isNone() ? 0 : lengthDelimitedSize(field, SpanId.BYTES);
  }

  private static void writeId(CodedOutputStream out, int field, TraceId id) throws IOException {
    out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(TraceId.BYTES);
    writeBigEndian(out, id.high());
    writeBigEndian(out, id.low());
  }

  private static void writeId(CodedOutputStream out, int field, SpanId id) throws IOException {
    if (id.isNone()) {
      return;
    }
    out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(SpanId.BYTES);
    writeBigEndian(out, id.value());
  }

  private static void writeBigEndian(CodedOutputStream out, long v) throws IOException {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.writeRawByte((byte) (v >>> shift));
    }
  }
}
