package dev.tokentrail.query;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpResponseException;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.RequestCancellationException;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.query.traceql.TraceQlException;
import dev.tokentrail.store.QueryCancelledException;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import dev.tokentrail.store.TooManyCallsException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query port's one answer to a failed request. Known failures keep their status and message: a
 * bad parameter or query ({@link IllegalArgumentException}, {@link TraceQlException}) is 400, an
 * unsupported function 501, a read cancelled or timed out ({@link QueryCancelledException}) 503,
 * a full store queue 429 and a closed store 503, both with Retry-After. Anything else is a bug of
 * ours: it is logged once with its stack trace, method, path and request id, and the client gets
 * only a 500 saying where to look, never the exception. {@code /api/v1/} and trace-by-id answer
 * JSON {@code {"error": ...}}; the Tempo search and metrics endpoints plain text, as Tempo does.
 */
final class QueryErrors implements ServerErrorHandler {
  private static final Logger LOG = LoggerFactory.getLogger(QueryErrors.class);
  static final int CLOSED_RETRY_AFTER_SECONDS = 5;

  /** A failure's answer: status, the message clients see, and Retry-After seconds (or -1). */
  record Answer(HttpStatus status, String message, int retryAfterSeconds) {}

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    Throwable e = Exceptions.peel(cause);
    if (isArmerias(e)) {
      return null; // Armeria's own statuses: 413, 503 on timeout, a cancelled stream.
    }
    // Logged here (or answered as the client's error): Armeria need not report it again.
    ctx.setShouldReportUnhandledExceptions(false);
    Answer answer = answer(ctx, e);
    HttpResponse response = isJson(ctx.path())
        ? JsonResponses.of(answer.status(), Map.of("error", answer.message()))
        : HttpResponse.of(answer.status(), MediaType.PLAIN_TEXT_UTF_8, answer.message());
    if (answer.retryAfterSeconds() >= 0) {
      return response.mapHeaders(h -> h.toBuilder()
          .set(HttpHeaderNames.RETRY_AFTER, Integer.toString(answer.retryAfterSeconds())).build());
    }
    return response;
  }

  @Override
  public AggregatedHttpResponse renderStatus(
      ServiceRequestContext ctx,
      com.linecorp.armeria.server.ServiceConfig config,
      com.linecorp.armeria.common.RequestHeaders headers,
      HttpStatus status,
      String description,
      Throwable cause) {
    return null; // Armeria's rendering: status and reason, no stack trace while verbose responses are off.
  }

  static boolean isArmerias(Throwable e) {
    return e instanceof HttpStatusException || e instanceof HttpResponseException
        || e instanceof RequestTimeoutException || e instanceof RequestCancellationException
        || e instanceof ContentTooLargeException;
  }

  /** The status and message for {@code e}; an unexpected one is logged here, once. */
  static Answer answer(RequestContext ctx, Throwable e) {
    if (e instanceof IllegalArgumentException || e instanceof TraceQlException) {
      return new Answer(HttpStatus.BAD_REQUEST, e.getMessage(), -1);
    }
    if (e instanceof UnsupportedOperationException) {
      LOG.warn("{} {}: unsupported, answered 501: {}", ctx.method(), ctx.path(), e.getMessage());
      return new Answer(HttpStatus.NOT_IMPLEMENTED, e.getMessage(), -1);
    }
    if (e instanceof QueryCancelledException) {
      // The client went away or the timeout already answered; nobody reads this.
      LOG.debug("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
      return new Answer(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), -1);
    }
    if (e instanceof TooManyCallsException) {
      // Not the request's syntax and not a fault: the window is too large for this server's heap.
      return new Answer(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage(), -1);
    }
    if (e instanceof StoreOverloadedException overloaded) {
      return new Answer(HttpStatus.TOO_MANY_REQUESTS, overloaded.getMessage(), overloaded.retryAfterSeconds());
    }
    if (e instanceof StoreClosedException) {
      LOG.warn("{} {}: answered 503: {}", ctx.method(), ctx.path(), e.getMessage());
      return new Answer(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage(), CLOSED_RETRY_AFTER_SECONDS);
    }
    LOG.error("{} {} failed (request id {}); answered 500", ctx.method(), ctx.path(), ctx.id().text(), e);
    return new Answer(HttpStatus.INTERNAL_SERVER_ERROR, internalErrorMessage(ctx), -1);
  }

  /** What a client is told of a bug of ours: where to look, nothing of the exception. */
  static String internalErrorMessage(RequestContext ctx) {
    return "internal error, see the server log (request id " + ctx.id().text() + ")";
  }

  /** Whether errors of {@code path} are JSON: TokenTrail's own API and Tempo's trace by id. */
  static boolean isJson(String path) {
    return path.startsWith("/api/v1/") || path.startsWith("/api/traces/") || path.startsWith("/api/v2/traces/");
  }
}
