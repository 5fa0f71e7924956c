package dev.tokentrail.server;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** SpanData as an instrumented service would export it: GenAI client spans under a root span. */
public final class LlmSpans {
  private LlmSpans() {}

  public static String traceId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return String.format("%016x%016x", r.nextLong(), r.nextLong() | 1);
  }

  public static String spanId() {
    return String.format("%016x", ThreadLocalRandom.current().nextLong() | 1);
  }

  public static Resource resource(String service) {
    return Resource.getDefault().merge(Resource.create(Attributes.builder()
        .put("service.name", service)
        .put("team", "payments")
        .build()));
  }

  public static SpanData root(String traceId, String spanId, String service, long startMillis) {
    return TestSpanData.builder()
        .setSpanContext(SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault()))
        .setName("POST /answer")
        .setKind(SpanKind.SERVER)
        .setStartEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis))
        .setEndEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis + 2000))
        .setHasEnded(true)
        .setStatus(StatusData.unset())
        .setResource(resource(service))
        .setTotalRecordedEvents(0)
        .setTotalRecordedLinks(0)
        .build();
  }

  public static SpanData chat(String traceId, String parentSpanId, String service, String model,
      long input, long output, long cachedInput, long startMillis) {
    AttributesBuilder attributes = Attributes.builder()
        .put("gen_ai.operation.name", "chat")
        .put("gen_ai.provider.name", "openai")
        .put("gen_ai.request.model", model)
        .put("gen_ai.usage.input_tokens", input)
        .put("gen_ai.usage.output_tokens", output)
        .put("project", "checkout-assistant");
    if (cachedInput > 0) {
      attributes.put("gen_ai.usage.cache_read.input_tokens", cachedInput);
    }
    return TestSpanData.builder()
        .setSpanContext(SpanContext.create(traceId, spanId(), TraceFlags.getSampled(), TraceState.getDefault()))
        .setParentSpanContext(SpanContext.create(traceId, parentSpanId, TraceFlags.getSampled(), TraceState.getDefault()))
        .setName("chat " + model)
        .setKind(SpanKind.CLIENT)
        .setStartEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis + 10))
        .setEndEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis + 900))
        .setHasEnded(true)
        .setStatus(StatusData.unset())
        .setAttributes(attributes.build())
        .setResource(resource(service))
        .setTotalRecordedEvents(0)
        .setTotalRecordedLinks(0)
        .build();
  }

  /** A GenAI client span with any provider, model and extra attributes. */
  public static SpanData call(String traceId, String parentSpanId, String service, String provider, String model,
      long input, long output, long startMillis, Attributes extra) {
    Attributes attributes = Attributes.builder()
        .put("gen_ai.operation.name", "chat")
        .put("gen_ai.provider.name", provider)
        .put("gen_ai.request.model", model)
        .put("gen_ai.usage.input_tokens", input)
        .put("gen_ai.usage.output_tokens", output)
        .putAll(extra)
        .build();
    return TestSpanData.builder()
        .setSpanContext(SpanContext.create(traceId, spanId(), TraceFlags.getSampled(), TraceState.getDefault()))
        .setParentSpanContext(SpanContext.create(traceId, parentSpanId, TraceFlags.getSampled(), TraceState.getDefault()))
        .setName("chat " + model)
        .setKind(SpanKind.CLIENT)
        .setStartEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis + 10))
        .setEndEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis + 900))
        .setHasEnded(true)
        .setStatus(StatusData.unset())
        .setAttributes(attributes)
        .setResource(resource(service))
        .setTotalRecordedEvents(0)
        .setTotalRecordedLinks(0)
        .build();
  }

  /** Any span; an empty {@code parent} makes it a root (SERVER) span, else a CLIENT child. */
  public static SpanData span(String traceId, String spanId, String parent, String name, String service, long startMillis,
      long durationMillis, Attributes attributes, boolean error) {
    TestSpanData.Builder b = TestSpanData.builder()
        .setSpanContext(SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault()))
        .setName(name)
        .setKind(parent.isEmpty() ? SpanKind.SERVER : SpanKind.CLIENT)
        .setStartEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis))
        .setEndEpochNanos(TimeUnit.MILLISECONDS.toNanos(startMillis + durationMillis))
        .setHasEnded(true)
        .setStatus(error ? StatusData.error() : StatusData.unset())
        .setAttributes(attributes)
        .setResource(resource(service))
        .setTotalRecordedEvents(0)
        .setTotalRecordedLinks(0);
    if (!parent.isEmpty()) {
      b.setParentSpanContext(SpanContext.create(traceId, parent, TraceFlags.getSampled(), TraceState.getDefault()));
    }
    return b.build();
  }

  /**
   * A chat call attempt; negative token counts mean the provider reported no usage, a non-null
   * {@code errorType} marks it failed.
   */
  public static SpanData chatAttempt(String traceId, String parent, String service, String provider, String model, long input,
      long output, long startMillis, String errorType, Attributes extra) {
    var attributes = Attributes.builder()
        .put("gen_ai.operation.name", "chat")
        .put("gen_ai.provider.name", provider)
        .put("gen_ai.request.model", model)
        .putAll(extra);
    if (input >= 0) {
      attributes.put("gen_ai.usage.input_tokens", input).put("gen_ai.usage.output_tokens", output);
    }
    if (errorType != null) {
      attributes.put("error.type", errorType);
    }
    return span(traceId, spanId(), parent, "chat " + model, service, startMillis, 900, attributes.build(), errorType != null);
  }
}
