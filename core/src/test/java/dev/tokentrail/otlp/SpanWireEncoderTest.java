package dev.tokentrail.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.SpanLink;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SpanWireEncoderTest {
  private static final int TENANT_FIELD = 15_000;

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void oneSpanHasTheBytesOfItsProtobufMessage(long seed) {
    Random r = new Random(seed);
    SpanWireEncoder encoder = SpanWireEncoder.create();
    for (int i = 0; i < 200; i++) {
      Span span = span(r, resource(r), "scope" + r.nextInt(2), r.nextBoolean() ? "" : "1.0");
      int length = encoder.resourceSpans(span);
      assertThat(Arrays.copyOf(encoder.buffer(), length))
          .as("seed %d span %d", seed, i)
          .isEqualTo(OtlpSpans.encodeOne(span).toByteArray());
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13, 14})
  void aBatchIsItsResourceGroupsInOrderWithTheExtraFieldAfter(long seed) throws Exception {
    Random r = new Random(seed);
    List<Span> spans = new ArrayList<>();
    for (int run = 0; run < 1 + r.nextInt(6); run++) {
      Resource resource = resource(r);
      for (int s = 0; s < 1 + r.nextInt(3); s++) {
        String scope = "scope-" + run + "-" + s;
        for (int i = 0; i < 1 + r.nextInt(4); i++) {
          spans.add(span(r, resource, scope, "v" + s));
        }
      }
    }

    byte[] bytes = SpanWireEncoder.create().tracesData(spans, TENANT_FIELD, "acme");

    TracesData parsed = TracesData.parseFrom(bytes);
    assertThat(parsed.getUnknownFields().getField(TENANT_FIELD).getLengthDelimitedList().get(0).toStringUtf8())
        .isEqualTo("acme");
    TracesData withoutTenant = parsed.toBuilder()
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.getDefaultInstance()).build();
    assertThat(withoutTenant.toByteArray()).isEqualTo(expectedGroups(spans).toByteArray());
  }

  @Test
  void equalResourcesInARunShareOneGroupAndTheirSpansDecodeInOrder() throws Exception {
    Resource a = Resource.of(Map.of("service.name", "a"));
    Resource aAgain = Resource.of(Map.of("service.name", "a"));
    Resource b = Resource.of(Map.of("service.name", "b"));
    List<Span> spans = List.of(simple("01", a), simple("02", aAgain), simple("03", b), simple("04", a));

    TracesData parsed = TracesData.parseFrom(SpanWireEncoder.create().tracesData(spans, TENANT_FIELD, null));

    assertThat(parsed.getResourceSpansCount()).isEqualTo(3);
    assertThat(parsed.getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(2);
    assertThat(parsed.getUnknownFields().asMap()).isEmpty();
    assertThat(OtlpSpans.decode(parsed.getResourceSpansList()).spans()).containsExactlyElementsOf(spans);
  }

  @Test
  void anEmptyBatchIsAnEmptyMessage() {
    assertThat(SpanWireEncoder.create().tracesData(List.of(), TENANT_FIELD, null)).isEmpty();
  }

  /** What {@code OtlpSpans} writes for runs of equal resources and scopes, built from its messages. */
  private static TracesData expectedGroups(List<Span> spans) {
    TracesData.Builder data = TracesData.newBuilder();
    for (int from = 0; from < spans.size(); ) {
      int to = from + 1;
      while (to < spans.size() && spans.get(to).resource().equals(spans.get(from).resource())) {
        to++;
      }
      ResourceSpans.Builder group = ResourceSpans.newBuilder()
          .setResource(OtlpSpans.encodeOne(spans.get(from)).getResource());
      for (int a = from; a < to; ) {
        Span first = spans.get(a);
        ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(
            InstrumentationScope.newBuilder().setName(first.scopeName()).setVersion(first.scopeVersion()));
        int b = a;
        while (b < to && spans.get(b).scopeName().equals(first.scopeName())
            && spans.get(b).scopeVersion().equals(first.scopeVersion())) {
          scope.addSpans(OtlpSpans.encodeSpan(spans.get(b)));
          b++;
        }
        group.addScopeSpans(scope);
        a = b;
      }
      data.addResourceSpans(group);
      from = to;
    }
    return data.build();
  }

  private static Span simple(String spanId, Resource resource) {
    return Span.builder().traceId(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"))
        .spanId(SpanId.fromHex("00000000000000" + spanId))
        .name("op").resource(resource).scope("s", "").startEpochNanos(1).endEpochNanos(2).build();
  }

  private static Resource resource(Random r) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("service.name", "svc-" + r.nextInt(3));
    if (r.nextBoolean()) {
      attributes.put("host.name", "h" + r.nextInt(100));
    }
    return r.nextInt(5) == 0 ? Resource.EMPTY : Resource.of(attributes);
  }

  private static Span span(Random r, Resource resource, String scope, String version) {
    List<SpanEvent> events = new ArrayList<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      events.add(new SpanEvent(r.nextBoolean() ? 0 : r.nextLong() & Long.MAX_VALUE, r.nextBoolean() ? "" : "ev" + i,
          attributes(r, 0)));
    }
    List<SpanLink> links = new ArrayList<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      links.add(new SpanLink(traceId(r), spanId(r), r.nextBoolean() ? "" : "k=v", attributes(r, 0)));
    }
    long start = r.nextBoolean() ? 0 : r.nextLong();
    return new Span(traceId(r), spanId(r), r.nextBoolean() ? SpanId.NONE : spanId(r), r.nextBoolean() ? "" : "rojo=00f",
        r.nextBoolean() ? "" : "chat gpt-4o \u00e9\u4e2d\ud83d\ude00",
        SpanKind.values()[r.nextInt(SpanKind.values().length)], start, r.nextBoolean() ? 0 : start + r.nextInt(1000),
        StatusCode.values()[r.nextInt(StatusCode.values().length)], r.nextBoolean() ? "" : "boom",
        attributes(r, 0), resource, scope, version, events, links);
  }

  private static Map<String, Object> attributes(Random r, int depth) {
    Map<String, Object> out = new HashMap<>();
    for (int i = r.nextInt(depth == 0 ? 8 : 3); i > 0; i--) {
      out.put(r.nextInt(10) == 0 ? "" : "k" + r.nextInt(1000), value(r, depth));
    }
    return out;
  }

  private static Object value(Random r, int depth) {
    return switch (r.nextInt(depth < 2 ? 11 : 8)) {
      case 0 -> "";
      case 1 -> "v" + r.nextInt() + "\u00fc";
      case 2 -> r.nextLong();
      case 3 -> (long) r.nextInt(3) - 1;
      case 4 -> r.nextInt(100);
      case 5 -> r.nextBoolean() ? r.nextDouble() : (r.nextBoolean() ? -0.0 : Double.NaN);
      case 6 -> r.nextBoolean();
      case 7 -> r.nextBoolean() ? new byte[0] : new byte[] {1, 2, (byte) r.nextInt()};
      case 8 -> {
        List<Object> list = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
          list.add(value(r, depth + 1));
        }
        yield list;
      }
      case 9 -> attributes(r, depth + 1);
      default -> null;
    };
  }

  private static TraceId traceId(Random r) {
    return new TraceId(r.nextLong() | 1L << 56, r.nextLong());
  }

  private static SpanId spanId(Random r) {
    return new SpanId(r.nextLong() | 1L << 56);
  }
}
