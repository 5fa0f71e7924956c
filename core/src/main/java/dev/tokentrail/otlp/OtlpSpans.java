package dev.tokentrail.otlp;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OTLP protobuf codec: OTLP {@code ResourceSpans} to {@link Span}s and back. Decoding never
 * throws on content: a span with an invalid id (its own, its parent's or a link's) is rejected and
 * counted, the others are kept. Ids go between the protobuf bytes and {@link TraceId}/{@link SpanId}
 * directly, never through hex.
 */
public final class OtlpSpans {
  private OtlpSpans() {}

  /** The spans of a request, and what was rejected with the first reason, as OTLP reports it. */
  public record Decoded(List<Span> spans, int rejected, String firstRejection) {}

  public static Decoded decode(List<ResourceSpans> resourceSpansList) {
    List<Span> spans = new ArrayList<>();
    int rejected = 0;
    String firstRejection = null;
    for (ResourceSpans resourceSpans : resourceSpansList) {
      Resource resource = Resource.of(attributes(resourceSpans.getResource().getAttributesList()));
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        InstrumentationScope scope = scopeSpans.getScope();
        for (io.opentelemetry.proto.trace.v1.Span proto : scopeSpans.getSpansList()) {
          String problem = validate(proto);
          if (problem != null) {
            rejected++;
            if (firstRejection == null) {
              firstRejection = problem;
            }
            continue;
          }
          spans.add(decodeSpan(proto, resource, scope.getName(), scope.getVersion()));
        }
      }
    }
    return new Decoded(spans, rejected, firstRejection);
  }

  private static String validate(io.opentelemetry.proto.trace.v1.Span proto) {
    if (!isValidId(proto.getTraceId(), TraceId.BYTES)) {
      return where(proto) + ": invalid traceId (expected: 16 bytes, not all zero)";
    }
    if (!isValidId(proto.getSpanId(), SpanId.BYTES)) {
      return where(proto) + ": invalid spanId (expected: 8 bytes, not all zero)";
    }
    int parentLength = proto.getParentSpanId().size();
    if (parentLength != 0 && parentLength != SpanId.BYTES) {
      return "span " + hex(proto.getSpanId()) + ": invalid parentSpanId (expected: empty or 8 bytes)";
    }
    for (int i = 0; i < proto.getLinksCount(); i++) {
      io.opentelemetry.proto.trace.v1.Span.Link link = proto.getLinks(i);
      if (link.getTraceId().size() != TraceId.BYTES) {
        return "span " + hex(proto.getSpanId()) + ": invalid links[" + i + "].traceId "
            + hex(link.getTraceId()) + " (expected: 16 bytes)";
      }
      if (link.getSpanId().size() != SpanId.BYTES) {
        return "span " + hex(proto.getSpanId()) + ": invalid links[" + i + "].spanId "
            + hex(link.getSpanId()) + " (expected: 8 bytes)";
      }
    }
    return null;
  }

  private static String where(io.opentelemetry.proto.trace.v1.Span proto) {
    return "span " + hex(proto.getSpanId()) + " in trace " + hex(proto.getTraceId());
  }

  /** Hex of an id of any length, for rejection messages only. */
  private static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }

  private static boolean isValidId(ByteString id, int length) {
    if (id.size() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (id.byteAt(i) != 0) {
        return true;
      }
    }
    return false;
  }

  /** The big-endian long at {@code offset}, read in place (no copy of the bytes). */
  private static long longAt(ByteString bytes, int offset) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (bytes.byteAt(offset + i) & 0xFFL);
    }
    return v;
  }

  private static TraceId traceId(ByteString bytes) {
    return new TraceId(longAt(bytes, 0), longAt(bytes, 8));
  }

  private static SpanId spanId(ByteString bytes) {
    return bytes.isEmpty() ? SpanId.NONE : new SpanId(longAt(bytes, 0));
  }

  private static ByteString bytes(TraceId id) {
    return UnsafeByteOperations.unsafeWrap(id.toBytes());
  }

  private static ByteString bytes(SpanId id) {
    return UnsafeByteOperations.unsafeWrap(id.toBytes());
  }

  static Span decodeSpan(
      io.opentelemetry.proto.trace.v1.Span proto,
      Resource resource,
      String scopeName,
      String scopeVersion) {
    List<SpanEvent> events = List.of();
    if (proto.getEventsCount() > 0) {
      events = new ArrayList<>(proto.getEventsCount());
      for (io.opentelemetry.proto.trace.v1.Span.Event e : proto.getEventsList()) {
        events.add(new SpanEvent(e.getTimeUnixNano(), e.getName(), attributes(e.getAttributesList())));
      }
    }
    List<SpanLink> links = List.of();
    if (proto.getLinksCount() > 0) {
      links = new ArrayList<>(proto.getLinksCount());
      for (io.opentelemetry.proto.trace.v1.Span.Link l : proto.getLinksList()) {
        if (l.getTraceId().size() != TraceId.BYTES || l.getSpanId().size() != SpanId.BYTES) {
          // Ingest rejects such spans; only a blob stored before links were checked holds one.
          continue;
        }
        links.add(
            new SpanLink(
                traceId(l.getTraceId()),
                spanId(l.getSpanId()),
                l.getTraceState(),
                attributes(l.getAttributesList())));
      }
    }
    return new Span(
        traceId(proto.getTraceId()),
        spanId(proto.getSpanId()),
        spanId(proto.getParentSpanId()),
        proto.getTraceState(),
        proto.getName(),
        SpanKind.ofNumber(proto.getKindValue()),
        proto.getStartTimeUnixNano(),
        proto.getEndTimeUnixNano(),
        StatusCode.ofNumber(proto.getStatus().getCodeValue()),
        proto.getStatus().getMessage(),
        attributes(proto.getAttributesList()),
        resource,
        scopeName,
        scopeVersion,
        events,
        links);
  }

  static Map<String, Object> attributes(List<KeyValue> keyValues) {
    if (keyValues.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>(keyValues.size() * 2);
    for (KeyValue kv : keyValues) {
      Object value = value(kv.getValue());
      if (value != null) {
        out.put(kv.getKey(), value);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  static Object value(AnyValue any) {
    return switch (any.getValueCase()) {
      case STRING_VALUE -> any.getStringValue();
      case BOOL_VALUE -> any.getBoolValue();
      case INT_VALUE -> any.getIntValue();
      case DOUBLE_VALUE -> any.getDoubleValue();
      case BYTES_VALUE -> any.getBytesValue().toByteArray();
      case ARRAY_VALUE -> {
        List<Object> list = new ArrayList<>(any.getArrayValue().getValuesCount());
        for (AnyValue v : any.getArrayValue().getValuesList()) {
          Object element = value(v);
          if (element != null) {
            list.add(element);
          }
        }
        yield Collections.unmodifiableList(list);
      }
      case KVLIST_VALUE -> attributes(any.getKvlistValue().getValuesList());
      case VALUE_NOT_SET -> null;
    };
  }

  // Encoding.

  /** Spans grouped back into OTLP resource and scope blocks, in first-seen order. */
  public static TracesData encode(List<Span> spans) {
    Map<Resource, Map<String, ScopeSpans.Builder>> grouped = new IdentityHashMap<>();
    Map<Resource, Resource> canonical = new IdentityHashMap<>();
    List<Resource> order = new ArrayList<>();
    for (Span span : spans) {
      Resource resource = canonical.get(span.resource());
      if (resource == null) {
        resource = equalResource(order, span.resource());
        canonical.put(span.resource(), resource);
      }
      Map<String, ScopeSpans.Builder> scopes =
          grouped.computeIfAbsent(resource, r -> new LinkedHashMap<>());
      ScopeSpans.Builder scope =
          scopes.computeIfAbsent(
              span.scopeName() + '\u0000' + span.scopeVersion(),
              k ->
                  ScopeSpans.newBuilder()
                      .setScope(
                          InstrumentationScope.newBuilder()
                              .setName(span.scopeName())
                              .setVersion(span.scopeVersion())));
      scope.addSpans(encodeSpan(span));
    }
    TracesData.Builder data = TracesData.newBuilder();
    for (Resource resource : order) {
      ResourceSpans.Builder rs =
          ResourceSpans.newBuilder()
              .setResource(
                  io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                      .addAllAttributes(keyValues(resource.attributes())));
      for (ScopeSpans.Builder scope : grouped.get(resource).values()) {
        rs.addScopeSpans(scope);
      }
      data.addResourceSpans(rs);
    }
    return data.build();
  }

  /** Spans decoded from different requests carry equal but distinct resources: merge them. */
  private static Resource equalResource(List<Resource> order, Resource resource) {
    for (Resource r : order) {
      if (r.equals(resource)) {
        return r;
      }
    }
    order.add(resource);
    return resource;
  }

  /** One span with its resource and scope, as the store keeps it. */
  public static ResourceSpans encodeOne(Span span) {
    return ResourceSpans.newBuilder()
        .setResource(
            io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                .addAllAttributes(keyValues(span.resource().attributes())))
        .addScopeSpans(
            ScopeSpans.newBuilder()
                .setScope(
                    InstrumentationScope.newBuilder()
                        .setName(span.scopeName())
                        .setVersion(span.scopeVersion()))
                .addSpans(encodeSpan(span)))
        .build();
  }

  /** The inverse of {@link #encodeOne}. */
  public static Span decodeOne(ResourceSpans resourceSpans) {
    ScopeSpans scope = resourceSpans.getScopeSpans(0);
    return decodeSpan(
        scope.getSpans(0),
        Resource.of(attributes(resourceSpans.getResource().getAttributesList())),
        scope.getScope().getName(),
        scope.getScope().getVersion());
  }

  public static io.opentelemetry.proto.trace.v1.Span encodeSpan(Span span) {
    io.opentelemetry.proto.trace.v1.Span.Builder b =
        io.opentelemetry.proto.trace.v1.Span.newBuilder()
            .setTraceId(bytes(span.traceId()))
            .setSpanId(bytes(span.spanId()))
            .setTraceState(span.traceState())
            .setName(span.name())
            .setKindValue(span.kind().ordinal())
            .setStartTimeUnixNano(span.startEpochNanos())
            .setEndTimeUnixNano(span.endEpochNanos())
            .addAllAttributes(keyValues(span.attributes()));
    if (!span.parentSpanId().isNone()) {
      b.setParentSpanId(bytes(span.parentSpanId()));
    }
    if (span.statusCode() != StatusCode.UNSET || !span.statusMessage().isEmpty()) {
      b.setStatus(
          Status.newBuilder()
              .setCodeValue(span.statusCode().ordinal())
              .setMessage(span.statusMessage()));
    }
    for (SpanEvent event : span.events()) {
      b.addEvents(
          io.opentelemetry.proto.trace.v1.Span.Event.newBuilder()
              .setTimeUnixNano(event.epochNanos())
              .setName(event.name())
              .addAllAttributes(keyValues(event.attributes())));
    }
    for (SpanLink link : span.links()) {
      b.addLinks(
          io.opentelemetry.proto.trace.v1.Span.Link.newBuilder()
              .setTraceId(bytes(link.traceId()))
              .setSpanId(bytes(link.spanId()))
              .setTraceState(link.traceState())
              .addAllAttributes(keyValues(link.attributes())));
    }
    return b.build();
  }

  static List<KeyValue> keyValues(Map<String, Object> attributes) {
    List<KeyValue> out = new ArrayList<>(attributes.size());
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      out.add(KeyValue.newBuilder().setKey(e.getKey()).setValue(anyValue(e.getValue())).build());
    }
    return out;
  }

  static AnyValue anyValue(Object value) {
    AnyValue.Builder b = AnyValue.newBuilder();
    if (value instanceof String s) {
      b.setStringValue(s);
    } else if (value instanceof Long l) {
      b.setIntValue(l);
    } else if (value instanceof Integer i) {
      b.setIntValue(i);
    } else if (value instanceof Double d) {
      b.setDoubleValue(d);
    } else if (value instanceof Boolean bool) {
      b.setBoolValue(bool);
    } else if (value instanceof byte[] bytes) {
      b.setBytesValue(ByteString.copyFrom(bytes));
    } else if (value instanceof List<?> list) {
      ArrayValue.Builder array = ArrayValue.newBuilder();
      for (Object element : list) {
        array.addValues(anyValue(element));
      }
      b.setArrayValue(array);
    } else if (value instanceof Map<?, ?> map) {
      KeyValueList.Builder kvs = KeyValueList.newBuilder();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        kvs.addValues(
            KeyValue.newBuilder().setKey(String.valueOf(e.getKey())).setValue(anyValue(e.getValue())));
      }
      b.setKvlistValue(kvs);
    } else if (value != null) {
      b.setStringValue(value.toString());
    }
    return b.build();
  }
}
