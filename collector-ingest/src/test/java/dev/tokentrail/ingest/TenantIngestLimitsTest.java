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
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.security.TenantLimits;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-tenant ingest rates on the real receivers, on a clock the test moves: a tenant over its rate
 * is refused the way overload is (429 with Retry-After, RESOURCE_EXHAUSTED with RetryInfo) while
 * another tenant's exports at the same moment are stored; the refused tenant is served again once
 * its bucket has refilled.
 */
class TenantIngestLimitsTest {
  private static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");

  @TempDir Path dataDir;
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private IngestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aTenantOverItsSpanRateIsRefusedWhileAnotherIsAccepted() throws Exception {
    // 10 spans/s for everyone; "bulk" may send 1000.
    start(new TenantLimits.PerTenant(new TenantLimits(10, 0, 0), Map.of("bulk", new TenantLimits(1000, 0, 0))));

    assertThat(post("noisy", export(40)).status()).as("one export may overdraw the bucket").isEqualTo(HttpStatus.OK);
    AggregatedHttpResponse refused = post("noisy", export(1));
    AggregatedHttpResponse other = post("quiet", export(5));
    AggregatedHttpResponse overridden = post("bulk", export(500));

    assertThat(refused.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    // 40 spans taken from a bucket of 10 at 10/s: 3 seconds until it holds something again.
    assertThat(refused.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("3");
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(refused.content().array());
    assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE);
    assertThat(status.getMessage()).contains("tenant noisy", "limits.ingest_spans_per_second 10");
    assertThat(other.status()).isEqualTo(HttpStatus.OK);
    assertThat(overridden.status()).isEqualTo(HttpStatus.OK);
    assertThat(server.metrics().counter("tokentrail_ingest_requests_total", "protocol", "http", "result", "tenant_rate_limited"))
        .isEqualTo(1.0);

    nanos.addAndGet(Duration.ofSeconds(3).toNanos() + 1);
    assertThat(post("noisy", export(1)).status()).as("after the refill").isEqualTo(HttpStatus.OK);
  }

  @Test
  void aTenantOverItsByteRateIsRefusedOverGrpcWithRetryInfo() throws Exception {
    start(TenantLimits.PerTenant.of(new TenantLimits(0, 1000, 0)));
    ExportTraceServiceRequest big = export(30);
    assertThat(big.getSerializedSize()).isGreaterThan(2000);

    grpcExport("noisy", big);
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> grpcExport("noisy", export(1)));
    grpcExport("quiet", export(1));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    long expectedWait = (long) Math.ceil((big.getSerializedSize() - 1000) / 1000.0);
    assertThat(retryDelaySeconds(e)).isEqualTo(expectedWait);
  }

  @Test
  void aTenantsInflightShareRefusesItsExportsWhileAnotherTenantsAreDecoded() throws Exception {
    ExportTraceServiceRequest export = export(50);
    long oneExport = OtlpReceivers.inflightBytesOf(export.getSerializedSize());
    GatedStore store = new GatedStore();
    // Each tenant has room for one such export in flight; the server-wide budget for many.
    server = IngestServer.builder().store(store)
        .tenantRates(TenantIngestRates.of(TenantLimits.PerTenant.of(new TenantLimits(0, 0, 0, oneExport * 3 / 2)), nanos::get))
        .start();

    CompletableFuture<AggregatedHttpResponse> held = postAsync("noisy", export);
    assertThat(store.firstAccept.await(10, TimeUnit.SECONDS)).as("noisy's first export decoded, held at the store").isTrue();
    AggregatedHttpResponse refused = post("noisy", export(50));
    CompletableFuture<AggregatedHttpResponse> other = postAsync("quiet", export(50));

    assertThat(refused.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(refused.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
    assertThat(com.google.rpc.Status.parseFrom(refused.content().array()).getMessage())
        .contains("limits.max_inflight_bytes of tenant noisy");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(store.accepted.get()).as("quiet's export decoded and handed to the store").isEqualTo(100));
    AggregatedHttpResponse tooLarge = post("noisy", export(100));
    assertThat(tooLarge.status()).as("one export larger than the share").isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);

    store.open();
    assertThat(held.join().status()).isEqualTo(HttpStatus.OK);
    assertThat(other.join().status()).isEqualTo(HttpStatus.OK);
    assertThat(post("noisy", export(50)).status()).as("noisy's share returned").isEqualTo(HttpStatus.OK);
  }

  @Test
  void withoutLimitsNoTenantIsRefused() {
    start(TenantLimits.PerTenant.of(TenantLimits.UNLIMITED));

    for (int i = 0; i < 5; i++) {
      assertThat(post("anyone", export(200)).status()).isEqualTo(HttpStatus.OK);
    }
  }

  private void start(TenantLimits.PerTenant limits) {
    server = IngestServer.builder().luceneStore(dataDir).tenantRates(TenantIngestRates.of(limits, nanos::get)).start();
  }

  private AggregatedHttpResponse post(String tenant, ExportTraceServiceRequest export) {
    return postAsync(tenant, export).join();
  }

  private CompletableFuture<AggregatedHttpResponse> postAsync(String tenant, ExportTraceServiceRequest export) {
    return WebClient.builder(server.baseUri()).responseTimeout(Duration.ofSeconds(20)).build().execute(
        HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/traces").contentType(PROTOBUF).add("x-scope-orgid", tenant)
            .build(), HttpData.wrap(export.toByteArray()))).aggregate();
  }

  private void grpcExport(String tenant, ExportTraceServiceRequest request) {
    GrpcClients.builder(server.baseUri())
        .addHeader("x-scope-orgid", tenant)
        .responseTimeout(Duration.ofSeconds(20))
        .build(TraceServiceGrpc.TraceServiceBlockingStub.class)
        .export(request);
  }

  private static ExportTraceServiceRequest export(int spans) {
    Span.Builder[] builders = new Span.Builder[spans];
    TraceId trace = randomTraceId();
    for (int i = 0; i < spans; i++) {
      builders[i] = chatSpan(trace, randomSpanId(), "gpt-4o", 10, 5);
    }
    return request(builders);
  }

  private static long retryDelaySeconds(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("google.rpc.Status details in the trailers").isNotNull();
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          return detail.unpack(RetryInfo.class).getRetryDelay().getSeconds();
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    throw new AssertionError("no RetryInfo in " + status);
  }
}
