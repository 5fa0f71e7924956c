package dev.tokentrail.store.conformance;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * Span fixtures for store tests: ids handed out in ascending order (so tie-breaks by id are
 * predictable), spans and LLM call spans carrying the canonical attributes ingest writes.
 */
public final class TestSpans {
  /** Nanoseconds in a second, a minute and a day. */
  public static final long SECOND = 1_000_000_000L;
  public static final long MINUTE = 60 * SECOND;
  public static final long DAY = 86_400 * SECOND;
  /**
   * A time base for test data: one o'clock UTC three days ago. Spans within a few days after it are
   * in the past and inside every store's default retention; whole days apart fall in different
   * daily partitions.
   */
  public static final long T0 = LocalDate.now(ZoneOffset.UTC).minusDays(3).atStartOfDay().toInstant(ZoneOffset.UTC)
      .getEpochSecond() * SECOND + 3600 * SECOND;

  private long nextTrace = 1;
  private long nextSpan = 1;

  /** A new trace id, greater than every earlier one. */
  public TraceId traceId() {
    return new TraceId(0x7e57_0000_0000_0000L, nextTrace++);
  }

  /** A new span id, greater than every earlier one. */
  public SpanId spanId() {
    return new SpanId(0x5a00_0000_0000_0000L + nextSpan++);
  }

  public static Resource service(String name) {
    return Resource.of(Map.of("service.name", name));
  }

  /** An internal span of service {@code checkout}. */
  public Span.Builder span(TraceId traceId, String name, long startNanos, long durationNanos) {
    return Span.builder()
        .traceId(traceId)
        .spanId(spanId())
        .name(name)
        .kind(SpanKind.INTERNAL)
        .startEpochNanos(startNanos)
        .endEpochNanos(startNanos + durationNanos)
        .resource(service("checkout"));
  }

  /** An LLM call span lasting a second, with the canonical attributes ingest writes (team {@code search}). */
  public Span.Builder llmCall(TraceId traceId, SpanId parent, String model, long input, long output, double cost, long startNanos) {
    return span(traceId, "chat " + model, startNanos, SECOND)
        .kind(SpanKind.CLIENT)
        .parentSpanId(parent)
        .attribute("tokentrail.llm_call", true)
        .attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.request.model", model)
        .attribute("gen_ai.usage.input_tokens", input)
        .attribute("gen_ai.usage.output_tokens", output)
        .attribute("tokentrail.cost.usd", cost)
        .attribute("tokentrail.team", "search");
  }

  /** {@code span} with status error and message {@code boom}. */
  public static Span error(Span span) {
    return withStatus(span, StatusCode.ERROR, "boom");
  }

  public static Span withStatus(Span span, StatusCode status, String message) {
    return new Span(span.traceId(), span.spanId(), span.parentSpanId(), span.traceState(), span.name(),
        span.kind(), span.startEpochNanos(), span.endEpochNanos(), status, message,
        span.attributes(), span.resource(), span.scopeName(), span.scopeVersion(), span.events(), span.links());
  }

  /** Epoch nanoseconds of an instant. */
  public static long nanos(Instant instant) {
    return instant.getEpochSecond() * SECOND + instant.getNano();
  }
}
