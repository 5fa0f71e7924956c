package dev.tokentrail.ingest;

import dev.tokentrail.security.RequestTenant;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.otlp.OtlpJson;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.zip.GZIPInputStream;

/**
 * OTLP/HTTP trace receiver ({@code POST /v1/traces}) as the OTLP specification defines it:
 * binary protobuf and JSON bodies, gzip content encoding, full and partial success responses,
 * {@code google.rpc.Status} error bodies in the request's encoding, 400 for undecodable bodies,
 * 413 past the size limit (also after decompression), 415 for other media types, 429 with
 * Retry-After when the store's write queue or the in-flight memory budget is full and 503 (with
 * Retry-After) when the store is unavailable. Other failures go to the port's {@link IngestErrors}.
 */
final class OtlpHttpService implements HttpService {
  private static final MediaType PROTOBUF = MediaType.create("application", "x-protobuf");
  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private final SpanIngester ingester;
  private final long maxBodyBytes;

  OtlpHttpService(SpanIngester ingester, long maxBodyBytes) {
    this.ingester = ingester;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    if (req.method() != HttpMethod.POST) {
      return error(false, HttpStatus.METHOD_NOT_ALLOWED, "OTLP export uses POST /v1/traces")
          .mapHeaders(h -> h.toBuilder().set(HttpHeaderNames.ALLOW, "POST").build());
    }
    MediaType contentType = req.contentType();
    boolean json;
    if (contentType != null && contentType.is(MediaType.JSON)) {
      json = true;
    } else if (contentType != null && (contentType.is(PROTOBUF) || contentType.is(MediaType.PROTOBUF))) {
      json = false;
    } else {
      ingester.metrics().request("http", "unsupported_media_type");
      return error(
          false,
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type " + (contentType == null ? "missing" : contentType.toString())
              + " (expected: application/x-protobuf or application/json)");
    }
    String encoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING, "identity").toLowerCase(Locale.ROOT).trim();
    if (!encoding.equals("identity") && !encoding.equals("gzip")) {
      ingester.metrics().request("http", "unsupported_encoding");
      return error(json, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding " + encoding + " (expected: gzip or identity)");
    }
    InflightBytes.Lease lease = ctx.attr(OtlpReceivers.LEASE);
    String tenant = RequestTenant.of(ctx);
    CompletableFuture<HttpResponse> response =
        req.aggregate()
            .thenApplyAsync(body -> decode(body, json, encoding.equals("gzip"), lease), ctx.blockingTaskExecutor())
            .thenCompose(request -> ingester.ingest(tenant, request, json ? "http_json" : "http_protobuf"))
            .handle((result, error) -> respond(json, result, error));
    return HttpResponse.of(response);
  }

  private ExportTraceServiceRequest decode(
      AggregatedHttpRequest body, boolean json, boolean gzip, InflightBytes.Lease lease) {
    byte[] bytes = body.content().array();
    long wireBytes = bytes.length;
    if (gzip) {
      bytes = gunzip(bytes);
    }
    // The decoded spans are held until the store has accepted them: charge them before decoding.
    charge(lease, wireBytes + (gzip ? bytes.length : 0) + (long) bytes.length * InflightBytes.DECODED_BYTES_PER_WIRE_BYTE);
    try {
      return json ? OtlpJson.parseTraces(bytes) : ExportTraceServiceRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new BadRequest(HttpStatus.BAD_REQUEST, "invalid OTLP protobuf body: " + e.getMessage());
    } catch (OtlpJson.MalformedJsonException e) {
      throw new BadRequest(HttpStatus.BAD_REQUEST, e.getMessage());
    }
  }

  private static void charge(InflightBytes.Lease lease, long bytes) {
    if (lease == null) {
      return;
    }
    switch (lease.ensure(bytes)) {
      case OK -> {}
      case TOO_LARGE -> throw new BadRequest(HttpStatus.REQUEST_ENTITY_TOO_LARGE, lease.budget().tooLargeMessage(bytes));
      case FULL -> throw new BadRequest(HttpStatus.TOO_MANY_REQUESTS, lease.budget().fullMessage());
    }
  }

