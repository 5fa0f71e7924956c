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
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead log's record formats: a batch as resource groups (written now) and one {@code
 * ResourceSpans} per span (written before), both replayed into the same spans and tenants.
 */
class LogRecordFormatsTest {
  private static final long NOW = Instant.now().toEpochMilli() * 1_000_000L;
  private static final Resource CHAT = Resource.of(Map.of("service.name", "chat", "host.name", "h1"));
  private static final Resource SEARCH = Resource.of(Map.of("service.name", "search"));

  @TempDir Path dataDir;

  @Test
  void aRecordHoldsEachResourceOnceForARunOfItsSpans() throws Exception {
    List<Span> spans = List.of(span("a1", "01", CHAT), span("a1", "02", CHAT), span("a1", "03", SEARCH));

    TracesData record = TracesData.parseFrom(IngestLog.record(SpanWireEncoder.create(), "acme", spans));

    assertThat(record.getResourceSpansCount()).isEqualTo(2);
    assertThat(record.getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(2);
    assertThat(Recovery.tenantOf(record)).isEqualTo("acme");
    assertThat(OtlpSpans.decode(record.getResourceSpansList()).spans()).containsExactlyElementsOf(spans);
  }

  @Test
  void theDefaultTenantIsNotWrittenIntoTheRecord() throws Exception {
    TracesData record = TracesData.parseFrom(
        IngestLog.record(SpanWireEncoder.create(), Tenants.DEFAULT, List.of(span("a2", "01", CHAT))));

    assertThat(record.getUnknownFields().asMap()).isEmpty();
    assertThat(Recovery.tenantOf(record)).isEqualTo(Tenants.DEFAULT);
  }

  @Test
  void recordsOfEitherFormatAreReplayedAfterACrash() throws Exception {
    List<Span> before = List.of(span("b1", "01", CHAT), span("b1", "02", SEARCH));
    List<Span> now = List.of(span("c1", "01", CHAT), span("c1", "02", CHAT), span("c1", "03", SEARCH));
    // A log as a crash leaves it: records but no index and no checkpoint.
    try (WriteAheadLog wal = WriteAheadLog.open(dataDir.resolve("wal"), 64 << 20)) {
      wal.append(NOW, recordOfOneSpanEach("acme", before));
      wal.append(NOW, IngestLog.record(SpanWireEncoder.create(), Tenants.DEFAULT, now));
      wal.sync();
    }

    try (LuceneSpanStore store = LuceneSpanStore.builder(dataDir).open()) {
      assertThat(store.getTrace("acme", traceId("b1"), 0, 0)).containsExactlyInAnyOrderElementsOf(before);
      assertThat(store.getTrace(Tenants.DEFAULT, traceId("c1"), 0, 0)).containsExactlyInAnyOrderElementsOf(now);
      assertThat(store.getTrace(Tenants.DEFAULT, traceId("b1"), 0, 0)).isEmpty();
    }
  }

  /** The former record: one length-delimited {@code ResourceSpans} of one span each, then the tenant. */
  private static byte[] recordOfOneSpanEach(String tenant, List<Span> spans) throws IOException {
    List<byte[]> blobs = new ArrayList<>();
    int size = CodedOutputStream.computeStringSize(IngestLog.TENANT_FIELD, tenant);
    for (Span span : spans) {
      byte[] blob = OtlpSpans.encodeOne(span).toByteArray();
      blobs.add(blob);
      size += CodedOutputStream.computeByteArraySize(1, blob);
    }
    byte[] out = new byte[size];
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    for (byte[] blob : blobs) {
      coded.writeByteArray(1, blob);
    }
    coded.writeString(IngestLog.TENANT_FIELD, tenant);
    coded.checkNoSpaceLeft();
    return out;
  }

  private static TraceId traceId(String prefix) {
    return TraceId.fromHex(prefix + "00000000000000000000000000000001".substring(prefix.length()));
  }

  private static Span span(String trace, String spanId, Resource resource) {
    return Span.builder()
        .traceId(traceId(trace))
        .spanId(SpanId.fromHex("00000000000000" + spanId))
        .parentSpanId(spanId.equals("01") ? SpanId.NONE : SpanId.fromHex("0000000000000001"))
        .name("op-" + spanId)
        .resource(resource)
        .scope("tokentrail-test", "1.0")
        .startEpochNanos(NOW)
        .endEpochNanos(NOW + 1_000)
        .attribute("n", 7L)
        .build();
  }
}
