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
import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure the OTLP way: too many concurrent exports, an overloaded store and a closed store
 * each tell the client to retry (429 / RESOURCE_EXHAUSTED, 503 / UNAVAILABLE), with a delay.
 */
class OtlpBackpressureTest {
  private static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");

  @TempDir Path dataDir;
  private IngestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void httpExportPastTheConcurrencyLimitIsTooManyRequestsUntilThePermitIsFree() throws Exception {
    server = IngestServer.builder().luceneStore(dataDir).maxConcurrentRequests(1).start();
    byte[] held = validExport().toByteArray();
    HttpRequestWriter slowClient = holdExportInFlight(held);

    AggregatedHttpResponse rejected = post(validExport().toByteArray());

    assertThat(rejected.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(rejected.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
    assertThat(com.google.rpc.Status.parseFrom(rejected.content().array()).getCode())
        .isEqualTo(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE);
    assertThat(server.metrics().counter("tokentrail_ingest_requests_total", "result", "too_many_requests"))
        .isEqualTo(1.0);

    slowClient.write(HttpData.wrap(Arrays.copyOfRange(held, held.length / 2, held.length)));
    slowClient.close();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> post(validExport().toByteArray()).status(), HttpStatus.OK::equals);
  }

  @Test
  void anExportRefusedAtTheConcurrencyLimitIsAnsweredOnceItsBodyHasArrivedNotWithAStreamReset() {
    // Answered while the body was still coming, an HTTP/2 stream is reset under the client, which
    // may then see the reset instead of the 429 and its Retry-After.
    server = IngestServer.builder().luceneStore(dataDir).maxConcurrentRequests(1).start();
    holdExportInFlight(validExport().toByteArray());
    byte[] body = validExport().toByteArray();
    HttpRequestWriter refused =
        HttpRequest.streaming(RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).build());
    refused.write(HttpData.wrap(Arrays.copyOf(body, body.length / 2)));
    CompletableFuture<AggregatedHttpResponse> response =
        WebClient.builder(server.baseUri()).responseTimeout(Duration.ofSeconds(10)).build().execute(refused).aggregate();
    await().atMost(Duration.ofSeconds(10)).until(
        () -> server.metrics().counter("tokentrail_ingest_requests_total", "result", "too_many_requests"), n -> n == 1.0);

    assertThat(refused.tryWrite(HttpData.wrap(Arrays.copyOfRange(body, body.length / 2, body.length))))
        .as("the refused stream still open for the rest of the body").isTrue();
    refused.close();

    assertThat(response.join().status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(refused.whenComplete()).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void grpcExportPastTheConcurrencyLimitIsResourceExhausted() {
    server = IngestServer.builder().luceneStore(dataDir).maxConcurrentRequests(1).start();
    holdExportInFlight(validExport().toByteArray());

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcExport(validExport()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void grpcExportPastTheConcurrencyLimitCarriesRetryInfo() throws Exception {
    // OTLP: RESOURCE_EXHAUSTED is retryable only with RetryInfo; without it a Collector drops data.
    server = IngestServer.builder().luceneStore(dataDir).maxConcurrentRequests(1).start();
    holdExportInFlight(validExport().toByteArray());

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcExport(validExport()));

    assertThat(retryDelaySeconds(e)).isEqualTo(1);
  }

  @Test
  void storeOverloadIsTooManyRequestsWithTheStoresRetryAfter() throws Exception {
    server = serverOver(new FailingStore(() -> new StoreOverloadedException("write queue full", 7)));

    AggregatedHttpResponse response = post(validExport().toByteArray());

    assertThat(response.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(response.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("7");
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(response.content().array());
    assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE);
    assertThat(status.getMessage()).isEqualTo("write queue full");
  }

  @Test
  void storeClosedIsServiceUnavailableWithRetryAfter() throws Exception {
    server = serverOver(new FailingStore(() -> new StoreClosedException("span store is closed", null)));

    AggregatedHttpResponse response = post(validExport().toByteArray());

    assertThat(response.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(response.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("5");
    assertThat(com.google.rpc.Status.parseFrom(response.content().array()).getCode())
        .isEqualTo(com.google.rpc.Code.UNAVAILABLE_VALUE);
  }

  @Test
  void storeOverloadIsGrpcResourceExhaustedWithRetryInfo() throws Exception {
    server = serverOver(new FailingStore(() -> new StoreOverloadedException("write queue full", 7)));

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcExport(validExport()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(retryDelaySeconds(e)).isEqualTo(7);
  }

  @Test
  void storeClosedIsGrpcUnavailable() throws Exception {
    server = serverOver(new FailingStore(() -> new StoreClosedException("span store is closed", null)));

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcExport(validExport()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(retryDelaySeconds(e)).isEqualTo(5);
  }

  @Test
  void closedLuceneStoreIsServiceUnavailable() {
    server = IngestServer.builder().luceneStore(dataDir).start();
    server.store.close();

    AggregatedHttpResponse http = post(validExport().toByteArray());
    StatusRuntimeException grpc = catchThrowableOfType(StatusRuntimeException.class, () -> grpcExport(validExport()));

    assertThat(http.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(http.headers().get(HttpHeaderNames.RETRY_AFTER)).isNotNull();
    assertThat(grpc.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  private IngestServer serverOver(FailingStore store) {
    return IngestServer.builder().store(store).start();
  }

  /**
   * Starts an export that sends its headers and half its body, then stalls, and waits until the
   * receivers hold its concurrency permit. Returns the writer, to finish the body later.
   */
  private HttpRequestWriter holdExportInFlight(byte[] body) {
    HttpRequestWriter request =
        HttpRequest.streaming(
            RequestHeaders.builder(HttpMethod.POST, "/v1/traces")
                .contentType(PROTOBUF)
                .set(IngestServer.HOLD_HEADER, "1")
                .build());
    request.write(HttpData.wrap(Arrays.copyOf(body, body.length / 2)));
    HttpResponse ignored = WebClient.builder(server.baseUri()).responseTimeout(Duration.ZERO).build().execute(request);
    try {
      assertThat(server.heldRequestAdmitted().await(10, TimeUnit.SECONDS)).as("held export admitted").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return request;
  }

  private AggregatedHttpResponse post(byte[] body) {
    BlockingWebClient client =
        WebClient.builder(server.baseUri()).responseTimeout(Duration.ofSeconds(10)).build().blocking();
    return client.execute(
        HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).build(), HttpData.wrap(body)));
  }

  private void grpcExport(ExportTraceServiceRequest request) {
    GrpcClients.builder(server.baseUri())
        .responseTimeout(Duration.ofSeconds(10))
        .build(TraceServiceGrpc.TraceServiceBlockingStub.class)
        .export(request);
  }

  private static ExportTraceServiceRequest validExport() {
    return request(chatSpan(randomTraceId(), randomSpanId(), "gpt-4o", 10, 5));
  }

  private static long retryDelaySeconds(StatusRuntimeException e) throws Exception {
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
