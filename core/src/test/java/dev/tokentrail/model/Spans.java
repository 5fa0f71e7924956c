package dev.tokentrail.model;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small span fixtures for tests: a valid span of one trace, with attributes given inline. */
public final class Spans {
  public static final TraceId TRACE_ID = TraceId.fromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  public static final SpanId SPAN_ID = SpanId.fromHex("00f067aa0ba902b7");
  public static final SpanId PARENT_SPAN_ID = SpanId.fromHex("53995c3f42cd8ad8");
  /** 2025-07-01T12:00:00Z: every model the tests price has a price on this day. */
  public static final long DEFAULT_START = epochNanos(LocalDate.of(2025, 7, 1));

  private Spans() {}

  /** A CLIENT span named {@code name} with valid ids and a one-second duration. */
  public static Span.Builder builder(String name) {
    return Span.builder()
        .traceId(TRACE_ID)
        .spanId(SPAN_ID)
        .parentSpanId(PARENT_SPAN_ID)
        .name(name)
        .kind(SpanKind.CLIENT)
        .startEpochNanos(DEFAULT_START)
        .endEpochNanos(DEFAULT_START + 1_000_000_000L);
  }

  /** A span named {@code name} with the given attributes, as {@code key, value, key, value...}. */
  public static Span span(String name, Object... keyValues) {
    return builder(name).attributes(attrs(keyValues)).build();
  }

  /** An ordered attribute map from {@code key, value, key, value...}; ints become longs. */
  public static Map<String, Object> attrs(Object... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("keyValues: odd count " + keyValues.length);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      Object value = keyValues[i + 1];
      out.put((String) keyValues[i], value instanceof Integer n ? Long.valueOf(n) : value);
    }
    return out;
  }

  public static Resource resource(Object... keyValues) {
    return Resource.of(attrs(keyValues));
  }

  public static SpanEvent exceptionEvent(String type, String message) {
    return new SpanEvent(
        DEFAULT_START + 500_000_000L,
        "exception",
        attrs("exception.type", type, "exception.message", message));
  }

  /** Noon UTC of {@code day}, in epoch nanoseconds. */
  public static long epochNanos(LocalDate day) {
    return epochNanos(day.atTime(12, 0).toInstant(ZoneOffset.UTC));
  }

  public static long epochNanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  public static List<SpanEvent> events(SpanEvent... events) {
    return List.of(events);
  }
}
