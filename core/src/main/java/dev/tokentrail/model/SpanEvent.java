package dev.tokentrail.model;

import java.util.Map;

/** A timed event on a span (exceptions, streaming chunks, GenAI content events). */
public record SpanEvent(long epochNanos, String name, Map<String, Object> attributes) {
  public SpanEvent {
    name = name == null ? "" : name;
    attributes = attributes == null ? Map.of() : attributes;
  }
}
