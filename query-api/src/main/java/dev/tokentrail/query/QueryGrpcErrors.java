package dev.tokentrail.query;

import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * The gRPC status of a failed {@code tempopb.StreamingQuerier} call, mapped as {@link QueryErrors}
 * maps HTTP answers: a bad query or parameter is INVALID_ARGUMENT with its message, an unsupported
 * function UNIMPLEMENTED, a cancelled read CANCELLED, a full or closed store RESOURCE_EXHAUSTED /
 * UNAVAILABLE; anything else is logged once with its cause and answered INTERNAL with only the
 * request id to look for in the log.
 */
final class QueryGrpcErrors implements GrpcExceptionHandlerFunction {
  @Override
  public Status apply(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
    if (cause instanceof StatusRuntimeException || cause instanceof StatusException || QueryErrors.isArmerias(cause)) {
      return null; // Already a status, or Armeria's own (deadline, cancellation).
    }
    if (ctx instanceof ServiceRequestContext serviceCtx) {
      serviceCtx.setShouldReportUnhandledExceptions(false);
    }
    QueryErrors.Answer answer = QueryErrors.answer(ctx, cause);
    Status mapped = switch (answer.status().code()) {
      case 400 -> Status.INVALID_ARGUMENT;
      case 429 -> Status.RESOURCE_EXHAUSTED;
      case 501 -> Status.UNIMPLEMENTED;
      case 503 -> cause instanceof dev.tokentrail.store.QueryCancelledException ? Status.CANCELLED : Status.UNAVAILABLE;
      default -> Status.INTERNAL;
    };
    return mapped.withDescription(answer.message());
  }
}
