package dev.tokentrail.store;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Small span fixtures for store tests. */
public final class TestSpans {
  private TestSpans() {}

  public static TraceId randomTraceId() {
    return new TraceId(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong() | 1);
  }

  public static SpanId randomSpanId() {
    return new SpanId(ThreadLocalRandom.current().nextLong() | 1);
  }

  public static Resource service(String name) {
    return Resource.of(Map.of("service.name", name));
  }

  public static Span.Builder span(TraceId traceId, String name, long startNanos, long durationNanos) {
    return Span.builder()
        .traceId(traceId)
        .spanId(randomSpanId())
        .name(name)
        .kind(SpanKind.INTERNAL)
        .startEpochNanos(startNanos)
        .endEpochNanos(startNanos + durationNanos)
        .resource(service("checkout"));
  }

  /** An LLM call span with canonical attributes as ingest writes them. */
  public static Span.Builder llmCall(
      TraceId traceId, SpanId parent, String model, long input, long output, double cost, long startNanos) {
    return span(traceId, "chat " + model, startNanos, 1_000_000_000L)
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

  public static Span error(Span span) {
    return new Span(span.traceId(), span.spanId(), span.parentSpanId(), span.traceState(), span.name(),
        span.kind(), span.startEpochNanos(), span.endEpochNanos(), StatusCode.ERROR, "boom",
        span.attributes(), span.resource(), span.scopeName(), span.scopeVersion(), span.events(), span.links());
  }
}
