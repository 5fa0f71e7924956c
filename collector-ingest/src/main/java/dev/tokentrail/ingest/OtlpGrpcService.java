package dev.tokentrail.ingest;

import dev.tokentrail.security.RequestTenant;
import dev.tokentrail.store.Tenants;
import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.util.concurrent.CompletionException;

/**
 * OTLP/gRPC trace receiver ({@code TraceService/Export}). Overload answers RESOURCE_EXHAUSTED with
 * RetryInfo (retryable per the OTLP spec), shutdown answers UNAVAILABLE.
 */
final class OtlpGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
  private final SpanIngester ingester;

  OtlpGrpcService(SpanIngester ingester) {
    this.ingester = ingester;
  }

  @Override
  public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> observer) {
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    InflightBytes.Lease lease = ctx == null ? null : ctx.attr(OtlpReceivers.LEASE);
    if (lease != null) {
      // The body is already charged as it arrived; the decoded spans are held until the store accepts them.
      long bytes = lease.held() + (long) request.getSerializedSize() * InflightBytes.DECODED_BYTES_PER_WIRE_BYTE;
      switch (lease.ensure(bytes)) {
        case OK -> {}
        case TOO_LARGE -> {
          ingester.metrics().request("grpc", "too_large");
          observer.onError(
              StatusProto.toStatusRuntimeException(
                  com.google.rpc.Status.newBuilder()
                      .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                      .setMessage(lease.budget().tooLargeMessage(bytes))
                      .build()));
          return;
        }
        case FULL -> {
          ingester.metrics().request("grpc", "over_memory_budget");
          observer.onError(retryable(Code.RESOURCE_EXHAUSTED, lease.budget().fullMessage(), OtlpReceivers.RETRY_AFTER_SECONDS));
          return;
        }
      }
    }
    ingester
        .ingest(ctx == null ? Tenants.DEFAULT : RequestTenant.of(ctx), request, "grpc")
        .whenComplete(
            (result, error) -> {
              if (error == null) {
                ingester.metrics().request("grpc", result.rejected() > 0 ? "partial_success" : "success");
                ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
                if (result.rejected() > 0) {
                  response.setPartialSuccess(
                      ExportTracePartialSuccess.newBuilder()
                          .setRejectedSpans(result.rejected())
                          .setErrorMessage(result.rejected() + " span(s) rejected; first: " + result.rejectionMessage()));
                }
                observer.onNext(response.build());
                observer.onCompleted();
                return;
              }
              Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
              if (cause instanceof StoreOverloadedException overloaded) {
                ingester.metrics().request("grpc", "overloaded");
                observer.onError(retryable(Code.RESOURCE_EXHAUSTED, overloaded.getMessage(), overloaded.retryAfterSeconds()));
              } else if (cause instanceof StoreClosedException closed) {
                ingester.metrics().request("grpc", "unavailable");
                observer.onError(retryable(Code.UNAVAILABLE, closed.getMessage(), IngestErrors.CLOSED_RETRY_AFTER_SECONDS));
              } else {
                // A bug of ours: the service's handler (IngestErrors.GRPC) logs it and answers INTERNAL without its detail.
                ingester.metrics().request("grpc", "internal_error");
                observer.onError(cause);
              }
            });
  }

  private static RuntimeException retryable(Code code, String message, int retryAfterSeconds) {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(code.getNumber())
            .setMessage(message)
            .addDetails(
                Any.pack(
                    RetryInfo.newBuilder()
                        .setRetryDelay(Duration.newBuilder().setSeconds(retryAfterSeconds))
                        .build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }
}
