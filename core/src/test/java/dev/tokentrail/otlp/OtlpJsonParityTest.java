package dev.tokentrail.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming OTLP/JSON decoder reads what protobuf's own JSON mapping writes (with ids turned to
 * hex as OTLP/JSON requires) back to the identical request, for every field type OTLP traces use.
 */
class OtlpJsonParityTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 2026})
  void whatProtobufJsonWritesReadsBackIdentically(long seed) throws Exception {
    ExportTraceServiceRequest request = randomRequest(new Random(seed));

    byte[] json = otlpJson(request, false);
    byte[] snake = otlpJson(request, true);

    assertThat(OtlpJson.parseTraces(json)).isEqualTo(request);
    assertThat(OtlpJson.parseTraces(snake)).isEqualTo(request);
  }

  @Test
  void outOfRangeIntegersAreRejectedNamingTheField() {
    String json = """
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "eee19b7ec3c1b174", "droppedAttributesCount": 4294967296}]}]}]}
        """;
    assertThatThrownBy(() -> OtlpJson.parseTraces(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageStartingWith("invalid OTLP/JSON: resourceSpans[0].scopeSpans[0].spans[0].droppedAttributesCount");
  }

  @Test
  void aNegativeTimestampIsRejected() {
    String json = """
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "eee19b7ec3c1b174", "startTimeUnixNano": "-5"}]}]}]}
        """;
    assertThatThrownBy(() -> OtlpJson.parseTraces(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("spans[0].startTimeUnixNano");
  }

  @Test
  void anObjectWhereAListBelongsIsRejectedNamingTheField() {
    String json = "{\"resourceSpans\": [{\"scopeSpans\": {\"spans\": []}}]}";
    assertThatThrownBy(() -> OtlpJson.parseTraces(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessage("invalid OTLP/JSON: resourceSpans[0].scopeSpans: START_OBJECT (expected: a list)");
  }

  @Test
  void timestampsAboveTheSignedRangeAreKeptAsUnsigned() throws Exception {
    String json = """
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c",
          "spanId": "eee19b7ec3c1b174", "endTimeUnixNano": "18446744073709551615"}]}]}]}
        """;
    Span span = OtlpJson.parseTraces(json.getBytes(StandardCharsets.UTF_8))
        .getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(-1L); // 2^64-1 as protobuf's unsigned fixed64
  }

  /** Protobuf's JSON of {@code request}, ids rewritten from base64 to hex. */
  private static byte[] otlpJson(ExportTraceServiceRequest request, boolean protoNames) throws Exception {
    JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
    if (protoNames) {
      printer = printer.preservingProtoFieldNames();
    }
    JsonNode tree = MAPPER.readTree(printer.print(request));
    hexIds(tree);
    return MAPPER.writeValueAsBytes(tree);
  }

  private static void hexIds(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        JsonNode value = object.get(name);
        if (value.isTextual() && name.matches("traceId|spanId|parentSpanId|trace_id|span_id|parent_span_id")) {
          object.put(name, HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(value.asText())));
        } else {
          hexIds(value);
        }
      }
    } else if (node.isArray()) {
      node.forEach(OtlpJsonParityTest::hexIds);
    }
  }

  private static ExportTraceServiceRequest randomRequest(Random r) {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    for (int i = 0; i < 1 + r.nextInt(3); i++) {
      ResourceSpans.Builder rs = ResourceSpans.newBuilder()
          .setResource(Resource.newBuilder().addAllAttributes(attributes(r, 2)).setDroppedAttributesCount(r.nextInt(3)))
          .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0");
      for (int j = 0; j < 1 + r.nextInt(3); j++) {
        ScopeSpans.Builder ss = ScopeSpans.newBuilder()
            .setScope(InstrumentationScope.newBuilder().setName("lib-" + j).setVersion("1." + j)
                .addAllAttributes(attributes(r, 1)));
        for (int k = 0; k < 1 + r.nextInt(5); k++) {
          ss.addSpans(span(r));
        }
        rs.addScopeSpans(ss);
      }
      request.addResourceSpans(rs);
    }
    return request.build();
  }

  private static Span span(Random r) {
    Span.Builder span = Span.newBuilder()
        .setTraceId(bytes(r, 16)).setSpanId(bytes(r, 8))
        .setTraceState(r.nextBoolean() ? "" : "vendor=x")
        .setName("op-" + r.nextInt(100) + " \u00e9\u6f22\ud83d\ude00")
        .setKindValue(r.nextInt(6))
        .setStartTimeUnixNano(1_700_000_000_000_000_000L + r.nextInt(1_000_000))
        .setEndTimeUnixNano(1_700_000_000_000_000_000L + 1_000_000 + r.nextInt(1_000_000))
        .addAllAttributes(attributes(r, 3))
        .setDroppedAttributesCount(r.nextInt(2))
        .setFlags(r.nextInt(512))
        .setStatus(Status.newBuilder().setCodeValue(r.nextInt(3)).setMessage(r.nextBoolean() ? "" : "boom"));
    if (r.nextBoolean()) {
      span.setParentSpanId(bytes(r, 8));
    }
    if (r.nextBoolean()) {
      span.addEvents(Span.Event.newBuilder().setName("exception").setTimeUnixNano(1_700_000_000_000_000_500L)
          .addAllAttributes(attributes(r, 2)));
    }
    if (r.nextBoolean()) {
      span.addLinks(Span.Link.newBuilder().setTraceId(bytes(r, 16)).setSpanId(bytes(r, 8)).setTraceState("a=b")
          .addAllAttributes(attributes(r, 1)).setFlags(1));
    }
    return span.build();
  }

  private static java.util.List<KeyValue> attributes(Random r, int depth) {
    java.util.List<KeyValue> out = new java.util.ArrayList<>();
    for (int i = 0; i < 1 + r.nextInt(4); i++) {
      out.add(KeyValue.newBuilder().setKey("k" + i + "." + r.nextInt(1000)).setValue(value(r, depth)).build());
    }
    return out;
  }

  private static AnyValue value(Random r, int depth) {
    int kind = r.nextInt(depth > 0 ? 7 : 5);
    return switch (kind) {
      case 0 -> AnyValue.newBuilder().setStringValue("v" + r.nextInt()).build();
      case 1 -> AnyValue.newBuilder().setIntValue(r.nextLong()).build();
      case 2 -> AnyValue.newBuilder().setDoubleValue(r.nextBoolean() ? r.nextDouble() * 1e6 : Double.NaN).build();
      case 3 -> AnyValue.newBuilder().setBoolValue(r.nextBoolean()).build();
      case 4 -> AnyValue.newBuilder().setBytesValue(bytes(r, r.nextInt(12))).build();
      case 5 -> AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
          .addValues(value(r, depth - 1)).addValues(value(r, depth - 1))).build();
      default -> AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addAllValues(attributes(r, depth - 1))).build();
    };
  }

  private static ByteString bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return ByteString.copyFrom(b);
  }
}
