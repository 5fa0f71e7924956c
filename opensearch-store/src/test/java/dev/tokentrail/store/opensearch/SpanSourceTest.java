package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.otlp.OtlpSpans;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The span as the version 7 document keeps it ({@link SpanSource}) reads back as the span written,
 * for every OTLP value type and span part, compared through protobuf (byte arrays have no value
 * equality); also after OpenSearch's source filtering has read the document into unordered maps.
 */
class SpanSourceTest {
  private static final long START = 1_767_225_600_123_456_789L;

  @Test
  void everyValueTypeAndSpanPartRoundTrips() throws Exception {
    Map<String, Object> kvlist = new LinkedHashMap<>();
    kvlist.put("inner", List.of(1L, "two", 3.5));
    kvlist.put("deeper", Map.of("bytes", new byte[] {0, -1, 7}));
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("string", "gpt-4o \u00e9\u4e2d \"quoted\" \\ \n");
    attributes.put("", "empty key");
    attributes.put("bool", true);
    attributes.put("long", Long.MIN_VALUE);
    attributes.put("long.max", Long.MAX_VALUE);
    attributes.put("double", 0.1 + 0.2);
    attributes.put("double.whole", 3.0);
    attributes.put("double.tiny", Double.MIN_VALUE);
    attributes.put("double.negative.zero", -0.0);
    attributes.put("nan", Double.NaN);
    attributes.put("infinity", Double.POSITIVE_INFINITY);
    attributes.put("negative.infinity", Double.NEGATIVE_INFINITY);
    attributes.put("bytes", new byte[] {1, 2, 3, (byte) 0xff});
    attributes.put("array", List.of("a", 1L, 2.5, false, List.of("nested")));
    attributes.put("empty.array", List.of());
    attributes.put("kvlist", Collections.unmodifiableMap(kvlist));
    Span span = Span.builder()
        .traceId(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"))
        .spanId(SpanId.fromHex("b7ad6b7169203331"))
        .parentSpanId(SpanId.fromHex("00f067aa0ba902b7"))
        .traceState("vendor=a,other=b")
        .name("chat gpt-4o")
        .kind(SpanKind.CLIENT)
        .startEpochNanos(START)
        .endEpochNanos(START + 1_234_567)
        .status(StatusCode.ERROR, "rate limited")
        .attributes(attributes)
        .resource(Resource.of(Map.of("service.name", "checkout", "host.cpus", 8L)))
        .scope("io.opentelemetry.openai", "2.21.0")
        .events(List.of(new SpanEvent(START + 5, "gen_ai.choice", Map.of("index", 0L)), new SpanEvent(START + 9, "", Map.of())))
        .links(List.of(new SpanLink(TraceId.fromHex("4bf92f3577b34da6a3ce929d0e0e4736"), SpanId.fromHex("00f067aa0ba902b7"),
            "k=v", Map.of("link.kind", "retry-of"))))
        .build();

    assertSameSpan(read(document(span)), span);
  }

  @Test
  void aBareSpanRoundTrips() throws Exception {
    Span span = Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000001")).spanId(SpanId.fromHex("0000000000000002"))
        .startEpochNanos(START).endEpochNanos(START).build();

    ObjectNode document = document(span);

    assertThat(document.path(SpanSource.FIELD).size()).isZero(); // only what the top-level fields lack
    assertSameSpan(read(document), span);
  }

  @Test
  void valuesNestedAsDeepAsIngestTakesRoundTrip() throws Exception {
    // OTLP/JSON ingest refuses nesting past 1,000 JSON containers: 250 kvlist levels (4 containers
    // each there, 2 here) or 333 array levels; protobuf ingest stops far earlier.
    Object kvlist = 1L;
    for (int i = 0; i < 250; i++) {
      kvlist = Map.of("k", kvlist);
    }
    Object array = "leaf";
    for (int i = 0; i < 333; i++) {
      array = List.of(array);
    }
    Span span = Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000005")).spanId(SpanId.fromHex("0000000000000006"))
        .startEpochNanos(START).endEpochNanos(START + 1).attributes(Map.of("deep.kvlist", kvlist, "deep.array", array)).build();

    assertSameSpan(read(document(span)), span);
  }

  @Test
  void attributeOrderSurvivesSourceFilteringIntoUnorderedMaps() throws Exception {
    Map<String, Object> attributes = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      attributes.put("key." + (char) ('z' - i % 26) + i, (long) i);
    }
    Span span = Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000003")).spanId(SpanId.fromHex("0000000000000004"))
        .startEpochNanos(START).endEpochNanos(START + 1).attributes(attributes).build();

    // What OpenSearch does to a filtered _source: objects become hash maps, arrays stay lists.
    Object asMaps = unordered(OpenSearchClient.JSON.convertValue(document(span), Object.class));
    Span read = read((ObjectNode) OpenSearchClient.JSON.valueToTree(asMaps));

    assertThat(read.attributes().keySet()).containsExactlyElementsOf(attributes.keySet());
  }

  @Test
  void aDocumentWithoutItsIdsIsRefusedNamingTheField() throws Exception {
    ObjectNode broken = document(Span.builder().traceId(TraceId.fromHex("00000000000000000000000000000007"))
        .spanId(SpanId.fromHex("0000000000000008")).startEpochNanos(START).endEpochNanos(START).build());
    broken.remove(SpanDocuments.SPAN_ID);

    assertThatThrownBy(() -> read(broken))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining(SpanDocuments.SPAN_ID);
  }

  private static ObjectNode document(Span span) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator out = OpenSearchClient.JSON.getFactory().createGenerator(bytes)) {
      SpanDocuments.write(out, "default", new IngestedSpan(span, null), false);
    }
    ObjectNode document = (ObjectNode) OpenSearchClient.JSON.readTree(bytes.toByteArray());
    assertThat(document.has(SpanDocuments.SPAN)).isFalse();
    return document;
  }

  private static Span read(ObjectNode source) {
    ObjectNode hit = OpenSearchClient.JSON.createObjectNode();
    hit.set("_source", source);
    return SpanDocuments.read(hit).span();
  }

  private static Object unordered(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> out = new HashMap<>();
      map.forEach((k, v) -> out.put(k, unordered(v)));
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(unordered(v)));
      return out;
    }
    return value;
  }

  private static void assertSameSpan(Span read, Span written) {
    assertThat(OtlpSpans.encodeOne(read)).isEqualTo(OtlpSpans.encodeOne(written));
    assertThat(read.attributes().keySet()).containsExactlyElementsOf(written.attributes().keySet());
  }
}
