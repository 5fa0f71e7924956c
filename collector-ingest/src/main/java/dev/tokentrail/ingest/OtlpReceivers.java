package dev.tokentrail.ingest;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import java.util.Base64;
import java.util.concurrent.Semaphore;

/**
 * Installs the OTLP receivers on Armeria servers: gRPC {@code TraceService/Export} and HTTP
 * {@code POST /v1/traces}. Memory stays bounded whatever clients send: bodies are limited in size
 * (before and after decompression) and at most {@code maxConcurrentRequests} exports are decoded
 * at once; past that, clients are told to retry (429 / RESOURCE_EXHAUSTED).
 */
public final class OtlpReceivers {
  /**
   * RetryInfo for RESOURCE_EXHAUSTED: OTLP makes that code retryable only when RetryInfo is
   * present, so without it clients such as the Collector drop the batch.
   */
  private static final String RETRY_LATER_DETAILS =
      Base64.getEncoder()
          .withoutPadding()
          .encodeToString(
              com.google.rpc.Status.newBuilder()
                  .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                  .setMessage("too many concurrent exports; retry later")
                  .addDetails(
                      Any.pack(RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder().setSeconds(1)).build()))
                  .build()
                  .toByteArray());

  private final SpanIngester ingester;
  private final int maxBodyBytes;
  private final Semaphore inFlight;

  private OtlpReceivers(SpanIngester ingester, int maxBodyBytes, int maxConcurrentRequests) {
    this.ingester = ingester;
    this.maxBodyBytes = maxBodyBytes;
    this.inFlight = new Semaphore(maxConcurrentRequests);
  }

  public static OtlpReceivers create(SpanIngester ingester, int maxBodyBytes, int maxConcurrentRequests) {
    requireNonNull(ingester, "ingester");
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: > 0)");
    }
    if (maxConcurrentRequests <= 0) {
      throw new IllegalArgumentException("maxConcurrentRequests: " + maxConcurrentRequests + " (expected: > 0)");
    }
    return new OtlpReceivers(ingester, maxBodyBytes, maxConcurrentRequests);
  }

  /** Adds {@code /v1/traces} (OTLP/HTTP) to a server. */
  public void installHttp(ServerBuilder server) {
    HttpService traces = new OtlpHttpService(ingester, maxBodyBytes);
    server.route().path("/v1/traces").maxRequestLength(maxBodyBytes).build(limited(traces, false));
  }

  /** Adds the OTLP/gRPC trace service to a server. */
  public void installGrpc(ServerBuilder server) {
    GrpcService grpc =
        GrpcService.builder()
            .addService(new OtlpGrpcService(ingester))
            .maxRequestMessageLength(maxBodyBytes)
            .useBlockingTaskExecutor(true)
            .build();
    server.maxRequestLength(maxBodyBytes + 1024L);
    server.service(grpc, service -> limited(service, true));
  }

  private HttpService limited(HttpService delegate, boolean grpc) {
    return (ctx, req) -> {
      if (!inFlight.tryAcquire()) {
        ingester.metrics().request(grpc ? "grpc" : "http", "too_many_requests");
        if (grpc) {
          return HttpResponse.of(
              ResponseHeaders.builder(HttpStatus.OK)
                  .contentType(MediaType.create("application", "grpc"))
                  .add("grpc-status", "8")
                  .add("grpc-message", "too many concurrent exports; retry later")
                  .add("grpc-status-details-bin", RETRY_LATER_DETAILS)
                  .build());
        }
        return OtlpHttpService.error(
                req.contentType() != null && req.contentType().is(MediaType.JSON),
                HttpStatus.TOO_MANY_REQUESTS,
                "too many concurrent exports; retry later")
            .mapHeaders(h -> h.toBuilder().set(HttpHeaderNames.RETRY_AFTER, "1").build());
      }
      ctx.log().whenComplete().thenRun(inFlight::release);
      return delegate.serve(ctx, req);
    };
  }
}
