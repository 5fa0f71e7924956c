package dev.tokentrail.query;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.store.Tenants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.OtlpSpans;
import dev.tokentrail.store.memory.InMemorySpanStore;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tempo's tag value, search and trace endpoints over HTTP, decoded as Grafana decodes them. */
class TempoApiTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  static InMemorySpanStore store;
  static Server server;
  static final long NOW = System.currentTimeMillis() * 1_000_000L;
  static int spanCounter;

  @BeforeAll
  static void start() throws Exception {
    store = InMemorySpanStore.create();
    List<ResourceSpans> request = new ArrayList<>();
    request.add(service("support-bot", 1,
        span(1, "chat claude", attr("gen_ai.request.model", "claude-sonnet-4"), attr("tokentrail.cost.usd", 0.00042)),
        span(1, "chat haiku", attr("gen_ai.request.model", "claude-3-5-haiku"), attr("tokentrail.cost.usd", 4.1999999999999996E-4))));
    request.add(service("research-agent", 2,
        span(2, "chat gpt-4o", attr("gen_ai.request.model", "gpt-4o"), attr("tokentrail.cost.usd", 1234567.5),
            attr("gen_ai.usage.input_tokens", 80_000L))));
    request.add(service("chat-ui", 3,
        span(3, "chat mini", attr("gen_ai.request.model", "gpt-4o-mini"), attr("tokentrail.cost.usd", 0.000042),
            attr("gen_ai.conversation.id", "conv-42"))));
    // No resource, no scope, no status.
    request.add(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span(4, "bare"))).build());
    List<Span> spans = OtlpSpans.decode(request).spans();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).join();
    ServerBuilder sb = Server.builder().http(0);
    QueryApi.builder(store, new PrometheusRegistry()).build().install(sb);
    server = sb.build();
    server.start().join();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(json("/api/search?q=" + enc("{ }")).get("traces")).hasSize(4));
  }

  @AfterAll
  static void stop() {
    server.stop().join();
    store.close();
  }

  static ResourceSpans service(String name, int trace, io.opentelemetry.proto.trace.v1.Span... spans) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(attr("service.name", name)))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))
        .build();
  }

  static io.opentelemetry.proto.trace.v1.Span span(int trace, String name, KeyValue... attributes) {
    byte[] traceId = new byte[16];
    traceId[15] = (byte) trace;
    byte[] spanId = new byte[8];
    spanId[7] = (byte) ++spanCounter;
    return io.opentelemetry.proto.trace.v1.Span.newBuilder()
        .setTraceId(ByteString.copyFrom(traceId)).setSpanId(ByteString.copyFrom(spanId)).setName(name).setKindValue(3)
        .setStartTimeUnixNano(NOW - 60_000_000_000L + trace).setEndTimeUnixNano(NOW - 59_000_000_000L)
        .addAllAttributes(List.of(attributes)).build();
  }

  static KeyValue attr(String key, Object value) {
    AnyValue.Builder v = AnyValue.newBuilder();
    if (value instanceof String s) {
      v.setStringValue(s);
    } else if (value instanceof Double d) {
      v.setDoubleValue(d);
    } else {
      v.setIntValue((Long) value);
    }
    return KeyValue.newBuilder().setKey(key).setValue(v).build();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort() + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return QueryApi.JSON.readTree(r.body());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static TreeSet<String> values(String tag, String q) throws Exception {
    String path = "/api/v2/search/tag/" + tag + "/values" + (q == null ? "" : "?q=" + enc(q));
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as(q + ": " + r.body()).isEqualTo(200);
    DynamicMessage decoded = TempoMessages.parseJson(TempoMessages.SEARCH_TAG_VALUES_V2_RESPONSE, r.body());
    TreeSet<String> out = new TreeSet<>();
    for (Object v : (List<?>) TraceByIdServiceTest.get(decoded, "tagValues")) {
      out.add(TraceByIdServiceTest.<String>get((Message) v, "value"));
    }
    return out;
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      { span.gen_ai.request.model = } => claude-3-5-haiku claude-sonnet-4 gpt-4o gpt-4o-mini
      { resource.service.name = "support-bot" && span.gen_ai.request.model = } => claude-3-5-haiku claude-sonnet-4
      { resource.service.name = "support-bot" && span.gen_ai.request.model =  => claude-3-5-haiku claude-sonnet-4
      { resource.service.name = "support-bot" && span.gen_ai.request.model = "cl => claude-3-5-haiku claude-sonnet-4
      { span.gen_ai.request.model = && resource.service.name = "chat-ui" } => gpt-4o-mini
      { resource.service.name = "chat-ui" && } => claude-3-5-haiku claude-sonnet-4 gpt-4o gpt-4o-mini
      { resource.service.name = "support-bot" } && { span.gen_ai.request.model = } => claude-3-5-haiku claude-sonnet-4 gpt-4o gpt-4o-mini
      { resource.service.name = "support-bot" || resource.service.name = "research-agent" } => claude-3-5-haiku claude-sonnet-4 gpt-4o
      { span.gen_ai.usage.input_tokens > 50000 && span.gen_ai.request.model = } | count() > 0 => gpt-4o
      { span.gen_ai.conversation.id != nil && span.gen_ai.request.model = } => claude-3-5-haiku claude-sonnet-4 gpt-4o gpt-4o-mini
      { span.gen_ai.request.model = "gpt-4o" && resource.service.name = "support-bot" } => gpt-4o
      { span.gen_ai.request.model =~ "gpt.*" && span.gen_ai.request.model = } => gpt-4o gpt-4o-mini
      { } => claude-3-5-haiku claude-sonnet-4 gpt-4o gpt-4o-mini
      """)
  void tagValuesReadTheEditorsUnfinishedText(String q, String expected) throws Exception {
    assertThat(String.join(" ", values("span.gen_ai.request.model", q))).isEqualTo(expected);
  }

  @Test
  void unreadableTextIsNeverA400() throws Exception {
    for (String q : List.of("{", "{ span.x = \"", "&&", "{ .a = 1 } | count() >", "{ status = 200 }", "garbage ???")) {
      assertThat(get("/api/v2/search/tag/span.gen_ai.request.model/values?q=" + enc(q)).statusCode()).as(q).isEqualTo(200);
    }
  }

  @Test
  void floatValuesAreWrittenAsTempoWritesThem() throws Exception {
    JsonNode v2 = json("/api/v2/search/tag/span.tokentrail.cost.usd/values");
    List<String> typed = new ArrayList<>();
    v2.get("tagValues").forEach(v -> typed.add(v.get("type").asText() + ":" + v.get("value").asText()));
    assertThat(typed).containsExactlyInAnyOrder("float:0.00042", "float:0.00041999999999999996", "float:1.2345675e+06",
        "float:4.2e-05");
    JsonNode v1 = json("/api/search/tag/tokentrail.cost.usd/values");
    assertThat(v1.get("tagValues").toString()).contains("\"0.00042\"").doesNotContain("E-4");
    // Values drawn from matching spans (a q filter) are written the same way.
    JsonNode filtered = json("/api/v2/search/tag/span.tokentrail.cost.usd/values?q=" + enc("{ resource.service.name = \"support-bot\" }"));
    assertThat(filtered.get("tagValues").toString()).contains("{\"type\":\"float\",\"value\":\"0.00042\"}");
    JsonNode ints = json("/api/v2/search/tag/span.gen_ai.usage.input_tokens/values");
    assertThat(ints.get("tagValues").toString()).isEqualTo("[{\"type\":\"int\",\"value\":\"80000\"}]");
  }

  @ParameterizedTest
  @CsvSource(delimiterString = " => ", textBlock = """
      0.00042 => 0.00042
      4.1999999999999996E-4 => 0.00041999999999999996
      0.000042 => 4.2e-05
      0.0001 => 0.0001
      3.0 => 3.0
      -2.5 => -2.5
      100000.0 => 100000.0
      123456.5 => 123456.5
      1000000.0 => 1e+06
      1234567.5 => 1.2345675e+06
      1.0E21 => 1e+21
      1.0E-300 => 1e-300
      0.1 => 0.1
      0.30000000000000004 => 0.30000000000000004
      0.0 => 0.0
      """)
  void floatsAsGoFormatsThem(double value, String expected) {
    assertThat(TempoApi.tempoFloat(value)).isEqualTo(expected);
  }

  @Test
  void nonFiniteFloatsAsGoFormatsThem() {
    assertThat(TempoApi.tempoFloat(Double.NaN)).isEqualTo("NaN");
    assertThat(TempoApi.tempoFloat(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(TempoApi.tempoFloat(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(TempoApi.tempoFloat(Double.MIN_VALUE)).isEqualTo("5e-324");
  }

  /**
   * Search answers decoded as the plugin decodes them (pkg/tempo/search.go: {@code
   * jsonpb.Unmarshal} into {@code tempopb.SearchResponse}, unknown fields refused), then the fields
   * its transforms read: {@code trace.TraceID}, {@code StartTimeUnixNano}, {@code
   * RootServiceName}, {@code RootTraceName}, {@code DurationMs}, {@code SpanSets} (or {@code
   * SpanSet}), and per span {@code SpanID}, {@code Name}, {@code StartTimeUnixNano}, {@code
   * DurationNanos}, {@code Attributes[].Key} and {@code .Value}; per span set {@code Attributes}.
   */
  @Test
  void searchAnswersDecodeStrictlyAsTempoSearchResponse() throws Exception {
    for (String q : List.of("{ }", "{ span.tokentrail.cost.usd > 0 } | select(span.gen_ai.request.model, resource.service.name)",
        "{ span.tokentrail.cost.usd > 0 } | sum(span.tokentrail.cost.usd) > 0", "{ span.tokentrail.cost.usd > 0 } | count() > 0",
        "{ span.gen_ai.usage.input_tokens > 1 } | avg(span.gen_ai.usage.input_tokens) > 1")) {
      HttpResponse<String> r = get("/api/search?q=" + enc(q) + "&spss=10");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      DynamicMessage response = TempoMessages.parseJson(TempoMessages.SEARCH_RESPONSE, r.body());
      List<?> traces = TraceByIdServiceTest.get(response, "traces");
      assertThat(traces).as(q).isNotEmpty();
      for (Object t : traces) {
        Message trace = (Message) t;
        assertThat(TraceByIdServiceTest.<String>get(trace, "traceID")).matches("[0-9a-f]+");
        assertThat(TraceByIdServiceTest.<Long>get(trace, "startTimeUnixNano")).isPositive();
        assertThat(TraceByIdServiceTest.<Integer>get(trace, "durationMs")).isGreaterThanOrEqualTo(0);
        assertThat(TraceByIdServiceTest.<String>get(trace, "rootServiceName")).isNotNull();
        assertThat(TraceByIdServiceTest.<String>get(trace, "rootTraceName")).isNotNull();
        for (Object s : (List<?>) TraceByIdServiceTest.get(trace, "spanSets")) {
          Message spanSet = (Message) s;
          for (Object kv : (List<?>) TraceByIdServiceTest.get(spanSet, "attributes")) {
            assertThat(TraceByIdServiceTest.has((Message) kv, "value")).isTrue();
          }
          for (Object sp : (List<?>) TraceByIdServiceTest.get(spanSet, "spans")) {
            Message span = (Message) sp;
            assertThat(TraceByIdServiceTest.<String>get(span, "spanID")).hasSize(16);
            assertThat(TraceByIdServiceTest.<String>get(span, "name")).isNotEmpty();
            assertThat(TraceByIdServiceTest.<Long>get(span, "startTimeUnixNano")).isPositive();
            assertThat(TraceByIdServiceTest.<Long>get(span, "durationNanos")).isPositive();
            for (Object kv : (List<?>) TraceByIdServiceTest.get(span, "attributes")) {
              assertThat(TraceByIdServiceTest.has((Message) kv, "value")).isTrue();
            }
          }
        }
      }
    }
    // The tag endpoints decode as Tempo's responses too.
    TempoMessages.parseJson(TempoMessages.SEARCH_TAGS_V2_RESPONSE, get("/api/v2/search/tags").body());
    TempoMessages.parseJson(TempoMessages.SEARCH_TAGS_RESPONSE, get("/api/search/tags").body());
    TempoMessages.parseJson(TempoMessages.SEARCH_TAG_VALUES_RESPONSE, get("/api/search/tag/service.name/values").body());
  }

  @Test
  void searchWritesTheTraceIdAsHexWithoutLeadingZerosAndSpanIdsAsSixteenDigits() throws Exception {
    JsonNode traces = json("/api/search?q=" + enc("{ name = \"chat gpt-4o\" }")).get("traces");

    assertThat(traces).hasSize(1);
    assertThat(traces.get(0).get("traceID").asText()).isEqualTo("2");
    assertThat(traces.get(0).get("spanSets").get(0).get("spans").get(0).get("spanID").asText())
        .isEqualTo("0000000000000003");
  }

  @Test
  void traceByIdPadsShortIdsAndWritesIdBytesInBase64() throws Exception {
    for (String id : List.of("2", "0002", "00000000000000000000000000000002")) {
      JsonNode span = json("/api/traces/" + id).get("batches").get(0).get("scopeSpans").get(0).get("spans").get(0);

      assertThat(span.get("traceId").asText()).as(id).isEqualTo("AAAAAAAAAAAAAAAAAAAAAg==");
      assertThat(span.get("spanId").asText()).as(id).isEqualTo("AAAAAAAAAAM=");
    }
  }

  @Test
  void aTraceIdThatIsNotHexIsA400NamingIt() throws Exception {
    HttpResponse<String> r = get("/api/traces/not-hex");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("traceId: not-hex (expected: up to 32 hex digits)");
  }

  @Test
  void traceByIdOverHttpCarriesStatusScopeAndResource() throws Exception {
    for (boolean v2 : new boolean[] {true, false}) {
      HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort()
              + (v2 ? "/api/v2/traces/4" : "/api/traces/4"))).header("Accept", "application/protobuf").build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      Message trace = v2
          ? TraceByIdServiceTest.get(TempoMessages.parse(TempoMessages.TRACE_BY_ID_RESPONSE, r.body()), "trace")
          : TempoMessages.parse(TempoMessages.TRACE, r.body());
      TraceByIdServiceTest.assertGrafanaCanConvert(trace, 1);
    }
  }
}
