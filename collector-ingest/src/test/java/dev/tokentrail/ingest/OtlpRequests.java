package dev.tokentrail.ingest;

import com.google.protobuf.ByteString;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPOutputStream;

/** Small builders of OTLP export requests for raw-protocol tests. */
final class OtlpRequests {
  private OtlpRequests() {}

  static TraceId randomTraceId() {
    return new TraceId(ThreadLocalRandom.current().nextLong() | 1, ThreadLocalRandom.current().nextLong());
  }

  static SpanId randomSpanId() {
    return new SpanId(ThreadLocalRandom.current().nextLong() | 1);
  }

  /** A GenAI chat span of {@code model} by openai with the given usage, started now. */
  static Span.Builder chatSpan(TraceId traceId, SpanId spanId, String model, long input, long output) {
    long now = System.currentTimeMillis() * 1_000_000L;
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(traceId.toBytes()))
        .setSpanId(ByteString.copyFrom(spanId.toBytes()))
        .setName("chat " + model)
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(now)
        .setEndTimeUnixNano(now + 1_000_000)
        .addAttributes(string("gen_ai.operation.name", "chat"))
        .addAttributes(string("gen_ai.provider.name", "openai"))
        .addAttributes(string("gen_ai.request.model", model))
        .addAttributes(integer("gen_ai.usage.input_tokens", input))
        .addAttributes(integer("gen_ai.usage.output_tokens", output));
  }

  /** One resource of service {@code checkout} with the given spans. */
  static ExportTraceServiceRequest request(Span.Builder... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (Span.Builder span : spans) {
      scope.addSpans(span);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(string("service.name", "checkout")))
                .addScopeSpans(scope))
        .build();
  }

  static KeyValue string(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static KeyValue integer(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
