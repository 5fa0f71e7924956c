package dev.tokentrail.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.otlp.SpanWireEncoder;
import dev.tokentrail.store.Tenants;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A span's stored form copied from its log record equals the span encoded alone. */
class RecordSpansTest {
  private static final Resource CHAT = Resource.of(Map.of("service.name", "chat", "host.name", "h1"));
  private static final Resource SEARCH = Resource.of(Map.of("service.name", "search"));

  @Test
  void eachSpanOfAResourceGroupRecordCopiesToItsEncodedStoredForm() {
    List<Span> spans = List.of(
        span("01", CHAT, "lib-a"), span("02", CHAT, "lib-a"), span("03", CHAT, "lib-b"),
        span("04", SEARCH, "lib-a"), span("05", CHAT, "lib-a"));
    byte[] record = IngestLog.record(SpanWireEncoder.create(), "acme", spans);

    RecordSpans index = RecordSpans.of(record, spans.size());

    assertThat(index).isNotNull();
    SpanWireEncoder encoder = SpanWireEncoder.create();
    for (int i = 0; i < spans.size(); i++) {
      byte[] expected = Arrays.copyOf(encoder.buffer(), encoder.resourceSpans(spans.get(i)));
      assertThat(storedForm(index, i, spans.get(i))).as("span %d", i).isEqualTo(expected);
    }
  }

  @Test
  void theFormerRecordOfOneResourceSpansPerSpanCopiesToo() {
    List<Span> spans = List.of(span("01", CHAT, "lib-a"), span("02", SEARCH, "lib-b"));
    byte[] record = recordOfOneSpanEach(spans);

    RecordSpans index = RecordSpans.of(record, spans.size());

    assertThat(index).isNotNull();
    for (int i = 0; i < spans.size(); i++) {
      assertThat(storedForm(index, i, spans.get(i))).isEqualTo(OtlpSpans.encodeOne(spans.get(i)).toByteArray());
    }
  }

  @Test
  void aRecordWithAnotherSpanCountHasNoIndex() {
    List<Span> spans = List.of(span("01", CHAT, "lib-a"), span("02", CHAT, "lib-a"));
    byte[] record = IngestLog.record(SpanWireEncoder.create(), Tenants.DEFAULT, spans);

    assertThat(RecordSpans.of(record, 3)).isNull();
    assertThat(RecordSpans.of(record, 1)).isNull();
    assertThat(RecordSpans.of(null, 2)).isNull();
    assertThat(RecordSpans.of(new byte[] {0x0A, 0x7F}, 1)).as("truncated").isNull();
  }

  @Test
  void aSpanOtherThanTheOneAtItsSliceIsNotCopied() {
    List<Span> spans = List.of(span("01", CHAT, "lib-a"), span("02", CHAT, "lib-a"));
    RecordSpans index = RecordSpans.of(IngestLog.record(SpanWireEncoder.create(), "acme", spans), 2);

    assertThat(index.storedForm(0, spans.get(1), new byte[index.storedLength(0)])).isEqualTo(-1);
  }

  private static byte[] storedForm(RecordSpans index, int i, Span span) {
    byte[] out = new byte[index.storedLength(i)];
    int length = index.storedForm(i, span, out);
    assertThat(length).isPositive();
    return Arrays.copyOf(out, length);
  }

  private static byte[] recordOfOneSpanEach(List<Span> spans) {
    try {
      int size = 0;
      for (Span span : spans) {
        size += CodedOutputStream.computeMessageSize(1, OtlpSpans.encodeOne(span));
      }
      byte[] out = new byte[size];
      CodedOutputStream coded = CodedOutputStream.newInstance(out);
      for (Span span : spans) {
        coded.writeMessage(1, OtlpSpans.encodeOne(span));
      }
      coded.checkNoSpaceLeft();
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Span span(String spanId, Resource resource, String scope) {
    long now = 1_765_000_000_000_000_000L;
    return Span.builder()
        .traceId(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"))
        .spanId(SpanId.fromHex("00000000000000" + spanId))
        .parentSpanId(spanId.equals("01") ? SpanId.NONE : SpanId.fromHex("0000000000000001"))
        .name("op-" + spanId)
        .resource(resource)
        .scope(scope, "1.0")
        .startEpochNanos(now)
        .endEpochNanos(now + 1_000)
        .attribute("gen_ai.usage.input_tokens", 120L)
        .attribute("note", "x".repeat(200))
        .build();
  }
}
