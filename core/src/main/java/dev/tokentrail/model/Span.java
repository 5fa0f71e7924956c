package dev.tokentrail.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * One span as TokenTrail stores it: the OTLP span with its resource and instrumentation scope.
 * Identifiers are binary ({@link TraceId}, {@link SpanId}; a root's parent is {@link SpanId#NONE});
 * attribute values are {@link String}, {@link Long}, {@link
 * Double}, {@link Boolean}, {@code byte[]}, {@link List} or {@link Map} (OTLP's AnyValue types).
 *
 * <p>Ingest adds the canonical GenAI and {@code tokentrail.*} attributes to {@link #attributes()},
 * so the stored attributes are the single source of truth for an LLM call.
 */
public record Span(
    TraceId traceId,
    SpanId spanId,
    SpanId parentSpanId,
    String traceState,
    String name,
    SpanKind kind,
    long startEpochNanos,
    long endEpochNanos,
    StatusCode statusCode,
    String statusMessage,
    Map<String, Object> attributes,
    Resource resource,
    String scopeName,
    String scopeVersion,
    List<SpanEvent> events,
    List<SpanLink> links) {

  public Span {
    requireNonNull(traceId, "traceId");
    requireNonNull(spanId, "spanId");
    parentSpanId = parentSpanId == null ? SpanId.NONE : parentSpanId;
    traceState = traceState == null ? "" : traceState;
    name = name == null ? "" : name;
    kind = kind == null ? SpanKind.UNSPECIFIED : kind;
    statusCode = statusCode == null ? StatusCode.UNSET : statusCode;
    statusMessage = statusMessage == null ? "" : statusMessage;
    attributes = attributes == null ? Map.of() : attributes;
    requireNonNull(resource, "resource");
    scopeName = scopeName == null ? "" : scopeName;
    scopeVersion = scopeVersion == null ? "" : scopeVersion;
    events = events == null ? List.of() : events;
    links = links == null ? List.of() : links;
  }

  public boolean isRoot() {
    return parentSpanId.isNone();
  }

  public long durationNanos() {
    return Math.max(0, endEpochNanos - startEpochNanos);
  }

  /** The attribute value, or {@code null}. */
  public Object attribute(String key) {
    return attributes.get(key);
  }

  public Span withAttributes(Map<String, Object> newAttributes) {
    return new Span(
        traceId,
        spanId,
        parentSpanId,
        traceState,
        name,
        kind,
        startEpochNanos,
        endEpochNanos,
        statusCode,
        statusMessage,
        newAttributes,
        resource,
        scopeName,
        scopeVersion,
        events,
        links);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds spans in tests, codecs and generators. */
  public static final class Builder {
    private TraceId traceId;
    private SpanId spanId;
    private SpanId parentSpanId = SpanId.NONE;
    private String traceState = "";
    private String name = "";
    private SpanKind kind = SpanKind.INTERNAL;
    private long startEpochNanos;
    private long endEpochNanos;
    private StatusCode statusCode = StatusCode.UNSET;
    private String statusMessage = "";
    private Map<String, Object> attributes = new java.util.LinkedHashMap<>();
    private Resource resource = Resource.EMPTY;
    private String scopeName = "";
    private String scopeVersion = "";
    private List<SpanEvent> events = List.of();
    private List<SpanLink> links = List.of();

    private Builder() {}

    public Builder traceId(TraceId traceId) {
      this.traceId = traceId;
      return this;
    }

    public Builder spanId(SpanId spanId) {
      this.spanId = spanId;
      return this;
    }

    public Builder parentSpanId(SpanId parentSpanId) {
      this.parentSpanId = parentSpanId;
      return this;
    }

    public Builder traceState(String traceState) {
      this.traceState = traceState;
      return this;
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder kind(SpanKind kind) {
      this.kind = kind;
      return this;
    }

    public Builder startEpochNanos(long startEpochNanos) {
      this.startEpochNanos = startEpochNanos;
      return this;
    }

    public Builder endEpochNanos(long endEpochNanos) {
      this.endEpochNanos = endEpochNanos;
      return this;
    }

    public Builder status(StatusCode statusCode, String statusMessage) {
      this.statusCode = statusCode;
      this.statusMessage = statusMessage;
      return this;
    }

    public Builder attributes(Map<String, Object> attributes) {
      this.attributes = new java.util.LinkedHashMap<>(attributes);
      return this;
    }

    public Builder attribute(String key, Object value) {
      attributes.put(key, value);
      return this;
    }

    public Builder resource(Resource resource) {
      this.resource = resource;
      return this;
    }

    public Builder scope(String scopeName, String scopeVersion) {
      this.scopeName = scopeName;
      this.scopeVersion = scopeVersion;
      return this;
    }

    public Builder events(List<SpanEvent> events) {
      this.events = List.copyOf(events);
      return this;
    }

    public Builder links(List<SpanLink> links) {
      this.links = List.copyOf(links);
      return this;
    }

    public Span build() {
      return new Span(
          traceId,
          spanId,
          parentSpanId,
          traceState,
          name,
          kind,
          startEpochNanos,
          endEpochNanos,
          statusCode,
          statusMessage,
          java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes)),
          resource,
          scopeName,
          scopeVersion,
          events,
          links);
    }
  }
}
