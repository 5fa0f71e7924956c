package dev.tokentrail.store.opensearch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The span in {@code _source} (mapping version 7 on): what the document's top-level fields do not
 * already hold (ids, name, kind, status, times are read from those), as one JSON object OpenSearch
 * keeps but never indexes ({@code enabled: false}). JSON instead of protobuf bytes because {@code
 * _source} is JSON: bytes would be base64, which the stored-field compression cannot shrink, while
 * this repeats attribute keys OpenSearch's block compression finds in neighbouring documents.
 *
 * <p>Lossless for every value a span holds: attributes are flat arrays of key, value, key, value
 * (so their order survives OpenSearch's source filtering, which reads objects into unordered maps);
 * a value is a JSON string, boolean, integer (long) or number with a fraction or exponent (double),
 * an array (OTLP array), or an object naming its type: {@code {"double": "NaN"}} for a non-finite
 * double, {@code {"bytes": base64}}, {@code {"kvlist": [key, value, ...]}}.
 */
final class SpanSource {
  static final String FIELD = "span_json";
  private static final String TRACE_STATE = "trace_state";
  private static final String ATTRIBUTES = "attributes";
  private static final String RESOURCE = "resource";
  private static final String SCOPE = "scope";
  private static final String SCOPE_VERSION = "scope_version";
  private static final String EVENTS = "events";
  private static final String LINKS = "links";
  private static final String TIME = "time";
  private static final String NAME = "name";
  private static final String DOUBLE = "double";
  private static final String BYTES = "bytes";
  private static final String KVLIST = "kvlist";

  private static final Map<String, SpanKind> KINDS = byName(SpanKind.values(), SpanKind::traceQlName);
  private static final Map<String, StatusCode> STATUSES = byName(StatusCode.values(), StatusCode::traceQlName);

  private SpanSource() {}

  /** Writes the {@link #FIELD} object of {@code span}. */
  static void write(JsonGenerator out, Span span) throws IOException {
    out.writeObjectFieldStart(FIELD);
    if (!span.traceState().isEmpty()) {
      out.writeStringField(TRACE_STATE, span.traceState());
    }
    attributes(out, ATTRIBUTES, span.attributes());
    attributes(out, RESOURCE, span.resource().attributes());
    if (!span.scopeName().isEmpty()) {
      out.writeStringField(SCOPE, span.scopeName());
    }
    if (!span.scopeVersion().isEmpty()) {
      out.writeStringField(SCOPE_VERSION, span.scopeVersion());
    }
    if (!span.events().isEmpty()) {
      out.writeArrayFieldStart(EVENTS);
      for (SpanEvent e : span.events()) {
        out.writeStartObject();
        out.writeNumberField(TIME, e.epochNanos());
        out.writeStringField(NAME, e.name());
        attributes(out, ATTRIBUTES, e.attributes());
        out.writeEndObject();
      }
      out.writeEndArray();
    }
    if (!span.links().isEmpty()) {
      out.writeArrayFieldStart(LINKS);
      for (SpanLink l : span.links()) {
        out.writeStartObject();
        out.writeStringField(SpanDocuments.TRACE_ID, l.traceId().hex());
        out.writeStringField(SpanDocuments.SPAN_ID, l.spanId().hex());
        if (!l.traceState().isEmpty()) {
          out.writeStringField(TRACE_STATE, l.traceState());
        }
        attributes(out, ATTRIBUTES, l.attributes());
        out.writeEndObject();
      }
      out.writeEndArray();
    }
    out.writeEndObject();
  }

  private static void attributes(JsonGenerator out, String field, Map<String, Object> attributes) throws IOException {
    if (attributes.isEmpty()) {
      return;
    }
    out.writeFieldName(field);
    pairs(out, attributes);
  }

  private static void pairs(JsonGenerator out, Map<?, ?> attributes) throws IOException {
    out.writeStartArray();
    for (Map.Entry<?, ?> e : attributes.entrySet()) {
      if (e.getValue() != null) {
        out.writeString(String.valueOf(e.getKey()));
        value(out, e.getValue());
      }
    }
    out.writeEndArray();
  }

  private static void value(JsonGenerator out, Object value) throws IOException {
    switch (value) {
      case String s -> out.writeString(s);
      case Boolean b -> out.writeBoolean(b);
      case Long l -> out.writeNumber(l);
      case Integer i -> out.writeNumber((long) i);
      case Double d when Double.isFinite(d) -> out.writeNumber(d);
      case Double d -> {
        out.writeStartObject();
        out.writeStringField(DOUBLE, d.toString());
        out.writeEndObject();
      }
      case byte[] bytes -> {
        out.writeStartObject();
        out.writeStringField(BYTES, Base64.getEncoder().encodeToString(bytes));
        out.writeEndObject();
      }
      case List<?> list -> {
        out.writeStartArray();
        for (Object element : list) {
          if (element != null) {
            value(out, element);
          }
        }
        out.writeEndArray();
      }
      case Map<?, ?> map -> {
        out.writeStartObject();
        out.writeFieldName(KVLIST);
        pairs(out, map);
        out.writeEndObject();
      }
      default -> out.writeString(value.toString()); // as OTLP encoding stores an unknown type
    }
  }

  /** The span of a {@code _source} holding {@link #FIELD} and the document's top-level span fields. */
  static Span read(JsonNode source) {
    JsonNode json = source.path(FIELD);
    return new Span(
        TraceId.fromHex(required(source, SpanDocuments.TRACE_ID)),
        SpanId.fromHex(required(source, SpanDocuments.SPAN_ID)),
        source.hasNonNull(SpanDocuments.PARENT_ID) ? SpanId.fromHex(source.get(SpanDocuments.PARENT_ID).asText()) : SpanId.NONE,
        json.path(TRACE_STATE).asText(""),
        source.path(SpanDocuments.NAME).asText(""),
        KINDS.getOrDefault(source.path(SpanDocuments.KIND).asText(""), SpanKind.UNSPECIFIED),
        source.path(SpanDocuments.START).asLong(),
        source.path(SpanDocuments.END).asLong(),
        STATUSES.getOrDefault(source.path(SpanDocuments.STATUS).asText(""), StatusCode.UNSET),
        source.path(SpanDocuments.STATUS_MESSAGE).asText(""),
        attributes(json.path(ATTRIBUTES)),
        Resource.of(attributes(json.path(RESOURCE))),
        json.path(SCOPE).asText(""),
        json.path(SCOPE_VERSION).asText(""),
        events(json.path(EVENTS)),
        links(json.path(LINKS)));
  }

  private static String required(JsonNode source, String field) {
    JsonNode v = source.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalStateException("span document without " + field);
    }
    return v.asText();
  }

  private static List<SpanEvent> events(JsonNode events) {
    if (events.isEmpty()) {
      return List.of();
    }
    List<SpanEvent> out = new ArrayList<>(events.size());
    for (JsonNode e : events) {
      out.add(new SpanEvent(e.path(TIME).asLong(), e.path(NAME).asText(""), attributes(e.path(ATTRIBUTES))));
    }
    return List.copyOf(out);
  }

  private static List<SpanLink> links(JsonNode links) {
    if (links.isEmpty()) {
      return List.of();
    }
    List<SpanLink> out = new ArrayList<>(links.size());
    for (JsonNode l : links) {
      out.add(new SpanLink(TraceId.fromHex(l.path(SpanDocuments.TRACE_ID).asText()),
          SpanId.fromHex(l.path(SpanDocuments.SPAN_ID).asText()), l.path(TRACE_STATE).asText(""),
          attributes(l.path(ATTRIBUTES))));
    }
    return List.copyOf(out);
  }

  private static Map<String, Object> attributes(JsonNode pairs) {
    if (pairs.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>(pairs.size());
    for (int i = 0; i + 1 < pairs.size(); i += 2) {
      Object value = value(pairs.get(i + 1));
      if (value != null) {
        out.put(pairs.get(i).asText(), value);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object value(JsonNode v) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isArray()) {
      List<Object> list = new ArrayList<>(v.size());
      for (JsonNode element : v) {
        Object e = value(element);
        if (e != null) {
          list.add(e);
        }
      }
      return Collections.unmodifiableList(list);
    }
    if (v.has(DOUBLE)) {
      return Double.valueOf(v.get(DOUBLE).asText());
    }
    if (v.has(BYTES)) {
      return Base64.getDecoder().decode(v.get(BYTES).asText());
    }
    if (v.has(KVLIST)) {
      return attributes(v.get(KVLIST));
    }
    return null;
  }

  private static <T> Map<String, T> byName(T[] values, Function<T, String> name) {
    Map<String, T> out = new HashMap<>();
    for (T v : values) {
      out.put(name.apply(v), v);
    }
    return Map.copyOf(out);
  }
}
