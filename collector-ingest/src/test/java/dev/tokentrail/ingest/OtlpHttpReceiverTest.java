package dev.tokentrail.ingest;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static dev.tokentrail.ingest.OtlpRequests.chatSpan;
import static dev.tokentrail.ingest.OtlpRequests.randomSpanId;
import static dev.tokentrail.ingest.OtlpRequests.randomTraceId;
import static dev.tokentrail.ingest.OtlpRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import dev.tokentrail.model.Span;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTLP/HTTP over raw requests: the status codes and bodies the OTLP specification prescribes for
 * bad input, partial success, duplicates and unknown models, against a real Lucene store.
 */
class OtlpHttpReceiverTest {
  private static final int MAX_BODY_BYTES = 64 * 1024;
  private static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");

  @TempDir Path dataDir;
  private IngestServer server;
  private BlockingWebClient client;

  @BeforeEach
  void start() {
    server = IngestServer.builder().luceneStore(dataDir).maxBodyBytes(MAX_BODY_BYTES).start();
    client = WebClient.builder(server.baseUri()).responseTimeout(Duration.ofSeconds(10)).build().blocking();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void malformedProtobufIsBadRequestWithStatusBody() throws Exception {
    // Field 1 (resource_spans), length-delimited, claiming 4 GiB of content.
    byte[] body = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0x01};

    AggregatedHttpResponse response = post(PROTOBUF, null, body);

    assertThat(response.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(response.contentType()).isEqualTo(PROTOBUF);
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(response.content().array());
    assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.INVALID_ARGUMENT_VALUE);
    assertThat(status.getMessage()).startsWith("invalid OTLP protobuf body");
  }

  @Test
  void malformedJsonIsBadRequestWithReadableMessage() throws Exception {
    AggregatedHttpResponse response = post(MediaType.JSON, null, utf8("{\"resourceSpans\": [ {"));

    assertThat(response.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(response.contentType().is(MediaType.JSON)).isTrue();
    com.google.rpc.Status status = parseJsonStatus(response);
    assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.INVALID_ARGUMENT_VALUE);
    assertThat(status.getMessage()).startsWith("invalid JSON");
  }

