package dev.tokentrail.ingest;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** LLM-call spans recorded by the real OTel Java SDK, as an instrumented service would emit them. */
final class SdkSpans {
  private SdkSpans() {}

  /** A builder of one GenAI chat span; unset token counts are not reported. */
  static Call chat(String model) {
    return new Call(model);
  }

  static final class Call {
    private final String model;
    private String service = "checkout";
    private String provider = "openai";
    private long input = -1;
    private long output = -1;
    private long cacheRead = -1;

    private Call(String model) {
      this.model = model;
    }

    Call service(String service) {
      this.service = service;
      return this;
    }

    Call provider(String provider) {
      this.provider = provider;
      return this;
    }

    Call tokens(long input, long output) {
      this.input = input;
      this.output = output;
      return this;
    }

    Call cacheRead(long cacheRead) {
      this.cacheRead = cacheRead;
      return this;
    }

    /** Records the span with an SDK tracer and returns what the SDK hands its exporters. */
    SpanData record() {
      Capture capture = new Capture();
      SdkTracerProvider provider =
          SdkTracerProvider.builder()
              .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
              .addSpanProcessor(SimpleSpanProcessor.create(capture))
              .build();
      try {
        Span span =
            provider
                .get("test.genai")
                .spanBuilder("chat " + model)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.provider.name", this.provider)
                .setAttribute("gen_ai.request.model", model)
                .startSpan();
        if (input >= 0) {
          span.setAttribute("gen_ai.usage.input_tokens", input);
        }
        if (output >= 0) {
          span.setAttribute("gen_ai.usage.output_tokens", output);
        }
        if (cacheRead >= 0) {
          span.setAttribute("gen_ai.usage.cache_read.input_tokens", cacheRead);
        }
        span.end();
      } finally {
        provider.shutdown().join(5, java.util.concurrent.TimeUnit.SECONDS);
      }
      if (capture.spans.size() != 1) {
        throw new AssertionError("expected the SDK to record one span, got " + capture.spans);
      }
      return capture.spans.get(0);
    }
  }

  /**
   * The SDK's OTLP/HTTP exporter switched to JSON. SDK 1.67 has no public setting for it; its
   * builder delegates to an internal {@code HttpExporterBuilder} whose {@code exportAsJson()} the
   * SDK's own tests use.
   */
  static OtlpHttpSpanExporter jsonHttpExporter(OtlpHttpSpanExporterBuilder builder) {
    try {
      Field delegate = OtlpHttpSpanExporterBuilder.class.getDeclaredField("delegate");
      delegate.setAccessible(true);
      Object internal = delegate.get(builder);
      internal.getClass().getMethod("exportAsJson").invoke(internal);
      return builder.build();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the OTel SDK's internal JSON switch moved; update this fixture", e);
    }
  }

  private static final class Capture implements SpanExporter {
    final List<SpanData> spans = new ArrayList<>();

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAll(batch);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
