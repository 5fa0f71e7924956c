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
import dev.tokentrail.security.AccessDecorator;
import io.netty.util.AttributeKey;
import java.util.Base64;

/**
 * Installs the OTLP receivers on Armeria servers: gRPC {@code TraceService/Export} and HTTP
 * {@code POST /v1/traces}. Memory stays bounded whatever clients send: bodies are limited in size
 * (before and after decompression), at most {@code maxConcurrentRequests} exports are decoded at
 * once, and the bytes they hold (bodies as they arrive, then the decoded spans until the store has
 * accepted them) are budgeted by {@link InflightBytes}. Past either limit clients are told to retry
 * (429 with Retry-After / RESOURCE_EXHAUSTED with RetryInfo) before memory runs out; {@link
 * ExportAdmission} checks them in front of both services.
 */
public final class OtlpReceivers {
  /** Seconds a client is asked to wait when ingest is at its concurrency or memory limit. */
  static final int RETRY_AFTER_SECONDS = 1;

  /** The export's share of the in-flight budget, for the services to charge decoded spans to. */
  static final AttributeKey<InflightBytes.Lease> LEASE = AttributeKey.valueOf(OtlpReceivers.class, "LEASE");

  private static final MediaType GRPC = MediaType.create("application", "grpc");

  private final SpanIngester ingester;
  private final int maxBodyBytes;
  private final ExportAdmission admission;

  private OtlpReceivers(SpanIngester ingester, int maxBodyBytes, int maxConcurrentRequests, long maxInflightBytes) {
    this.ingester = ingester;
    this.maxBodyBytes = maxBodyBytes;
    this.admission = new ExportAdmission(ingester, maxBodyBytes, maxConcurrentRequests, maxInflightBytes);
  }

  /** Receivers with the default in-flight budget, a quarter of the heap. */
  public static OtlpReceivers create(SpanIngester ingester, int maxBodyBytes, int maxConcurrentRequests) {
    return create(ingester, maxBodyBytes, maxConcurrentRequests, defaultMaxInflightBytes());
  }

  public static OtlpReceivers create(
      SpanIngester ingester, int maxBodyBytes, int maxConcurrentRequests, long maxInflightBytes) {
    requireNonNull(ingester, "ingester");
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: > 0)");
    }
    if (maxConcurrentRequests <= 0) {
      throw new IllegalArgumentException("maxConcurrentRequests: " + maxConcurrentRequests + " (expected: > 0)");
    }
    if (maxInflightBytes <= 0) {
      throw new IllegalArgumentException("maxInflightBytes: " + maxInflightBytes + " (expected: > 0)");
    }
    return new OtlpReceivers(ingester, maxBodyBytes, maxConcurrentRequests, maxInflightBytes);
  }

  /** The default of {@code ingest.max_inflight_bytes}: a quarter of the maximum heap. */
  public static long defaultMaxInflightBytes() {
    return InflightBytes.defaultLimit();
  }

  /**
   * The in-flight bytes one export of {@code requestBytes} (uncompressed) holds once decoded: its
   * body plus the decoded spans. An export needing more than the budget is answered 413.
   */
  public static long inflightBytesOf(long requestBytes) {
    return requestBytes * (1L + InflightBytes.DECODED_BYTES_PER_WIRE_BYTE);
  }

  /**
   * How the OTLP ports refuse a request without access (401 / 403): a trailers-only
   * UNAUTHENTICATED or PERMISSION_DENIED on gRPC, a {@code google.rpc.Status} in the request's
   * encoding (with {@code WWW-Authenticate: Bearer} on a 401) on HTTP. Neither says which part of
   * the credentials failed.
   */
  public static AccessDecorator.Rejection rejection() {
    return (ctx, req, status, message) -> {
      MediaType type = req.contentType();
      if (type != null && type.is(GRPC)) {
        return AccessDecorator.grpcRejection(status, message);
      }
      boolean json = type != null && type.is(MediaType.JSON);
      return OtlpHttpService.error(json, status, message)
          .mapHeaders(h -> AccessDecorator.withChallenge(h.toBuilder(), status).build());
    };
  }

  /** Adds {@code /v1/traces} (OTLP/HTTP) to a server. */
  public void installHttp(ServerBuilder server) {
    HttpService traces = new OtlpHttpService(ingester, maxBodyBytes);
    server.route().path("/v1/traces").maxRequestLength(maxBodyBytes).build(admission.limit(traces, false));
    server.errorHandler(IngestErrors.INSTANCE);
  }

  /** Adds the OTLP/gRPC trace service to a server. */
  public void installGrpc(ServerBuilder server) {
    GrpcService grpc =
        GrpcService.builder()
            .addService(new OtlpGrpcService(ingester))
            .maxRequestMessageLength(maxBodyBytes)
            .exceptionHandler(IngestErrors.GRPC)
            .useBlockingTaskExecutor(true)
            .build();
    server.maxRequestLength(maxBodyBytes + 1024L);
    server.service(grpc, service -> admission.limit(service, true));
    server.errorHandler(IngestErrors.INSTANCE);
  }

  /**
   * A gRPC trailers-only response: one HEADERS frame with END_STREAM carrying the status, as the
   * gRPC protocol requires (grpc-java reads grpc-status from headers only when the stream ends
   * with them, and otherwise reports CANCELLED or UNKNOWN). With {@code retryAfterSeconds >= 0}
   * the status details carry RetryInfo, which OTLP requires for RESOURCE_EXHAUSTED to be retried.
   */
  static HttpResponse trailersOnly(Code code, String message, int retryAfterSeconds) {
    com.google.rpc.Status.Builder status =
        com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message);
    if (retryAfterSeconds >= 0) {
      status.addDetails(
          Any.pack(RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder().setSeconds(retryAfterSeconds)).build()));
    }
    return HttpResponse.of(
        ResponseHeaders.builder(HttpStatus.OK)
            .contentType(GRPC)
            .add("grpc-status", Integer.toString(code.getNumber()))
            .add("grpc-message", percentEncode(message))
            .add("grpc-status-details-bin", Base64.getEncoder().withoutPadding().encodeToString(status.build().toByteArray()))
            .endOfStream(true)
            .build());
  }

  /** grpc-message is percent-encoded UTF-8 (the gRPC HTTP/2 protocol). */
  private static String percentEncode(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (byte b : message.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (c >= 0x20 && c <= 0x7E && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }
}
