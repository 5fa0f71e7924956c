package dev.tokentrail.ingest;

import com.google.rpc.Code;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpResponseException;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.RequestCancellationException;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest ports' one answer to a failed export. A full store is 429 / RESOURCE_EXHAUSTED and a
 * closed one 503 / UNAVAILABLE, with Retry-After / RetryInfo so that exporters retry; every 429
 * and 503 Armeria answers itself (request timeout, shutdown) carries Retry-After too. Anything else
 * is a bug of ours: logged once with method, path, request id and stack trace, and answered 500 /
 * INTERNAL saying only where to look, never the exception; except a stream or connection closed
 * under a request (a client that went away, a server shutting down), which is no error at all. OTLP/HTTP errors stay a {@code
 * google.rpc.Status} in the request's encoding, as the OTLP specification requires.
 */
final class IngestErrors implements ServerErrorHandler {
  private static final Logger LOG = LoggerFactory.getLogger(IngestErrors.class);
  static final IngestErrors INSTANCE = new IngestErrors();
  /** The gRPC services' handler: statuses for what the service methods throw or fail with. */
  static final GrpcExceptionHandlerFunction GRPC = IngestErrors::grpcStatus;
  /** Seconds an exporter is asked to wait when the store is closed (shutting down or failed). */
  static final int CLOSED_RETRY_AFTER_SECONDS = 5;

  private static final MediaType GRPC_MEDIA = MediaType.create("application", "grpc");

  private IngestErrors() {}

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    Throwable e = Exceptions.peel(cause);
    if (isArmerias(e)) {
      return null; // Armeria's own statuses (413, 503 on timeout), rendered with Retry-After below.
    }
    if (clientGone(e)) {
      // The request's stream or connection closed before the body arrived (the exporter gave up, or
      // the server is shutting down): nobody is left to answer and it is no bug of ours.
      ctx.setShouldReportUnhandledExceptions(false);
      LOG.debug("{} {} ended before it was read (request id {}): {}", ctx.method(), ctx.path(), ctx.id().text(), e.toString());
      return null;
    }
    ctx.setShouldReportUnhandledExceptions(false);
    boolean grpc = ctx.request().contentType() != null && ctx.request().contentType().is(GRPC_MEDIA);
    boolean json = !grpc && ctx.request().contentType() != null && ctx.request().contentType().is(MediaType.JSON);
    if (e instanceof StoreOverloadedException overloaded) {
      return grpc
          ? OtlpReceivers.trailersOnly(Code.RESOURCE_EXHAUSTED, e.getMessage(), overloaded.retryAfterSeconds())
          : OtlpHttpService.retryLater(json, HttpStatus.TOO_MANY_REQUESTS, e.getMessage(), overloaded.retryAfterSeconds());
    }
    if (e instanceof StoreClosedException) {
      return grpc
          ? OtlpReceivers.trailersOnly(Code.UNAVAILABLE, e.getMessage(), CLOSED_RETRY_AFTER_SECONDS)
          : OtlpHttpService.retryLater(json, HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), CLOSED_RETRY_AFTER_SECONDS);
    }
    String message = logInternalError(ctx, e);
    return grpc
        ? OtlpReceivers.trailersOnly(Code.INTERNAL, message, -1)
        : OtlpHttpService.error(json, HttpStatus.INTERNAL_SERVER_ERROR, message);
  }

  @Override
  public AggregatedHttpResponse renderStatus(
      ServiceRequestContext ctx,
      ServiceConfig config,
      RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    if (status != HttpStatus.SERVICE_UNAVAILABLE && status != HttpStatus.TOO_MANY_REQUESTS) {
      return null;
    }
    AggregatedHttpResponse rendered =
        ServerErrorHandler.ofDefault().renderStatus(ctx, config, headers, status, description, cause);
    if (rendered == null) {
      return null;
    }
    return AggregatedHttpResponse.of(
        rendered.headers().toBuilder()
            .set(HttpHeaderNames.RETRY_AFTER, Integer.toString(OtlpReceivers.RETRY_AFTER_SECONDS)).build(),
        rendered.content());
  }

  private static Status grpcStatus(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
    if (cause instanceof StatusRuntimeException || cause instanceof StatusException || isArmerias(cause) || clientGone(cause)) {
      return null; // Already a status (RetryInfo included), Armeria's own, or a call its client left.
    }
    if (ctx instanceof ServiceRequestContext serviceCtx) {
      serviceCtx.setShouldReportUnhandledExceptions(false);
    }
    return Status.INTERNAL.withDescription(logInternalError(ctx, cause));
  }

  /** Logs a failure nobody expected, once, and returns what the client is told of it. */
  static String logInternalError(RequestContext ctx, Throwable e) {
    LOG.error("{} {} failed (request id {}); answered an internal error", ctx.method(), ctx.path(), ctx.id().text(), e);
    return "internal error, see the server log (request id " + ctx.id().text() + ")";
  }

  /** A stream or connection closed under a request, as Armeria reports a peer or shutdown closing it. */
  static boolean clientGone(Throwable e) {
    return Exceptions.isExpected(e) || Exceptions.isStreamCancelling(e);
  }

  private static boolean isArmerias(Throwable e) {
    return e instanceof HttpStatusException || e instanceof HttpResponseException
        || e instanceof RequestTimeoutException || e instanceof RequestCancellationException
        || e instanceof ContentTooLargeException;
  }
}
