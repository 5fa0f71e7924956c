package dev.tokentrail.ingest;

import static dev.tokentrail.ingest.OtlpRequests.chatSpan;
import static dev.tokentrail.ingest.OtlpRequests.randomSpanId;
import static dev.tokentrail.ingest.OtlpRequests.randomTraceId;
import static dev.tokentrail.ingest.OtlpRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import dev.tokentrail.model.TraceId;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-flight memory budget: bodies being decoded and decoded spans not yet accepted by the
 * store are counted in bytes; past the budget an export is told to retry (429 with Retry-After,
 * RESOURCE_EXHAUSTED with RetryInfo) rather than filling the heap, and an export that could never
 * fit is a 413.
 */
class OtlpMemoryBudgetTest {
  private static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");
  private static final ExportTraceServiceRequest EXPORT = export(50);
  private static final long EXPORT_BYTES = EXPORT.getSerializedSize();

  private IngestServer server;
  private GatedStore store;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  /** Room for one export held at the store, not for a second one. */
  private void startWithRoomForOneExport() {
    store = new GatedStore();
    server = IngestServer.builder().store(store).maxInflightBytes(OtlpReceivers.inflightBytesOf(EXPORT_BYTES) * 3 / 2).start();
  }

  @Test
  void httpExportPastTheMemoryBudgetIsTooManyRequestsWithRetryAfter() throws Exception {
    startWithRoomForOneExport();
    CompletableFuture<AggregatedHttpResponse> held = postAsync(EXPORT.toByteArray());
    assertThat(store.firstAccept.await(10, TimeUnit.SECONDS)).as("first export reached the store").isTrue();

    AggregatedHttpResponse rejected = postAsync(export(50).toByteArray()).join();

    assertThat(rejected.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(rejected.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(rejected.content().array());
    assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE);
    assertThat(status.getMessage()).contains("ingest.max_inflight_bytes");
    assertThat(server.metrics().counter("tokentrail_ingest_requests_total", "result", "over_memory_budget"))
        .isEqualTo(1.0);
    await().atMost(Duration.ofSeconds(5))
        .until(() -> server.metrics().gauge("tokentrail_ingest_inflight_bytes") == OtlpReceivers.inflightBytesOf(EXPORT_BYTES));

    store.open();
    assertThat(held.join().status()).isEqualTo(HttpStatus.OK);
    await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().gauge("tokentrail_ingest_inflight_bytes") == 0.0);
    assertThat(postAsync(export(50).toByteArray()).join().status()).isEqualTo(HttpStatus.OK);
  }

  @Test
  void grpcJavaExportPastTheMemoryBudgetIsResourceExhaustedWithRetryInfo() throws Exception {
    startWithRoomForOneExport();
    CompletableFuture<AggregatedHttpResponse> held = postAsync(EXPORT.toByteArray());
    assertThat(store.firstAccept.await(10, TimeUnit.SECONDS)).isTrue();

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcJavaExport(export(50)));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(retryDelaySeconds(e)).isEqualTo(1);
    store.open();
    assertThat(held.join().status()).isEqualTo(HttpStatus.OK);
  }

  @Test
  void exportThatCouldNeverFitTheBudgetIsPayloadTooLargeNotRetried() throws Exception {
    store = new GatedStore();
    server = IngestServer.builder().store(store).maxInflightBytes(OtlpReceivers.inflightBytesOf(EXPORT_BYTES) / 2).start();
    store.open();

    AggregatedHttpResponse response = postAsync(EXPORT.toByteArray()).join();
    StatusRuntimeException grpc = catchThrowableOfType(StatusRuntimeException.class, () -> grpcJavaExport(EXPORT));

    assertThat(response.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
    assertThat(com.google.rpc.Status.parseFrom(response.content().array()).getMessage())
        .contains("more than ingest.max_inflight_bytes");
    assertThat(grpc.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(StatusProto.fromThrowable(grpc).getDetailsList())
        .as("no RetryInfo: OTLP clients must not retry what can never fit")
        .noneMatch(d -> d.is(RetryInfo.class));
    assertThat(store.accepted.get()).isZero();
  }

  @Test
  void streamedBodyOutgrowingTheBudgetIsToldToRetry() throws Exception {
    // No content-length: the body is counted as it arrives.
    startWithRoomForOneExport();
    CompletableFuture<AggregatedHttpResponse> held = postAsync(EXPORT.toByteArray());
    assertThat(store.firstAccept.await(10, TimeUnit.SECONDS)).isTrue();
    byte[] big = export(400).toByteArray();

    AggregatedHttpResponse rejected =
        WebClient.of(server.baseUri())
            .execute(
                HttpRequest.of(
                    RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).build(),
                    com.linecorp.armeria.common.stream.StreamMessage.of(HttpData.wrap(big))))
            .aggregate()
            .join();

    assertThat(rejected.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(rejected.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
    store.open();
    held.join();
  }

  private CompletableFuture<AggregatedHttpResponse> postAsync(byte[] body) {
    return WebClient.builder(server.baseUri())
        .responseTimeout(Duration.ofSeconds(20))
        .build()
        .execute(HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).build(), HttpData.wrap(body)))
        .aggregate();
  }

  private void grpcJavaExport(ExportTraceServiceRequest request) {
    if (channel == null) {
      channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }
    TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).export(request);
  }

  static ExportTraceServiceRequest export(int spans) {
    io.opentelemetry.proto.trace.v1.Span.Builder[] builders = new io.opentelemetry.proto.trace.v1.Span.Builder[spans];
    TraceId traceId = randomTraceId();
    for (int i = 0; i < spans; i++) {
      builders[i] = chatSpan(traceId, randomSpanId(), "gpt-4o", 100, 20);
    }
    return request(builders);
  }

  static long retryDelaySeconds(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("google.rpc.Status details in the trailers").isNotNull();
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        return detail.unpack(RetryInfo.class).getRetryDelay().getSeconds();
      }
    }
    throw new AssertionError("no RetryInfo in " + status);
  }
}
