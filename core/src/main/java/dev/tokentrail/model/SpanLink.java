package dev.tokentrail.model;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/** A link from a span to another span, possibly in another trace. */
public record SpanLink(
    TraceId traceId, SpanId spanId, String traceState, Map<String, Object> attributes) {
  public SpanLink {
    requireNonNull(traceId, "traceId");
    requireNonNull(spanId, "spanId");
    traceState = traceState == null ? "" : traceState;
    attributes = attributes == null ? Map.of() : attributes;
  }
}