  private byte[] gunzip(byte[] compressed) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(maxBodyBytes, Math.max(1024L, compressed.length * 2L)));
      byte[] buffer = new byte[16 * 1024];
      long total = 0;
      for (int n; (n = in.read(buffer)) > 0; ) {
        total += n;
        if (total > maxBodyBytes) {
          throw new BadRequest(HttpStatus.REQUEST_ENTITY_TOO_LARGE,
              "decompressed body exceeds " + maxBodyBytes + " bytes (the server's request limit)");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new BadRequest(HttpStatus.BAD_REQUEST, "invalid gzip body: " + e.getMessage());
    }
  }

  private HttpResponse respond(boolean json, SpanIngester.Result result, Throwable error) {
    String protocol = json ? "http_json" : "http_protobuf";
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof BadRequest bad && bad.status == HttpStatus.TOO_MANY_REQUESTS) {
        ingester.metrics().request(protocol, "over_memory_budget");
        return retryLater(json, HttpStatus.TOO_MANY_REQUESTS, bad.getMessage(), OtlpReceivers.RETRY_AFTER_SECONDS);
      }
      if (cause instanceof BadRequest bad) {
        ingester.metrics().request(protocol, bad.status == HttpStatus.REQUEST_ENTITY_TOO_LARGE ? "too_large" : "malformed");
        return error(json, bad.status, bad.getMessage());
      }
      if (cause instanceof StoreOverloadedException overloaded) {
        ingester.metrics().request(protocol, "overloaded");
        return retryLater(json, HttpStatus.TOO_MANY_REQUESTS, overloaded.getMessage(), overloaded.retryAfterSeconds());
      }
      if (cause instanceof StoreClosedException closed) {
        ingester.metrics().request(protocol, "unavailable");
        return retryLater(json, HttpStatus.SERVICE_UNAVAILABLE, closed.getMessage(), IngestErrors.CLOSED_RETRY_AFTER_SECONDS);
      }
      // A bug of ours: the port's handler logs it and answers 500 without its detail.
      ingester.metrics().request(protocol, "internal_error");
      return HttpResponse.ofFailure(cause);
    }
    ingester.metrics().request(protocol, result.rejected() > 0 ? "partial_success" : "success");
    ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
    if (result.rejected() > 0) {
      response.setPartialSuccess(
          ExportTracePartialSuccess.newBuilder()
              .setRejectedSpans(result.rejected())
              .setErrorMessage(result.rejected() + " span(s) rejected; first: " + result.rejectionMessage()));
    }
    return message(json, HttpStatus.OK, response.build());
  }

  static HttpResponse retryLater(boolean json, HttpStatus status, String message, int seconds) {
    HttpResponse body = error(json, status, message);
    return body.mapHeaders(h -> h.toBuilder().set(HttpHeaderNames.RETRY_AFTER, Integer.toString(seconds)).build());
  }

  static HttpResponse error(boolean json, HttpStatus status, String message) {
    com.google.rpc.Status rpc =
        com.google.rpc.Status.newBuilder().setCode(grpcCodeOf(status)).setMessage(message).build();
    return message(json, status, rpc);
  }

  private static int grpcCodeOf(HttpStatus status) {
    return switch (status.code()) {
      case 400 -> 3; // INVALID_ARGUMENT
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 413 -> 11; // OUT_OF_RANGE
      case 415 -> 3;
      case 429 -> 8; // RESOURCE_EXHAUSTED
      case 503 -> 14; // UNAVAILABLE
      default -> 13; // INTERNAL
    };
  }

  private static HttpResponse message(boolean json, HttpStatus status, Message message) {
    if (json) {
      try {
        return HttpResponse.of(
            ResponseHeaders.of(status, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON_UTF_8),
            com.linecorp.armeria.common.HttpData.of(StandardCharsets.UTF_8, JSON.print(message)));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }
    return HttpResponse.of(
        ResponseHeaders.of(status, HttpHeaderNames.CONTENT_TYPE, PROTOBUF),
        com.linecorp.armeria.common.HttpData.wrap(message.toByteArray()));
  }

  /** An undecodable or oversized body, answered with its status. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient HttpStatus status;

    BadRequest(HttpStatus status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }
}
