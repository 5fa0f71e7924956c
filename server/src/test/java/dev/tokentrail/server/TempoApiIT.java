package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract tests of the Grafana Tempo API against the real server fed by the real OTel SDK
 * exporter: field names, types and units as Tempo's docs and Grafana's data source expect them
 * (docs/research/tempo-api.md).
 */
class TempoApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dataDir;
  static ServerProcess server;
  static long startSeconds;
  static long endSeconds;
  static String costlyBot;
  static String cheapBot;
  static String bigContext;
  static String conversation;
  static String bareSdk;
  static String bareOtlp;

  @BeforeAll
  static void feed() throws Exception {
    server = ServerProcess.start(dataDir);
    long now = System.currentTimeMillis();
    startSeconds = now / 1000 - 60;
    endSeconds = now / 1000 + 60;
    List<SpanData> spans = new ArrayList<>();
    // A support-bot run on Claude costing more than $0.50: 3 calls of 100k in / 2k out on claude-sonnet-4 ($3 / $15).
    costlyBot = LlmSpans.traceId();
    String root = LlmSpans.spanId();
    spans.add(LlmSpans.root(costlyBot, root, "support-bot", now));
    for (int i = 0; i < 3; i++) {
      spans.add(LlmSpans.call(costlyBot, root, "support-bot", "anthropic", "claude-sonnet-4", 100_000, 2_000, now + i, Attributes.empty()));
    }
    // A cheap support-bot run on Claude Haiku.
    cheapBot = LlmSpans.traceId();
    root = LlmSpans.spanId();
    spans.add(LlmSpans.root(cheapBot, root, "support-bot", now + 1));
    spans.add(LlmSpans.call(cheapBot, root, "support-bot", "anthropic", "claude-3-5-haiku", 1_000, 100, now + 1, Attributes.empty()));
    // A big-context call on gpt-4o from another service.
    bigContext = LlmSpans.traceId();
    root = LlmSpans.spanId();
    spans.add(LlmSpans.root(bigContext, root, "research-agent", now + 2));
    spans.add(LlmSpans.call(bigContext, root, "research-agent", "openai", "gpt-4o", 80_000, 500, now + 2, Attributes.empty()));
    // A conversation turn.
    conversation = LlmSpans.traceId();
    root = LlmSpans.spanId();
    spans.add(LlmSpans.root(conversation, root, "chat-ui", now + 3));
    spans.add(LlmSpans.call(conversation, root, "chat-ui", "openai", "gpt-4o-mini", 500, 50, now + 3,
        Attributes.builder().put("gen_ai.conversation.id", "conv-42").build()));
    // As the OTel Java agent and most SDKs send successful work: status UNSET; here also an empty
    // resource (no attributes) and an empty instrumentation scope.
    bareSdk = LlmSpans.traceId();
    spans.add(io.opentelemetry.sdk.testing.trace.TestSpanData.builder()
        .setSpanContext(io.opentelemetry.api.trace.SpanContext.create(bareSdk, LlmSpans.spanId(),
            io.opentelemetry.api.trace.TraceFlags.getSampled(), io.opentelemetry.api.trace.TraceState.getDefault()))
        .setName("bare").setKind(io.opentelemetry.api.trace.SpanKind.INTERNAL)
        .setStartEpochNanos(TimeUnit.MILLISECONDS.toNanos(now + 4)).setEndEpochNanos(TimeUnit.MILLISECONDS.toNanos(now + 5))
        .setHasEnded(true).setStatus(io.opentelemetry.sdk.trace.data.StatusData.unset())
        .setResource(io.opentelemetry.sdk.resources.Resource.empty())
        .setInstrumentationScopeInfo(io.opentelemetry.sdk.common.InstrumentationScopeInfo.empty())
        .setTotalRecordedEvents(0).setTotalRecordedLinks(0).build());
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    exporter.shutdown().join(10, TimeUnit.SECONDS);
    // Searchable (and rolled up) within the near-real-time window.
    // And one OTLP/HTTP request whose ResourceSpans has no resource field, whose ScopeSpans has no
    // scope field and whose span has no status field at all.
    bareOtlp = LlmSpans.traceId();
    io.opentelemetry.proto.trace.v1.ResourceSpans raw = io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
        .addScopeSpans(io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder()
            .addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(com.google.protobuf.ByteString.fromHex(bareOtlp))
                .setSpanId(com.google.protobuf.ByteString.fromHex(LlmSpans.spanId()))
                .setName("raw").setStartTimeUnixNano(TimeUnit.MILLISECONDS.toNanos(now + 6))
                .setEndTimeUnixNano(TimeUnit.MILLISECONDS.toNanos(now + 7))))
        .build();
    HttpResponse<byte[]> posted = server.post("/v1/traces", "application/x-protobuf",
        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.newBuilder().addResourceSpans(raw).build().toByteArray());
    assertThat(posted.statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(search("{ }").get("traces")).hasSize(6));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static JsonNode search(String q) throws Exception {
    HttpResponse<String> response = server.get("/api/search?q=" + enc(q) + "&start=" + startSeconds + "&end=" + endSeconds + "&limit=20&spss=5");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  static List<String> traceIds(JsonNode result) {
    List<String> ids = new ArrayList<>();
    result.get("traces").forEach(t -> ids.add(t.get("traceID").asText()));
    return ids;
  }

  static String tempoId(String traceId) {
    return traceId.replaceFirst("^0+(?!$)", "");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void echoAndBuildInfoAnswerLikeTempo() throws Exception {
    HttpResponse<String> echo = server.get("/api/echo");
    assertThat(echo.statusCode()).isEqualTo(200);
    assertThat(echo.body()).isEqualTo("echo");
    JsonNode info = JSON.readTree(server.get("/api/status/buildinfo").body());
    assertThat(info.fieldNames()).toIterable().containsExactlyInAnyOrder("version", "revision", "branch", "buildUser", "buildDate", "goVersion");
    assertThat(info.get("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
  }

  @Test
  void searchResultsHaveTempoFieldTypes() throws Exception {
    JsonNode result = search("{ span.gen_ai.request.model = \"gpt-4o\" }");
    assertThat(traceIds(result)).containsExactly(tempoId(bigContext));
    JsonNode trace = result.get("traces").get(0);
    assertThat(trace.get("rootServiceName").asText()).isEqualTo("research-agent");
    assertThat(trace.get("rootTraceName").asText()).isEqualTo("POST /answer");
    assertThat(trace.get("startTimeUnixNano").isTextual()).isTrue();
    assertThat(Long.parseLong(trace.get("startTimeUnixNano").asText())).isPositive();
    assertThat(trace.get("durationMs").isNumber()).isTrue();
    assertThat(trace.get("durationMs").asLong()).isEqualTo(2000);
    JsonNode spanSet = trace.get("spanSets").get(0);
    assertThat(spanSet.get("matched").isNumber()).isTrue();
    assertThat(spanSet.get("matched").asInt()).isEqualTo(1);
    JsonNode span = spanSet.get("spans").get(0);
    assertThat(span.get("spanID").asText()).hasSize(16);
    assertThat(span.get("startTimeUnixNano").isTextual()).isTrue();
    assertThat(span.get("durationNanos").isTextual()).isTrue();
    assertThat(span.get("durationNanos").asText()).isEqualTo("890000000");
    assertThat(span.get("attributes").get(0).get("key").asText()).isEqualTo("gen_ai.request.model");
    assertThat(span.get("attributes").get(0).get("value").get("stringValue").asText()).isEqualTo("gpt-4o");
    assertThat(result.get("metrics").isObject()).isTrue();
  }

  @Test
  void theCostlyRunsQueryFindsOnlyTheCostlyRun() throws Exception {
    JsonNode result = search("{ resource.service.name = \"support-bot\" && span.gen_ai.request.model =~ \"claude.*\" } | sum(span.tokentrail.cost.usd) > 0.5");
    assertThat(traceIds(result)).containsExactly(tempoId(costlyBot));
    JsonNode aggregate = result.get("traces").get(0).get("spanSets").get(0).get("attributes").get(0);
    assertThat(aggregate.get("key").asText()).isEqualTo("sum(span.tokentrail.cost.usd)");
    // 3 x (100k x $3 + 2k x $15) / 1M = $0.99
    assertThat(aggregate.get("value").get("doubleValue").asDouble()).isCloseTo(0.99, within(1e-9));
    assertThat(result.get("traces").get(0).get("spanSets").get(0).get("matched").asInt()).isEqualTo(3);
  }

  @Test
  void numericRangeNilAndCountQueries() throws Exception {
    assertThat(traceIds(search("{ span.gen_ai.usage.input_tokens > 50000 }")))
        .containsExactlyInAnyOrder(tempoId(costlyBot), tempoId(bigContext));
    assertThat(traceIds(search("{ span.gen_ai.conversation.id != nil }"))).containsExactly(tempoId(conversation));
    assertThat(traceIds(search("{ span.gen_ai.usage.input_tokens > 0 } | count() > 2"))).containsExactly(tempoId(costlyBot));
    JsonNode count = search("{ span.gen_ai.usage.input_tokens > 0 } | count() > 2").get("traces").get(0).get("spanSets").get(0).get("attributes").get(0);
    assertThat(count.get("key").asText()).isEqualTo("count()");
    assertThat(count.get("value").get("intValue").asText()).isEqualTo("3");
    assertThat(traceIds(search("{ rootServiceName = \"chat-ui\" }"))).containsExactly(tempoId(conversation));
    assertThat(traceIds(search("{ kind = server && duration >= 2s }"))).hasSize(4);
    assertThat(traceIds(search("{ span.gen_ai.request.model = \"gpt-4o\" } || { .gen_ai.conversation.id = \"conv-42\" }")))
        .containsExactlyInAnyOrder(tempoId(bigContext), tempoId(conversation));
  }

  @Test
  void selectAddsAttributesToMatchedSpans() throws Exception {
    JsonNode result = search("{ span.gen_ai.provider.name = \"openai\" } | select(span.tokentrail.cost.usd, resource.service.name)");
    assertThat(traceIds(result)).containsExactlyInAnyOrder(tempoId(bigContext), tempoId(conversation));
    for (JsonNode trace : result.get("traces")) {
      List<String> keys = new ArrayList<>();
      trace.get("spanSets").get(0).get("spans").get(0).get("attributes").forEach(a -> keys.add(a.get("key").asText()));
      assertThat(keys).containsExactly("gen_ai.provider.name", "tokentrail.cost.usd", "service.name");
    }
  }

  @Test
  void unsupportedSyntaxIs400NamingTheConstruct() throws Exception {
    HttpResponse<String> response = server.get("/api/search?q=" + enc("{ } >> { span.x = 1 }"));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("structural operator '>>' is not supported").contains("column 5");
    assertThat(server.get("/api/search?q=" + enc("{ span.a = 1 }") + "&limit=0").statusCode()).isEqualTo(400);
  }

  @Test
  void grafanaFetchesTracesAsProtobufFromV2() throws Exception {
    HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.queryUrl("/api/v2/traces/" + tempoId(costlyBot))))
            .header("Accept", "application/protobuf").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/protobuf"));
    // TraceByIDResponse { Trace trace = 1; }, Trace { repeated ResourceSpans batches = 1; }
    CodedInputStream in = CodedInputStream.newInstance(response.body());
    assertThat(in.readTag() >>> 3).isEqualTo(1);
    TracesData trace = TracesData.parseFrom(in.readBytes());
    int spans = trace.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream()).mapToInt(ss -> ss.getSpansCount()).sum();
    assertThat(spans).isEqualTo(4);

    JsonNode v2 = JSON.readTree(server.get("/api/v2/traces/" + costlyBot).body());
    assertThat(v2.get("trace").get("resourceSpans")).isNotEmpty();
    assertThat(server.get("/api/v2/traces/" + LlmSpans.traceId()).statusCode()).isEqualTo(404);
  }

  /**
   * What Grafana's trace conversion dereferences without a nil check
   * (grafana-tempo-datasource pkg/tempo/trace.go and trace_transform.go): {@code tr.Trace} of the
   * TraceByIDResponse, {@code rs.Resource} (its Attributes), {@code ils.Scope} (Name, Version) and
   * {@code span.Status} (Code, Message). Real Tempo always fills them; so must TokenTrail, even for
   * spans sent with an UNSET status, an empty resource and scope, or none at all. Tempo's {@code
   * Trace} is wire-compatible with OTLP's TracesData (field 1: repeated ResourceSpans).
   */
  @Test
  void everySpanOfATraceByIdHasStatusScopeAndResource() throws Exception {
    for (String traceId : List.of(bareSdk, bareOtlp, costlyBot)) {
      for (String path : List.of("/api/v2/traces/", "/api/traces/")) {
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(server.queryUrl(path + tempoId(traceId))))
                .header("Accept", "application/protobuf").build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        byte[] traceBytes = response.body();
        if (path.startsWith("/api/v2")) {
          CodedInputStream in = CodedInputStream.newInstance(response.body());
          assertThat(in.readTag()).as("TraceByIDResponse.trace, field 1, length-delimited").isEqualTo((1 << 3) | 2);
          traceBytes = in.readByteArray();
        }
        TracesData trace = TracesData.parseFrom(traceBytes);
        int spans = 0;
        for (io.opentelemetry.proto.trace.v1.ResourceSpans rs : trace.getResourceSpansList()) {
          assertThat(rs.hasResource()).as(path + traceId + " resource").isTrue();
          for (io.opentelemetry.proto.trace.v1.ScopeSpans ss : rs.getScopeSpansList()) {
            assertThat(ss.hasScope()).as(path + traceId + " scope").isTrue();
            for (io.opentelemetry.proto.trace.v1.Span span : ss.getSpansList()) {
              assertThat(span.hasStatus()).as(path + traceId + " status of " + span.getName()).isTrue();
              spans++;
            }
          }
        }
        assertThat(spans).isEqualTo(traceId.equals(costlyBot) ? 4 : 1);
      }
      for (String path : List.of("/api/v2/traces/", "/api/traces/")) {
        JsonNode json = JSON.readTree(server.get(path + tempoId(traceId)).body());
        JsonNode batches = path.startsWith("/api/v2") ? json.get("trace").get("resourceSpans") : json.get("batches");
        for (JsonNode rs : batches) {
          assertThat(rs.has("resource")).isTrue();
          for (JsonNode ss : rs.get("scopeSpans")) {
            assertThat(ss.has("scope")).isTrue();
            ss.get("spans").forEach(span -> assertThat(span.get("status").isObject()).as(span.toString()).isTrue());
          }
        }
      }
    }
  }

  /** Grafana 10.2+ sends the editor's whole unfinished text as q: read leniently, never a 400. */
  @Test
  void tagValuesReadTheEditorsUnfinishedQuery() throws Exception {
    assertThat(modelValues("{ resource.service.name = \"support-bot\" && span.gen_ai.request.model = }"))
        .containsExactlyInAnyOrder("claude-sonnet-4", "claude-3-5-haiku");
    assertThat(modelValues("{ resource.service.name = \"research-agent\" && span.gen_ai.request.model = \"gp"))
        .containsExactly("gpt-4o");
    assertThat(modelValues("{ span.gen_ai.request.model = }"))
        .containsExactlyInAnyOrder("claude-sonnet-4", "claude-3-5-haiku", "gpt-4o", "gpt-4o-mini");
    assertThat(modelValues("{ resource.service.name = \"chat-ui\" && }"))
        .containsExactlyInAnyOrder("claude-sonnet-4", "claude-3-5-haiku", "gpt-4o", "gpt-4o-mini");
    assertThat(modelValues("{ resource.service.name = \"chat-ui\" } && { span.gen_ai.request.model = }"))
        .containsExactlyInAnyOrder("claude-sonnet-4", "claude-3-5-haiku", "gpt-4o", "gpt-4o-mini");
    assertThat(modelValues("{ span.gen_ai.usage.input_tokens > 50000 && span.gen_ai.request.model = } | count() > 1"))
        .containsExactlyInAnyOrder("claude-sonnet-4", "gpt-4o");
    assertThat(modelValues("{ (resource.service.name = \"chat-ui\" || resource.service.name = \"research-agent\") && span.gen_ai.request.model ="))
        .containsExactlyInAnyOrder("gpt-4o", "gpt-4o-mini");
  }

  @Test
  void numericTagValuesAreWrittenAsTempoWritesThem() throws Exception {
    JsonNode costs = JSON.readTree(server.get("/api/v2/search/tag/span.tokentrail.cost.usd/values").body());
    assertThat(costs.get("tagValues")).isNotEmpty();
    for (JsonNode v : costs.get("tagValues")) {
      assertThat(v.get("type").asText()).isIn("float", "int");
      // Go's strconv.FormatFloat(f, 'g', -1, 64): no Java-style "E", lower-case e with a sign.
      assertThat(v.get("value").asText()).doesNotContain("E").matches("-?[0-9.]+(e[+-][0-9]{2,})?");
    }
  }

  private static List<String> modelValues(String q) throws Exception {
    HttpResponse<String> response = server.get("/api/v2/search/tag/span.gen_ai.request.model/values?q=" + enc(q));
    assertThat(response.statusCode()).as(q + ": " + response.body()).isEqualTo(200);
    List<String> values = new ArrayList<>();
    JSON.readTree(response.body()).get("tagValues").forEach(v -> values.add(v.get("value").asText()));
    return values;
  }

  @Test
  void tagNamesAndTypedTagValues() throws Exception {
    JsonNode v2 = JSON.readTree(server.get("/api/v2/search/tags").body());
    List<String> scopes = new ArrayList<>();
    v2.get("scopes").forEach(s -> scopes.add(s.get("name").asText()));
    assertThat(scopes).containsExactly("resource", "span", "intrinsic");
    assertThat(v2.get("scopes").get(1).get("tags").toString()).contains("\"gen_ai.request.model\"", "\"tokentrail.cost.usd\"");
    assertThat(v2.get("scopes").get(0).get("tags").toString()).contains("\"service.name\"");

    JsonNode models = JSON.readTree(server.get("/api/v2/search/tag/span.gen_ai.request.model/values").body());
    assertThat(models.get("tagValues").toString()).contains("{\"type\":\"string\",\"value\":\"gpt-4o\"}");
    JsonNode filtered = JSON.readTree(server.get("/api/v2/search/tag/span.gen_ai.request.model/values?q="
        + enc("{ resource.service.name = \"support-bot\" }")).body());
    List<String> values = new ArrayList<>();
    filtered.get("tagValues").forEach(v -> values.add(v.get("value").asText()));
    assertThat(values).containsExactlyInAnyOrder("claude-sonnet-4", "claude-3-5-haiku");
    JsonNode status = JSON.readTree(server.get("/api/v2/search/tag/status/values").body());
    assertThat(status.get("tagValues").get(0).get("type").asText()).isEqualTo("keyword");
    JsonNode tokens = JSON.readTree(server.get("/api/v2/search/tag/span.gen_ai.usage.input_tokens/values").body());
    assertThat(tokens.get("tagValues").toString()).contains("{\"type\":\"int\",\"value\":\"80000\"}");

    JsonNode v1 = JSON.readTree(server.get("/api/search/tags").body());
    assertThat(v1.get("tagNames").toString()).contains("\"service.name\"", "\"gen_ai.request.model\"");
    JsonNode services = JSON.readTree(server.get("/api/search/tag/service.name/values").body());
    assertThat(services.get("tagValues").toString()).contains("\"support-bot\"", "\"chat-ui\"");
  }

  @Test
  void topTracesRankTheCostliestRuns() throws Exception {
    JsonNode rows = JSON.readTree(server.get("/api/v1/traces/top?by=cost&limit=2").body());
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get("traceId").asText()).isEqualTo(costlyBot);
    assertThat(rows.get(0).get("costUsd").asDouble()).isCloseTo(0.99, within(1e-9));
    assertThat(rows.get(0).get("llmCalls").asInt()).isEqualTo(3);
    assertThat(rows.get(0).get("models").asText()).isEqualTo("claude-sonnet-4");
    assertThat(rows.get(0).get("team").asText()).isEqualTo("payments");
    assertThat(rows.get(0).get("startMs").isNumber()).isTrue();
    assertThat(rows.get(1).get("traceId").asText()).isEqualTo(bigContext);

    JsonNode byTokens = JSON.readTree(server.get("/api/v1/traces/top?by=tokens&q=" + enc("{ resource.service.name = \"chat-ui\" }")).body());
    assertThat(byTokens).hasSize(1);
    assertThat(server.get("/api/v1/traces/top?by=vibes").statusCode()).isEqualTo(400);
  }

  @Test
  void topCommandPrintsTheTable() throws Exception {
    Process top = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", ServerProcess.jar().toString(),
        "top", "--endpoint", "http://127.0.0.1:" + server.queryPort, "--since", "1h", "--limit", "3")
        .redirectErrorStream(true).start();
    String output = new String(top.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(top.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(top.exitValue()).as(output).isZero();
    String[] lines = output.strip().split("\n");
    assertThat(lines[0]).startsWith("TRACE ID").contains("COST USD");
    assertThat(lines[1]).startsWith(costlyBot).contains("0.9900").contains("support-bot").contains("claude-sonnet-4");
  }
}
