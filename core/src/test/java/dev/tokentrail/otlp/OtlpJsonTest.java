package dev.tokentrail.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.otlp.OtlpJson.MalformedJsonException;
import dev.tokentrail.otlp.OtlpSpans.Decoded;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OtlpJsonTest {
  /** The OTLP/JSON trace example of open-telemetry/opentelemetry-proto (Apache-2.0). */
  private static final Path OFFICIAL_EXAMPLE = officialExample();

  private static Path officialExample() {
    try {
      return Path.of(OtlpJsonTest.class.getResource("/otlp/opentelemetry-proto-trace.json").toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final TraceId TRACE_ID = TraceId.fromHex("5b8efff798038103d269b633813fc60c");

  /** One resource, one scope, one span with the given JSON fields. */
  private static byte[] oneSpan(String spanFields) {
    String json =
        """
        {"resourceSpans": [{
          "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
          "scopeSpans": [{"scope": {"name": "lib"}, "spans": [{%s}]}]
        }]}
        """
            .formatted(spanFields);
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static Span decodeOne(byte[] json) throws MalformedJsonException {
    Decoded decoded = OtlpSpans.decode(OtlpJson.parseTraces(json).getResourceSpansList());
    assertThat(decoded.rejected()).as(decoded.firstRejection()).isZero();
    assertThat(decoded.spans()).hasSize(1);
    return decoded.spans().get(0);
  }

  @Test
  void officialExampleWithUpperCaseHexIdsParses() throws Exception {
    assertThat(OFFICIAL_EXAMPLE)
        .as("run from the core module directory; shared data next to the repository")
        .exists();

    Span span = decodeOne(Files.readAllBytes(OFFICIAL_EXAMPLE));

    assertThat(span.traceId()).isEqualTo(TRACE_ID);
    assertThat(span.spanId()).isEqualTo(SpanId.fromHex("eee19b7ec3c1b174"));
    assertThat(span.parentSpanId()).isEqualTo(SpanId.fromHex("eee19b7ec3c1b173"));
    assertThat(span.name()).isEqualTo("I'm a server span");
    assertThat(span.kind()).isEqualTo(SpanKind.SERVER);
    assertThat(span.startEpochNanos()).isEqualTo(1544712660000000000L);
    assertThat(span.endEpochNanos()).isEqualTo(1544712661000000000L);
    assertThat(span.attributes()).containsExactlyEntriesOf(java.util.Map.of("my.span.attr", "some value"));
    assertThat(span.resource().serviceName()).isEqualTo("my.service");
    assertThat(span.scopeName()).isEqualTo("my.library");
    assertThat(span.scopeVersion()).isEqualTo("1.0.0");
  }

  @Test
  void lowerCaseHexIdsParse() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "parentSpanId": "eee19b7ec3c1b173",
                "name": "x"
                """));

    assertThat(span.traceId()).isEqualTo(TRACE_ID);
    assertThat(span.spanId()).isEqualTo(SpanId.fromHex("eee19b7ec3c1b174"));
    assertThat(span.parentSpanId()).isEqualTo(SpanId.fromHex("eee19b7ec3c1b173"));
  }

  @Test
  void emptyParentSpanIdIsARoot() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "parentSpanId": ""
                """));

    assertThat(span.isRoot()).isTrue();
  }

  @Test
  void linkIdsAreHexToo() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "links": [{"traceId": "0AF7651916CD43DD8448EB211C80319C", "spanId": "b7ad6b7169203331"}]
                """));

    assertThat(span.links()).hasSize(1);
    assertThat(span.links().get(0).traceId()).isEqualTo(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c"));
    assertThat(span.links().get(0).spanId()).isEqualTo(SpanId.fromHex("b7ad6b7169203331"));
  }

  @Test
  void protoFieldNamesAreAcceptedToo() throws Exception {
    byte[] json =
        """
        {"resource_spans": [{"scope_spans": [{"spans": [{
          "trace_id": "5b8efff798038103d269b633813fc60c",
          "span_id": "eee19b7ec3c1b174",
          "start_time_unix_nano": "1544712660000000000"
        }]}]}]}
        """
            .getBytes(StandardCharsets.UTF_8);

    Span span = decodeOne(json);

    assertThat(span.traceId()).isEqualTo(TRACE_ID);
    assertThat(span.startEpochNanos()).isEqualTo(1544712660000000000L);
  }

  @Test
  void enumValuesAsIntegersParse() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "kind": 3,
                "status": {"code": 2, "message": "boom"}
                """));

    assertThat(span.kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(span.statusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.statusMessage()).isEqualTo("boom");
  }

  @Test
  void enumValuesAsNamesParse() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "kind": "SPAN_KIND_PRODUCER",
                "status": {"code": "STATUS_CODE_OK"}
                """));

    assertThat(span.kind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(span.statusCode()).isEqualTo(StatusCode.OK);
  }

  @Test
  void int64ValuesAsStringsAndNumbersParse() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "startTimeUnixNano": "1544712660000000000",
                "endTimeUnixNano": 1544712661000000000,
                "attributes": [
                  {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12050"}},
                  {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 310}},
                  {"key": "big", "value": {"intValue": "9223372036854775807"}},
                  {"key": "ratio", "value": {"doubleValue": 0.5}},
                  {"key": "flag", "value": {"boolValue": true}},
                  {"key": "raw", "value": {"bytesValue": "AAH/"}},
                  {"key": "reasons", "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}}},
                  {"key": "map", "value": {"kvlistValue": {"values": [{"key": "k", "value": {"intValue": "1"}}]}}}
                ]
                """));

    assertThat(span.startEpochNanos()).isEqualTo(1544712660000000000L);
    assertThat(span.endEpochNanos()).isEqualTo(1544712661000000000L);
    assertThat(span.attribute("gen_ai.usage.input_tokens")).isEqualTo(12050L);
    assertThat(span.attribute("gen_ai.usage.output_tokens")).isEqualTo(310L);
    assertThat(span.attribute("big")).isEqualTo(Long.MAX_VALUE);
    assertThat(span.attribute("ratio")).isEqualTo(0.5);
    assertThat(span.attribute("flag")).isEqualTo(true);
    assertThat((byte[]) span.attribute("raw")).containsExactly(0, 1, 0xff);
    assertThat(span.attribute("reasons")).isEqualTo(java.util.List.of("stop"));
    assertThat(span.attribute("map")).isEqualTo(java.util.Map.of("k", 1L));
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "someFutureField": {"x": 1}
                """));

    assertThat(span.traceId()).isEqualTo(TRACE_ID);
  }

  @Test
  void hexIdOfTheWrongLengthParsesButIsRejectedWhenDecoded() throws Exception {
    ExportTraceServiceRequest request =
        OtlpJson.parseTraces(
            oneSpan(
                """
                "traceId": "5b8efff7",
                "spanId": "eee19b7ec3c1b174"
                """));

    Decoded decoded = OtlpSpans.decode(request.getResourceSpansList());

    assertThat(decoded.spans()).isEmpty();
    assertThat(decoded.rejected()).isEqualTo(1);
    assertThat(decoded.firstRejection()).contains("trace 5b8efff7", "invalid traceId");
  }

  @Test
  void emptyRequestHasNoSpans() throws Exception {
    assertThat(OtlpJson.parseTraces("{}".getBytes(StandardCharsets.UTF_8)).getResourceSpansCount())
        .isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"resourceSpans\": [", "not json", "{\"a\": }", ""})
  void malformedJsonIsReportedReadably(String body) {
    assertThatThrownBy(() -> OtlpJson.parseTraces(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedJsonException.class)
        .message()
        .satisfiesAnyOf(
            m -> assertThat(m).startsWith("invalid JSON: "),
            m -> assertThat(m).startsWith("invalid OTLP/JSON: "))
        .doesNotContain("\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "42", "\"text\"", "null"})
  void jsonThatIsNotAnObjectIsReported(String body) {
    assertThatThrownBy(() -> OtlpJson.parseTraces(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessage("invalid OTLP/JSON: expected an object with resourceSpans");
  }

  @Test
  void wrongFieldTypeIsReportedAsInvalidOtlp() {
    byte[] json = "{\"resourceSpans\": {\"not\": \"a list\"}}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageStartingWith("invalid OTLP/JSON: ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void idThatIsNeitherHexNorBase64IsReportedAsInvalidOtlp() {
    byte[] json =
        oneSpan(
            """
            "traceId": "not an id!",
            "spanId": "eee19b7ec3c1b174"
            """);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageStartingWith("invalid OTLP/JSON: ");
  }

  // Strict OTLP/JSON (issue 12).

  @Test
  void base64TraceIdIsRejectedNamingTheField() {
    // Base64 of 16 bytes: the protobuf JSON parser accepts it, OTLP/JSON does not.
    byte[] json =
        oneSpan(
            """
            "traceId": "W47/95gDgQPSabYzgT/GDA==",
            "spanId": "eee19b7ec3c1b174"
            """);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("resourceSpans[0].scopeSpans[0].spans[0].traceId")
        .hasMessageContaining("not base64");
  }

  @Test
  void base64SpanIdThatLooksLikeNothingElseIsRejected() {
    byte[] json =
        oneSpan(
            """
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "7uGbfsPBsXQ="
            """);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("spans[0].spanId");
  }

  @Test
  void nonAsciiDigitsInAHexIdAreRejected() {
    // U+0663 ARABIC-INDIC DIGIT THREE: Character.digit reads it as 3.
    byte[] json =
        oneSpan(
            """
            "traceId": "5b8efff798038103d269b633813fc6٣٣",
            "spanId": "eee19b7ec3c1b174"
            """);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("spans[0].traceId");
  }

  @Test
  void nonAsciiDigitsInALinkIdAreRejected() {
    byte[] json =
        oneSpan(
            """
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "links": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b71692033１１"}]
            """);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("spans[0].links[0].spanId");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"resourceSpans\": []} trailing", "{\"resourceSpans\": []}{}", "{} ]", "{} 1"})
  void trailingGarbageAfterTheDocumentIsRejected(String body) {
    assertThatThrownBy(() -> OtlpJson.parseTraces(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageStartingWith("invalid JSON: ");
  }

  @Test
  void unknownSpanKindNameIsRejectedNamingTheField() {
    byte[] json =
        oneSpan(
            """
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "kind": "SPAN_KIND_TELEPATHY"
            """);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("resourceSpans[0].scopeSpans[0].spans[0].kind: \"SPAN_KIND_TELEPATHY\"")
        .hasMessageContaining("SPAN_KIND_SERVER");
  }

  @Test
  void unknownStatusCodeNameIsRejectedNamingTheField() {
    byte[] json =
        oneSpan(
            """
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "status": {"code": "STATUS_CODE_MAYBE"}
            """);

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageContaining("spans[0].status.code: \"STATUS_CODE_MAYBE\"");
  }

  @Test
  void attributeValuesNestedBeyondTheParsersDepthLimitAreA400NotAStackOverflow() {
    // Each kvlistValue level opens four JSON containers; 5,000 levels pass any depth limit.
    int levels = 5_000;
    StringBuilder value = new StringBuilder();
    for (int i = 0; i < levels; i++) {
      value.append("{\"kvlistValue\": {\"values\": [{\"key\": \"k\", \"value\": ");
    }
    value.append("{\"intValue\": 1}");
    value.append("}]}}".repeat(levels));
    byte[] json =
        oneSpan(
            """
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "attributes": [{"key": "deep", "value": %s}]
            """
                .formatted(value));

    assertThatThrownBy(() -> OtlpJson.parseTraces(json))
        .isInstanceOf(MalformedJsonException.class)
        .hasMessageStartingWith("invalid JSON: ");
  }

  @Test
  void enumIntegerStringBeyondIntIsRejectedNamingTheField() {
    // "4294967296" and "99999999999" are digits but no int: a 400 naming the field, not a parse failure.
    for (String kind : new String[] {"4294967296", "99999999999", "-2147483649"}) {
      byte[] json =
          oneSpan(
              """
              "traceId": "5b8efff798038103d269b633813fc60c",
              "spanId": "eee19b7ec3c1b174",
              "kind": "%s"
              """
                  .formatted(kind));

      assertThatThrownBy(() -> OtlpJson.parseTraces(json))
          .isInstanceOf(MalformedJsonException.class)
          .hasMessageContaining("resourceSpans[0].scopeSpans[0].spans[0].kind: \"" + kind + "\"");
    }
  }

  @Test
  void enumIntegerAsStringParses() throws Exception {
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "kind": "3"
                """));

    assertThat(span.kind()).isEqualTo(SpanKind.CLIENT);
  }

  @Test
  void unknownEnumIntegerIsKeptAsUnspecified() throws Exception {
    // OTLP/JSON encodes enums as integers; a value this version does not know reads as unspecified.
    Span span =
        decodeOne(
            oneSpan(
                """
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "kind": 42,
                "status": {"code": 9}
                """));

    assertThat(span.kind()).isEqualTo(SpanKind.UNSPECIFIED);
    assertThat(span.statusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void loneSurrogatesAreReplacedAtDecodeAndEncodeWithoutAWarning() throws Exception {
    StringBuilder attributes = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      if (i > 0) {
        attributes.append(',');
      }
      attributes.append("{\"key\": \"k").append(i).append("\", \"value\": {\"stringValue\": \"a\\ud800b\\udc00\\ud83d\\ude00\"}}");
    }
    byte[] json =
        oneSpan(
            """
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": "eee19b7ec3c1b174",
            "name": "x\\udfff",
            "attributes": [%s]
            """
                .formatted(attributes));
    java.util.List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Logger protobuf = java.util.logging.Logger.getLogger("com.google.protobuf");
    java.util.logging.Handler handler =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    protobuf.addHandler(handler);
    try {
      Span span = decodeOne(json);
      byte[] encoded = OtlpSpans.encodeOne(span).toByteArray();

      assertThat(span.name()).isEqualTo("x\uFFFD");
      assertThat(span.attributes().get("k7")).isEqualTo("a\uFFFDb\uFFFD\uD83D\uDE00");
      assertThat(OtlpSpans.decodeOne(io.opentelemetry.proto.trace.v1.ResourceSpans.parseFrom(encoded)).attributes())
          .isEqualTo(span.attributes());
      assertThat(records).as("protobuf warnings (a stack trace per ill-formed string before)").isEmpty();
    } finally {
      protobuf.removeHandler(handler);
    }
  }
}
