package dev.tokentrail.otlp;

import static dev.tokentrail.model.Spans.attrs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.Spans;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.otlp.OtlpSpans.Decoded;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpSpansTest {
  private static final TraceId OTHER_TRACE_ID = TraceId.fromHex("0af7651916cd43dd8448eb211c80319c");

  private static Span fullSpan() {
    return Span.builder()
        .traceId(Spans.TRACE_ID)
        .spanId(Spans.SPAN_ID)
        .parentSpanId(Spans.PARENT_SPAN_ID)
        .traceState("vendor=abc,other=1")
        .name("chat gpt-4o")
        .kind(SpanKind.SERVER)
        .startEpochNanos(1_751_371_200_000_000_001L)
        .endEpochNanos(1_751_371_201_500_000_000L)
        .status(StatusCode.ERROR, "rate limited")
        .attributes(
            attrs(
                "string", "value",
                "long", 1200L,
                "negative", -7L,
                "double", 0.25,
                "bool", true,
                "bytes", new byte[] {0, 1, (byte) 0xff},
                "array", List.of("stop", 3L, false),
                "kvlist", Map.of("inner", "x", "nested", Map.of("n", 1L)),
                "empty.string", ""))
        .resource(Spans.resource("service.name", "support-bot", "deployment.environment", "prod"))
        .scope("io.opentelemetry.openai-java-1.1", "2.18.0-alpha")
        .events(
            List.of(
                new SpanEvent(
                    1_751_371_200_500_000_000L,
                    "exception",
                    attrs("exception.type", "RateLimitError", "attempt", 2L)),
                new SpanEvent(1_751_371_200_600_000_000L, "gen_ai.choice", Map.of())))
        .links(
            List.of(
                new SpanLink(
                    OTHER_TRACE_ID, SpanId.fromHex("b7ad6b7169203331"), "k=v", attrs("link.kind", "retry-of"))))
        .build();
  }

  private static List<Span> roundTrip(List<Span> spans) throws Exception {
    TracesData encoded = OtlpSpans.encode(spans);
    TracesData wire = TracesData.parseFrom(encoded.toByteArray());
    Decoded decoded = OtlpSpans.decode(wire.getResourceSpansList());
    assertThat(decoded.rejected()).isZero();
    return decoded.spans();
  }

  @Test
  void roundTripKeepsEveryFieldAndAttributeType() throws Exception {
    Span original = fullSpan();

    List<Span> decoded = roundTrip(List.of(original));

    assertThat(decoded).hasSize(1);
    Span span = decoded.get(0);
    assertThat(span).usingRecursiveComparison().isEqualTo(original);
    Map<String, Object> a = span.attributes();
    assertThat(a.get("string")).isInstanceOf(String.class);
    assertThat(a.get("long")).isEqualTo(1200L);
    assertThat(a.get("negative")).isEqualTo(-7L);
    assertThat(a.get("double")).isEqualTo(0.25);
    assertThat(a.get("bool")).isEqualTo(true);
    assertThat((byte[]) a.get("bytes")).containsExactly(0, 1, 0xff);
    assertThat(a.get("array")).isEqualTo(List.of("stop", 3L, false));
    assertThat(a.get("kvlist")).isEqualTo(Map.of("inner", "x", "nested", Map.of("n", 1L)));
    assertThat(a.get("empty.string")).isEqualTo("");
    assertThat(span.resource().serviceName()).isEqualTo("support-bot");
  }

  @Test
  void rootSpanWithUnsetStatusRoundTrips() throws Exception {
    Span root =
        Spans.builder("GET /health").parentSpanId(SpanId.NONE).kind(SpanKind.INTERNAL).build();

    Span decoded = roundTrip(List.of(root)).get(0);

    assertThat(decoded).usingRecursiveComparison().isEqualTo(root);
    assertThat(decoded.isRoot()).isTrue();
    assertThat(decoded.statusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void integerAttributeIsEncodedAsInt64() throws Exception {
    Span span = Spans.builder("x").attribute("count", 42).build();

    assertThat(roundTrip(List.of(span)).get(0).attribute("count")).isEqualTo(42L);
  }

  @Test
  void spansAreGroupedByEqualResourceAndScope() {
    Span a = Spans.builder("a").resource(Spans.resource("service.name", "svc")).scope("lib", "1").build();
    Span b =
        Spans.builder("b")
            .spanId(SpanId.fromHex("00f067aa0ba902b8"))
            .resource(Spans.resource("service.name", "svc"))
            .scope("lib", "1")
            .build();
    Span c =
        Spans.builder("c")
            .spanId(SpanId.fromHex("00f067aa0ba902b9"))
            .resource(Spans.resource("service.name", "svc"))
            .scope("other", "2")
            .build();
    Span d =
        Spans.builder("d")
            .spanId(SpanId.fromHex("00f067aa0ba902ba"))
            .resource(Spans.resource("service.name", "other-svc"))
            .build();

    TracesData data = OtlpSpans.encode(List.of(a, b, c, d));

    assertThat(data.getResourceSpansCount()).isEqualTo(2);
    ResourceSpans svc = data.getResourceSpans(0);
    assertThat(svc.getScopeSpansList())
        .extracting(s -> s.getScope().getName(), ScopeSpans::getSpansCount)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("lib", 2),
            org.assertj.core.groups.Tuple.tuple("other", 1));
    assertThat(data.getResourceSpans(1).getScopeSpans(0).getSpans(0).getName()).isEqualTo("d");
  }

  private static io.opentelemetry.proto.trace.v1.Span.Builder protoSpan(
      String traceIdHex, String spanIdHex, String name) {
    return io.opentelemetry.proto.trace.v1.Span.newBuilder()
        .setTraceId(ByteString.fromHex(traceIdHex))
        .setSpanId(ByteString.fromHex(spanIdHex))
        .setName(name);
  }

  private static List<ResourceSpans> request(io.opentelemetry.proto.trace.v1.Span.Builder... spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (var span : spans) {
      scope.addSpans(span);
    }
    return List.of(ResourceSpans.newBuilder().addScopeSpans(scope).build());
  }

  @Test
  void invalidIdsAreRejectedAndCountedWhileValidSpansAreKept() {
    List<ResourceSpans> request =
        request(
            protoSpan(Spans.TRACE_ID.hex(), Spans.SPAN_ID.hex(), "valid"),
            protoSpan("00000000000000000000000000000000", "00f067aa0ba902b8", "zero trace"),
            protoSpan("4bf92f3577b34da6", "00f067aa0ba902b9", "short trace"),
            protoSpan(Spans.TRACE_ID.hex(), "0000000000000000", "zero span"),
            protoSpan(Spans.TRACE_ID.hex(), "00f067aa", "short span"),
            protoSpan(Spans.TRACE_ID.hex(), "00f067aa0ba902ba", "bad parent")
                .setParentSpanId(ByteString.copyFrom(new byte[] {1, 2, 3})),
            protoSpan(OTHER_TRACE_ID.hex(), "00f067aa0ba902bb", "valid too"));

    Decoded decoded = OtlpSpans.decode(request);

    assertThat(decoded.spans()).extracting(Span::name).containsExactly("valid", "valid too");
    assertThat(decoded.rejected()).isEqualTo(5);
    assertThat(decoded.firstRejection())
        .isEqualTo(
            "span 00f067aa0ba902b8 in trace 00000000000000000000000000000000: invalid traceId"
                + " (expected: 16 bytes, not all zero)");
  }

  @Test
  void missingIdsAreRejected() {
    Decoded decoded =
        OtlpSpans.decode(request(io.opentelemetry.proto.trace.v1.Span.newBuilder().setName("no ids")));

    assertThat(decoded.spans()).isEmpty();
    assertThat(decoded.rejected()).isEqualTo(1);
    assertThat(decoded.firstRejection()).contains("invalid traceId");
  }

  @Test
  void invalidSpanIdIsNamedInTheRejection() {
    Decoded decoded = OtlpSpans.decode(request(protoSpan(Spans.TRACE_ID.hex(), "00f067aa", "short")));

    assertThat(decoded.firstRejection())
        .isEqualTo(
            "span 00f067aa in trace " + Spans.TRACE_ID
                + ": invalid spanId (expected: 8 bytes, not all zero)");
  }

  @Test
  void linkWithAWrongLengthIdRejectsItsSpan() {
    io.opentelemetry.proto.trace.v1.Span.Link goodLink =
        io.opentelemetry.proto.trace.v1.Span.Link.newBuilder()
            .setTraceId(ByteString.fromHex(OTHER_TRACE_ID.hex()))
            .setSpanId(ByteString.fromHex("b7ad6b7169203331"))
            .build();
    Decoded decoded =
        OtlpSpans.decode(
            request(
                protoSpan(Spans.TRACE_ID.hex(), "00f067aa0ba902b8", "short link trace")
                    .addLinks(goodLink)
                    .addLinks(goodLink.toBuilder().setTraceId(ByteString.fromHex("0af76519"))),
                protoSpan(Spans.TRACE_ID.hex(), "00f067aa0ba902b9", "empty link span")
                    .addLinks(goodLink.toBuilder().setSpanId(ByteString.EMPTY)),
                protoSpan(Spans.TRACE_ID.hex(), "00f067aa0ba902ba", "linked").addLinks(goodLink)));

    assertThat(decoded.spans()).extracting(Span::name).containsExactly("linked");
    assertThat(decoded.spans().get(0).links())
        .extracting(SpanLink::traceId, SpanLink::spanId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(OTHER_TRACE_ID, SpanId.fromHex("b7ad6b7169203331")));
    assertThat(decoded.rejected()).isEqualTo(2);
    assertThat(decoded.firstRejection())
        .isEqualTo("span 00f067aa0ba902b8: invalid links[1].traceId 0af76519 (expected: 16 bytes)");
  }

  @Test
  void idsDecodeToTheirBitsWithTheHighBitSet() {
    Decoded decoded =
        OtlpSpans.decode(
            request(
                protoSpan("ffffffffffffffff8000000000000001", "8000000000000000", "high")
                    .setParentSpanId(ByteString.fromHex("ff00000000000001"))));

    Span span = decoded.spans().get(0);
    assertThat(span.traceId()).isEqualTo(new TraceId(-1L, Long.MIN_VALUE + 1));
    assertThat(span.spanId()).isEqualTo(new SpanId(Long.MIN_VALUE));
    assertThat(span.parentSpanId().hex()).isEqualTo("ff00000000000001");
    assertThat(OtlpSpans.encodeSpan(span).getTraceId()).isEqualTo(ByteString.fromHex(span.traceId().hex()));
  }

  @Test
  void validRequestHasNoRejection() {
    Decoded decoded = OtlpSpans.decode(request(protoSpan(Spans.TRACE_ID.hex(), Spans.SPAN_ID.hex(), "ok")));

    assertThat(decoded.rejected()).isZero();
    assertThat(decoded.firstRejection()).isNull();
  }

  @Test
  void attributeWithoutValueIsDropped() {
    List<ResourceSpans> request =
        request(
            protoSpan(Spans.TRACE_ID.hex(), Spans.SPAN_ID.hex(), "x")
                .addAttributes(KeyValue.newBuilder().setKey("unset"))
                .addAttributes(
                    KeyValue.newBuilder()
                        .setKey("set")
                        .setValue(AnyValue.newBuilder().setStringValue("v"))));

    Span span = OtlpSpans.decode(request).spans().get(0);

    assertThat(span.attributes()).containsOnlyKeys("set");
  }

  @Test
  void resourceIsSharedByTheSpansOfOneResourceBlock() {
    List<ResourceSpans> request =
        List.of(
            ResourceSpans.newBuilder()
                .setResource(
                    io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                        .addAttributes(
                            KeyValue.newBuilder()
                                .setKey("service.name")
                                .setValue(AnyValue.newBuilder().setStringValue("svc"))))
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .addSpans(protoSpan(Spans.TRACE_ID.hex(), Spans.SPAN_ID.hex(), "a"))
                        .addSpans(protoSpan(Spans.TRACE_ID.hex(), "00f067aa0ba902b8", "b")))
                .build());

    List<Span> spans = OtlpSpans.decode(request).spans();

    Resource first = spans.get(0).resource();
    assertThat(first.serviceName()).isEqualTo("svc");
    assertThat(spans.get(1).resource()).isSameAs(first);
  }

  @Test
  void unknownKindAndStatusNumbersAreUnspecifiedAndUnset() {
    List<ResourceSpans> request =
        request(
            protoSpan(Spans.TRACE_ID.hex(), Spans.SPAN_ID.hex(), "x")
                .setKindValue(42)
                .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder().setCodeValue(9)));

    Span span = OtlpSpans.decode(request).spans().get(0);

    assertThat(span.kind()).isEqualTo(SpanKind.UNSPECIFIED);
    assertThat(span.statusCode()).isEqualTo(StatusCode.UNSET);
  }
}