  @Test
  void bodyOverTheLimitIsPayloadTooLarge() {
    AggregatedHttpResponse response = post(PROTOBUF, null, new byte[MAX_BODY_BYTES + 1]);

    assertThat(response.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
  }

  @Test
  void streamedBodyOverTheLimitIsPayloadTooLarge() {
    // No content-length: the limit is only found while the body arrives.
    HttpRequestWriter request =
        HttpRequest.streaming(RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).build());
    for (int i = 0; i < 8; i++) {
      request.write(HttpData.wrap(new byte[MAX_BODY_BYTES / 4]));
    }
    request.close();

    AggregatedHttpResponse response = client.execute(request);

    assertThat(response.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
  }

  @Test
  void gzipBodyDecompressingPastTheLimitIsPayloadTooLarge() throws Exception {
    byte[] bomb = OtlpRequests.gzip(new byte[MAX_BODY_BYTES * 16]);
    assertThat(bomb.length).as("compressed size").isLessThan(MAX_BODY_BYTES);

    AggregatedHttpResponse response = post(PROTOBUF, "gzip", bomb);

    assertThat(response.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
    assertThat(com.google.rpc.Status.parseFrom(response.content().array()).getMessage())
        .contains("decompressed body exceeds " + MAX_BODY_BYTES + " bytes");
  }

  @Test
  void invalidGzipIsBadRequest() throws Exception {
    byte[] notGzip = request(chatSpan(randomTraceId(), randomSpanId(), "gpt-4o", 10, 5)).toByteArray();

    AggregatedHttpResponse response = post(PROTOBUF, "gzip", notGzip);

    assertThat(response.status()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(com.google.rpc.Status.parseFrom(response.content().array()).getMessage()).startsWith("invalid gzip body");
  }

  @Test
  void plainTextIsUnsupportedMediaType() {
    AggregatedHttpResponse response = post(MediaType.PLAIN_TEXT_UTF_8, null, utf8("hello"));

    assertThat(response.status()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  }

  @Test
  void brotliEncodingIsUnsupportedMediaType() {
    byte[] body = request(chatSpan(randomTraceId(), randomSpanId(), "gpt-4o", 10, 5)).toByteArray();

    AggregatedHttpResponse response = post(PROTOBUF, "br", body);

    assertThat(response.status()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  }

  @Test
  void getIsMethodNotAllowed() {
    AggregatedHttpResponse response = client.get("/v1/traces");

    assertThat(response.status()).isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
    assertThat(response.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("POST");
  }

  @Test
  void spansWithInvalidIdsAreRejectedWhileTheValidOnesAreStored() throws Exception {
    TraceId traceId = randomTraceId();
    ExportTraceServiceRequest export =
        request(
            chatSpan(traceId, randomSpanId(), "gpt-4o", 10, 5),
            chatSpan(traceId, randomSpanId(), "gpt-4o", 10, 5).setTraceId(ByteString.copyFrom(new byte[16])),
            chatSpan(traceId, randomSpanId(), "gpt-4o", 10, 5).setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4})));

    AggregatedHttpResponse response = post(PROTOBUF, null, export.toByteArray());

    assertThat(response.status()).isEqualTo(HttpStatus.OK);
    ExportTraceServiceResponse body = ExportTraceServiceResponse.parseFrom(response.content().array());
    assertThat(body.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
    assertThat(body.getPartialSuccess().getErrorMessage()).startsWith("2 span(s) rejected").contains("invalid traceId");
    assertThat(awaitTrace(traceId, 1)).hasSize(1);
    assertThat(server.metrics().counter("tokentrail_ingest_spans_rejected_total", "reason", "invalid_id")).isEqualTo(2.0);
  }

  @Test
  void emptyRequestIsFullSuccess() throws Exception {
    AggregatedHttpResponse protobuf = post(PROTOBUF, null, new byte[0]);
    AggregatedHttpResponse json = post(MediaType.JSON, null, utf8("{}"));

    assertThat(protobuf.status()).isEqualTo(HttpStatus.OK);
    assertThat(ExportTraceServiceResponse.parseFrom(protobuf.content().array()).hasPartialSuccess()).isFalse();
    assertThat(json.status()).isEqualTo(HttpStatus.OK);
    assertThat(json.contentUtf8()).isEqualTo("{}");
  }

  @Test
  void reSentSpanIsStoredOnceAndCountedOnce() {
    TraceId traceId = randomTraceId();
    byte[] export = request(chatSpan(traceId, randomSpanId(), "gpt-4o", 10, 5)).toByteArray();

    assertThat(post(PROTOBUF, null, export).status()).isEqualTo(HttpStatus.OK);
    assertThat(post(PROTOBUF, null, export).status()).isEqualTo(HttpStatus.OK);
    // A later span of the same trace (not an LLM call): once it is visible, so are both writes.
    SpanId markerId = randomSpanId();
    byte[] marker =
        request(chatSpan(traceId, markerId, "gpt-4o", 0, 0).clearAttributes().setName("marker")).toByteArray();
    assertThat(post(PROTOBUF, null, marker).status()).isEqualTo(HttpStatus.OK);

    List<Span> stored =
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
            .until(() -> server.store.getTrace(Tenants.DEFAULT, traceId, 0, 0),
                spans -> spans.stream().anyMatch(s -> s.spanId().equals(markerId)));
    assertThat(stored).hasSize(2);
    assertThat(server.metrics().counter("tokentrail_llm_calls_total")).isEqualTo(1.0);
    assertThat(server.metrics().counter("tokentrail_llm_tokens_total", "type", "input")).isEqualTo(10.0);
  }

  @Test
  void unknownModelIsStoredUnpricedAndReported() {
    TraceId traceId = randomTraceId();

    AggregatedHttpResponse response =
        post(PROTOBUF, null, request(chatSpan(traceId, randomSpanId(), "acme-llm-9", 100, 20)).toByteArray());

    assertThat(response.status()).isEqualTo(HttpStatus.OK);
    Span stored = awaitTrace(traceId, 1).get(0);
    assertThat(stored.attributes())
        .containsEntry("tokentrail.price.unpriced_reason", "unknown_model")
        .doesNotContainKey("tokentrail.cost.usd");
    assertThat(server.unknownModels.entries())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.provider()).isEqualTo("openai");
          assertThat(e.model()).isEqualTo("acme-llm-9");
          assertThat(e.calls()).isEqualTo(1);
        });
    Metrics metrics = server.metrics();
    assertThat(metrics.counter("tokentrail_unknown_model_calls_total", "provider", "openai", "model", "acme-llm-9"))
        .isEqualTo(1.0);
    assertThat(metrics.gauge("tokentrail_unknown_models")).isEqualTo(1.0);
    assertThat(metrics.counter("tokentrail_llm_cost_usd_total")).isZero();
  }

  @Test
  void jsonWithUpperCaseHexIdsIsStoredUnderLowerCaseIds() {
    TraceId traceId = randomTraceId();
    SpanId spanId = randomSpanId();
    long now = System.currentTimeMillis() * 1_000_000L;
    String json =
        """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
          "scopeSpans":[{"spans":[{"traceId":"%s","spanId":"%s","name":"chat gpt-4o","kind":3,
            "startTimeUnixNano":"%d","endTimeUnixNano":"%d",
            "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
              {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
              {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1000"}},
              {"key":"gen_ai.usage.output_tokens","value":{"intValue":"100"}}]}]}]}]}
        """
            .formatted(traceId.hex().toUpperCase(), spanId.hex().toUpperCase(), now, now + 1_000_000);

    AggregatedHttpResponse response = post(MediaType.JSON, null, utf8(json));

    assertThat(response.status()).isEqualTo(HttpStatus.OK);
    assertThat(response.contentUtf8()).isEqualTo("{}");
    Span stored = awaitTrace(traceId, 1).get(0);
    assertThat(stored.traceId()).isEqualTo(traceId);
    assertThat(stored.spanId()).isEqualTo(spanId);
    // 1000 x $2.50/M + 100 x $10/M
    assertThat((Double) stored.attribute("tokentrail.cost.usd")).isCloseTo(0.0035, within(1e-12));
  }

  private AggregatedHttpResponse post(MediaType contentType, String contentEncoding, byte[] body) {
    RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(contentType);
    if (contentEncoding != null) {
      headers.set(HttpHeaderNames.CONTENT_ENCODING, contentEncoding);
    }
    return client.execute(HttpRequest.of(headers.build(), HttpData.wrap(body)));
  }

  private List<Span> awaitTrace(TraceId traceId, int spans) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> server.store.getTrace(Tenants.DEFAULT, traceId, 0, 0), stored -> stored.size() >= spans);
  }

  private static com.google.rpc.Status parseJsonStatus(AggregatedHttpResponse response)
      throws InvalidProtocolBufferException {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder();
    JsonFormat.parser().merge(response.contentUtf8(), status);
    return status.build();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
