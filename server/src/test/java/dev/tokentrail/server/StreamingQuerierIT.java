package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.util.JsonFormat;
import dev.tokentrail.query.tempopb.QueryInstantRequest;
import dev.tokentrail.query.tempopb.QueryRangeRequest;
import dev.tokentrail.query.tempopb.QueryRangeResponse;
import dev.tokentrail.query.tempopb.SearchRequest;
import dev.tokentrail.query.tempopb.SearchResponse;
import dev.tokentrail.query.tempopb.StreamingQuerierGrpc;
import dev.tokentrail.query.tempopb.TraceSearchMetadata;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tempo's gRPC streaming API ({@code tempopb.StreamingQuerier}) on the query port of the real
 * server, called by a grpc-java client over plaintext HTTP/2 as Grafana's Tempo data source calls
 * it with its streaming switches on; the HTTP API keeps answering on the same port.
 */
class StreamingQuerierIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Printer PROTO_JSON = JsonFormat.printer();
  @TempDir static Path dataDir;
  static ServerProcess server;
  static ManagedChannel channel;
  static StreamingQuerierGrpc.StreamingQuerierBlockingStub stub;
  static long startSeconds;
  static long endSeconds;
  static String costlyBot;
  static String bigContext;
  static String conversation;

  @BeforeAll
  static void feed() throws Exception {
    server = ServerProcess.start(dataDir);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.queryPort).usePlaintext().build();
    stub = StreamingQuerierGrpc.newBlockingStub(channel);
    long now = System.currentTimeMillis();
    startSeconds = now / 1000 - 60;
    endSeconds = now / 1000 + 60;
    List<SpanData> spans = new ArrayList<>();
    costlyBot = LlmSpans.traceId();
    String root = LlmSpans.spanId();
    spans.add(LlmSpans.root(costlyBot, root, "support-bot", now));
    for (int i = 0; i < 3; i++) {
      spans.add(LlmSpans.call(costlyBot, root, "support-bot", "anthropic", "claude-sonnet-4", 100_000, 2_000, now + i, Attributes.empty()));
    }
    String cheapBot = LlmSpans.traceId();
    root = LlmSpans.spanId();
    spans.add(LlmSpans.root(cheapBot, root, "support-bot", now + 1));
    spans.add(LlmSpans.call(cheapBot, root, "support-bot", "anthropic", "claude-3-5-haiku", 1_000, 100, now + 1, Attributes.empty()));
    bigContext = LlmSpans.traceId();
    root = LlmSpans.spanId();
    spans.add(LlmSpans.root(bigContext, root, "research-agent", now + 2));
    spans.add(LlmSpans.call(bigContext, root, "research-agent", "openai", "gpt-4o", 80_000, 500, now + 2, Attributes.empty()));
    conversation = LlmSpans.traceId();
    root = LlmSpans.spanId();
    spans.add(LlmSpans.root(conversation, root, "chat-ui", now + 3));
    spans.add(LlmSpans.call(conversation, root, "chat-ui", "openai", "gpt-4o-mini", 500, 50, now + 3,
        Attributes.builder().put("gen_ai.conversation.id", "conv-42").build()));
    SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort).build();
    assertThat(exporter.export(spans).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    exporter.shutdown().join(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(httpSearch("q=" + enc("{ }")).get("traces")).hasSize(4));
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private static SearchRequest.Builder request(String q) {
    return SearchRequest.newBuilder()
        .setQuery(q)
        .setStart((int) startSeconds)
        .setEnd((int) endSeconds)
        .setLimit(20)
        .setSpansPerSpanSet(5);
  }

  private static List<SearchResponse> grpcSearch(SearchRequest request) {
    List<SearchResponse> messages = new ArrayList<>();
    stub.withDeadlineAfter(30, TimeUnit.SECONDS).search(request).forEachRemaining(messages::add);
    return messages;
  }

  private static JsonNode httpSearch(String params) throws Exception {
    HttpResponse<String> response = server.get("/api/search?" + params + "&start=" + startSeconds + "&end=" + endSeconds + "&limit=20&spss=5");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** A streamed trace in Tempo's JSON (proto3 JSON of TraceSearchMetadata), without the deprecated spanSet. */
  private static JsonNode asJson(TraceSearchMetadata trace) {
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(PROTO_JSON.print(trace));
      node.remove("spanSet");
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Grafana reads the stream until it ends; the last message carries the whole result. */
  private static void assertSameAsHttp(List<SearchResponse> messages, JsonNode http) {
    assertThat(messages).hasSizeGreaterThanOrEqualTo(2);
    SearchResponse progress = messages.get(0);
    assertThat(progress.getTracesCount()).isZero();
    assertThat(progress.getMetrics().getTotalJobs()).isEqualTo(1);
    assertThat(progress.getMetrics().getCompletedJobs()).isZero();
    SearchResponse last = messages.get(messages.size() - 1);
    assertThat(last.getMetrics().getCompletedJobs()).isEqualTo(last.getMetrics().getTotalJobs()).isEqualTo(1);
    assertThat(last.getMetrics().getInspectedTraces()).isEqualTo(http.get("metrics").get("inspectedTraces").asInt());
    assertThat(last.getMetrics().getTotalBlocks()).isEqualTo(http.get("metrics").get("totalBlocks").asInt());
    ArrayNode streamed = JSON.createArrayNode();
    last.getTracesList().forEach(t -> streamed.add(asJson(t)));
    assertThat(streamed).isEqualTo(http.get("traces"));
    for (TraceSearchMetadata trace : last.getTracesList()) {
      if (trace.getSpanSetsCount() > 0) {
        assertThat(trace.getSpanSet()).isEqualTo(trace.getSpanSets(0));
      }
    }
  }

  @Test
  void searchStreamsWhatTheHttpSearchReturns() throws Exception {
    for (String q : List.of(
        "{ }",
        "{ span.gen_ai.request.model = \"gpt-4o\" }",
        "{ resource.service.name = \"support-bot\" && span.gen_ai.request.model =~ \"claude.*\" } | sum(span.tokentrail.cost.usd) > 0.5",
        "{ span.gen_ai.usage.input_tokens > 0 } | count() > 2",
        "{ span.gen_ai.usage.input_tokens > 50000 }",
        "{ span.gen_ai.conversation.id != nil }",
        "{ span.gen_ai.provider.name = \"openai\" } | select(span.tokentrail.cost.usd, resource.service.name)",
        "{ span.gen_ai.request.model = \"gpt-4o\" } || { .gen_ai.conversation.id = \"conv-42\" }",
        "{ span.gen_ai.request.model = \"no-such-model\" }")) {
      JsonNode http = httpSearch("q=" + enc(q));
      List<SearchResponse> messages = grpcSearch(request(q).build());
      assertSameAsHttp(messages, http);
    }
  }

  @Test
  void searchAnswersInTheShapesGrafanaReads() {
    List<SearchResponse> messages =
        grpcSearch(request("{ resource.service.name = \"support-bot\" && span.gen_ai.request.model =~ \"claude.*\" } | sum(span.tokentrail.cost.usd) > 0.5").build());
    SearchResponse last = messages.get(messages.size() - 1);
    assertThat(last.getTracesList()).extracting(TraceSearchMetadata::getTraceID)
        .containsExactly(costlyBot.replaceFirst("^0+(?!$)", ""));
    TraceSearchMetadata trace = last.getTraces(0);
    assertThat(trace.getRootServiceName()).isEqualTo("support-bot");
    assertThat(trace.getStartTimeUnixNano()).isPositive();
    assertThat(trace.getDurationMs()).isPositive();
    assertThat(trace.getSpanSetsCount()).isEqualTo(1);
    assertThat(trace.getSpanSets(0).getMatched()).isEqualTo(3);
    assertThat(trace.getSpanSets(0).getSpansCount()).isEqualTo(3);
    assertThat(trace.getSpanSets(0).getSpans(0).getSpanID()).hasSize(16);
    assertThat(trace.getSpanSets(0).getAttributes(0).getKey()).isEqualTo("sum(span.tokentrail.cost.usd)");
    assertThat(trace.getSpanSets(0).getAttributes(0).getValue().getDoubleValue()).isCloseTo(0.99, org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void legacyTagsAndDurationsFilterAsOverHttp() throws Exception {
    JsonNode http = httpSearch("tags=" + enc("service.name=support-bot"));
    List<SearchResponse> messages = grpcSearch(request("").putTags("service.name", "support-bot").build());
    assertSameAsHttp(messages, http);
    assertThat(http.get("traces")).hasSize(2);

    http = httpSearch("q=" + enc("{ }") + "&minDuration=1ms&maxDuration=10m");
    assertSameAsHttp(grpcSearch(request("{ }").setMinDurationMs(1).setMaxDurationMs(600_000).build()), http);
  }

  @Test
  void badTraceQlIsInvalidArgumentWithTheMessage() throws Exception {
    String q = "{ } >> { span.x = 1 }";
    HttpResponse<String> http = server.get("/api/search?q=" + enc(q));
    assertThat(http.statusCode()).isEqualTo(400);
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcSearch(request(q).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo(http.body()).contains("structural operator '>>' is not supported");

    e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcSearch(request("{ }").setLimit(100_000).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).startsWith("Limit: 100000");
  }

  @Test
  void metricsQueryRangeAnswersOverGrpc() {
    long now = System.currentTimeMillis() * 1_000_000L;
    // A malformed query is refused with the engine's TraceQL message.
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> {
      Iterator<QueryRangeResponse> it = stub.withDeadlineAfter(30, TimeUnit.SECONDS).metricsQueryRange(
          QueryRangeRequest.newBuilder().setQuery("{ span.x = } | rate()").setStart(now - 3_600_000_000_000L).setEnd(now).build());
      it.forEachRemaining(r -> { });
    });
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("TraceQL");

    e = catchThrowableOfType(StatusRuntimeException.class, () ->
        stub.metricsQueryRange(QueryRangeRequest.newBuilder().setQuery("").build()).forEachRemaining(r -> { }));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

    e = catchThrowableOfType(StatusRuntimeException.class, () ->
        stub.metricsQueryInstant(QueryInstantRequest.newBuilder().setQuery("{ span.x = } | rate()")
            .setStart(now - 3_600_000_000_000L).setEnd(now).build()).forEachRemaining(r -> { }));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("TraceQL");
  }

  @Test
  void metricsQueryRangeStreamsTheSeriesTheHttpApiAnswers() throws Exception {
    String q = "{ span.gen_ai.usage.input_tokens > 0 } | count_over_time() by (span.gen_ai.request.model)";
    long start = startSeconds * 1_000_000_000L;
    long end = endSeconds * 1_000_000_000L;
    List<QueryRangeResponse> messages = new ArrayList<>();
    stub.withDeadlineAfter(30, TimeUnit.SECONDS).metricsQueryRange(QueryRangeRequest.newBuilder()
        .setQuery(q).setStart(start).setEnd(end).setStep(120_000_000_000L).build()).forEachRemaining(messages::add);
    QueryRangeResponse last = messages.get(messages.size() - 1);
    // Four calls of four models: one series each, one call in all.
    Map<String, Double> grpc = new java.util.TreeMap<>();
    last.getSeriesList().forEach(series -> grpc.put(
        series.getLabelsList().get(0).getValue().getStringValue(),
        series.getSamplesList().stream().mapToDouble(sample -> sample.getValue()).sum()));
    assertThat(grpc).containsOnly(
        Map.entry("claude-sonnet-4", 3.0), Map.entry("claude-3-5-haiku", 1.0),
        Map.entry("gpt-4o", 1.0), Map.entry("gpt-4o-mini", 1.0));

    HttpResponse<String> response = server.get("/api/metrics/query_range?q=" + enc(q)
        + "&start=" + startSeconds + "&end=" + endSeconds + "&step=120s");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Map<String, Double> http = new java.util.TreeMap<>();
    for (JsonNode series : JSON.readTree(response.body()).get("series")) {
      double sum = 0;
      for (JsonNode sample : series.get("samples")) {
        sum += sample.get("value").asDouble();
      }
      http.put(series.get("labels").get(0).get("value").get("stringValue").asText(), sum);
    }
    assertThat(grpc).isEqualTo(http);
  }

  @Test
  void methodsTokenTrailDoesNotServeAreUnimplemented() {
    // StreamingQuerier/SearchTags exists in Tempo; Grafana does not stream it, TokenTrail does not serve it.
    MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
      }
    };
    MethodDescriptor<byte[], byte[]> searchTags = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
        .setFullMethodName("tempopb.StreamingQuerier/SearchTags")
        .setRequestMarshaller(bytes)
        .setResponseMarshaller(bytes)
        .build();
    ClientCall<byte[], byte[]> call = channel.newCall(searchTags, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClientCalls.blockingServerStreamingCall(call, new byte[0]).forEachRemaining(r -> { }));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
  }

  @Test
  void theHttpApiStillAnswersOnTheSamePort() throws Exception {
    for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
      HttpClient client = HttpClient.newBuilder().version(version).build();
      HttpResponse<String> echo = client.send(
          HttpRequest.newBuilder(URI.create(server.queryUrl("/api/echo"))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(echo.body()).isEqualTo("echo");
      assertThat(echo.version()).isEqualTo(version);
      HttpResponse<String> search = client.send(
          HttpRequest.newBuilder(URI.create(server.queryUrl("/api/search?q=" + enc("{ }") + "&start=" + startSeconds + "&end=" + endSeconds))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(search.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(search.body()).get("traces")).hasSize(4);
      assertThat(client.send(HttpRequest.newBuilder(URI.create(server.queryUrl("/ready"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
    }
    // A plain HTTP request to a gRPC path is not mistaken for a call.
    HttpResponse<String> plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create(server.queryUrl("/tempopb.StreamingQuerier/Search"))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isBetween(400, 499);
  }
}
