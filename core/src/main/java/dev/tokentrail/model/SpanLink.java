package dev.tokentrail.model;

import java.util.Map;

/** A link from a span to another span, possibly in another trace. */
public record SpanLink(
    String traceId, String spanId, String traceState, Map<String, Object> attributes) {
  public SpanLink {
    traceState = traceState == null ? "" : traceState;
    attributes = attributes == null ? Map.of() : attributes;
  }
}
