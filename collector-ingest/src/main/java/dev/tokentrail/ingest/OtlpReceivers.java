package dev.tokentrail.ingest;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;
import dev.tokentrail.security.AccessDecorator;
import dev.tokentrail.security.RequestTenant;
import io.netty.util.AttributeKey;
import java.util.Base64;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Installs the OTLP receivers on Armeria servers: gRPC {@code TraceService/Export} and HTTP
 * {@code POST /v1/traces}. Memory stays bounded whatever clients send: bodies are limited in size
 * (before and after decompression), at most {@code maxConcurrentRequests} exports are decoded at
 * once, and the bytes they hold (bodies as they arrive, then the decoded spans until the store has
 * accepted them) are budgeted by {@link InflightBytes}. Past either limit clients are told to retry
 * (429 with Retry-After / RESOURCE_EXHAUSTED with RetryInfo) before memory runs out.
 */
public final class OtlpReceivers {
  /** Seconds a client is asked to wait when ingest is at its concurrency or memory limit. */
  static final int RETRY_AFTER_SECONDS = 1;

  /** The export's share of the in-flight budget, for the services to charge decoded spans to. */
  static final AttributeKey<InflightBytes.Lease> LEASE = AttributeKey.valueOf(OtlpReceivers.class, "LEASE");

  private static final MediaType GRPC = MediaType.create("application", "grpc");

  private final SpanIngester ingester;
  private final int maxBodyBytes;
  private final Semaphore inFlight;
  private final InflightBytes budget;
  private final java.util.concurrent.ConcurrentHashMap<String, InflightBytes> shares = new java.util.concurrent.ConcurrentHashMap<>();

  private OtlpReceivers(SpanIngester ingester, int maxBodyBytes, int maxConcurrentRequests, long maxInflightBytes) {
    this.ingester = ingester;
    this.maxBodyBytes = maxBodyBytes;
    this.inFlight = new Semaphore(maxConcurrentRequests);
    this.budget = new InflightBytes(maxInflightBytes);
    ingester.metrics().inflightBytes(budget::used, budget.limit());
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
    server.route().path("/v1/traces").maxRequestLength(maxBodyBytes).build(limited(traces, false));
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
    server.service(grpc, service -> limited(service, true));
    server.errorHandler(IngestErrors.INSTANCE);
  }

  private HttpService limited(HttpService delegate, boolean grpc) {
    return (ctx, req) -> {
      boolean json = !grpc && req.contentType() != null && req.contentType().is(MediaType.JSON);
      String protocol = grpc ? "grpc" : "http";
      String tenant = RequestTenant.of(ctx);
      int wait = ingester.rates().retryAfterSeconds(tenant);
      if (wait > 0) {
        ingester.metrics().request(protocol, "tenant_rate_limited");
        return afterDiscardingBody(ctx, req, retryLater(grpc, json, ingester.rates().message(tenant), wait));
      }
      if (!inFlight.tryAcquire()) {
        ingester.metrics().request(protocol, "too_many_requests");
        return afterDiscardingBody(ctx, req, retryLater(grpc, json, "too many concurrent exports; retry later", RETRY_AFTER_SECONDS));
      }
      InflightBytes share = shareOf(tenant);
      InflightBytes.Lease lease = share == null ? budget.lease() : budget.lease(share);
      ctx.log().whenComplete().thenRun(() -> {
        lease.close();
        inFlight.release();
      });
      ctx.setAttr(LEASE, lease);
      long declared = req.headers().contentLength();
      if (declared > 0) {
        InflightBytes.Outcome outcome = lease.ensure(declared);
        if (outcome != InflightBytes.Outcome.OK) {
          return overBudget(protocol, grpc, json, outcome, declared, lease);
        }
      }
      AtomicLong received = new AtomicLong();
      AtomicReference<InflightBytes.Outcome> refused = new AtomicReference<>();
      HttpRequest counted =
          req.peekData(data -> {
            long total = received.addAndGet(data.length());
            InflightBytes.Outcome outcome = lease.ensure(total);
            if (outcome != InflightBytes.Outcome.OK && refused.compareAndSet(null, outcome)) {
              req.abort(OverBudget.INSTANCE);
            }
          });
      return HttpResponse.of(
          counted
              .aggregate()
              .handleAsync(
                  (body, error) -> {
                    InflightBytes.Outcome outcome = refused.get();
                    if (outcome != null) {
                      return overBudget(protocol, grpc, json, outcome, received.get(), lease);
                    }
                    if (error != null) {
                      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                      if (grpc) {
                        ingester.metrics().request(protocol, cause instanceof ContentTooLargeException ? "too_large" : "malformed");
                        return trailersOnly(Code.RESOURCE_EXHAUSTED, cause instanceof ContentTooLargeException
                            ? "request exceeds " + maxBodyBytes + " bytes (the server's request limit)"
                            : "request body not received", -1);
                      }
                      return HttpResponse.ofFailure(cause);
                    }
                    HttpRequest whole = body.toHttpRequest();
                    ctx.updateRequest(whole);
                    try {
                      return delegate.serve(ctx, whole);
                    } catch (Exception e) {
                      return HttpResponse.ofFailure(e);
                    }
                  },
                  ctx.eventLoop()));
    };
  }

  /**
   * {@code response} once the request's body has arrived, each chunk released as it comes (nothing
   * is held): how every export refused before it is read (over its tenant's rate, past the
   * concurrency limit) is answered. Answered at once, an HTTP/2 client still sending its body would
   * see the stream reset instead of the answer and its Retry-After.
   */
  private static HttpResponse afterDiscardingBody(ServiceRequestContext ctx, HttpRequest req, HttpResponse response) {
    java.util.concurrent.CompletableFuture<HttpResponse> answered = new java.util.concurrent.CompletableFuture<>();
    req.subscribe(new org.reactivestreams.Subscriber<com.linecorp.armeria.common.HttpObject>() {
      @Override
      public void onSubscribe(org.reactivestreams.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(com.linecorp.armeria.common.HttpObject object) {
        if (object instanceof com.linecorp.armeria.common.HttpData data) {
          data.close();
        }
      }

      @Override
      public void onError(Throwable error) {
        answered.complete(response);
      }

      @Override
      public void onComplete() {
        answered.complete(response);
      }
    }, ctx.eventLoop());
    return HttpResponse.of(answered);
  }

  private HttpResponse overBudget(
      String protocol, boolean grpc, boolean json, InflightBytes.Outcome outcome, long bytes, InflightBytes.Lease lease) {
    if (outcome == InflightBytes.Outcome.TOO_LARGE) {
      ingester.metrics().request(protocol, "too_large");
      String message = lease.budget().tooLargeMessage(bytes);
      return grpc
          ? trailersOnly(Code.RESOURCE_EXHAUSTED, message, -1)
          : OtlpHttpService.error(json, HttpStatus.REQUEST_ENTITY_TOO_LARGE, message);
    }
    ingester.metrics().request(protocol, "over_memory_budget");
    return retryLater(grpc, json, lease.budget().fullMessage(), RETRY_AFTER_SECONDS);
  }

  /**
   * {@code tenant}'s share of the in-flight budget ({@code limits.max_inflight_bytes}), or null
   * when it has none. Shares are kept for at most {@link TenantIngestRates#MAX_TENANTS} tenants;
   * later ones share one.
   */
  private InflightBytes shareOf(String tenant) {
    long limit = ingester.rates().limits().forTenant(tenant).maxInflightBytes();
    if (limit == 0) {
      return null;
    }
    InflightBytes share = shares.get(tenant);
    if (share != null) {
      return share;
    }
    String key = shares.size() < TenantIngestRates.MAX_TENANTS ? tenant : "\u0000shared";
    return shares.computeIfAbsent(key, k -> new InflightBytes(limit, "limits.max_inflight_bytes of tenant " + tenant));
  }

  private static HttpResponse retryLater(boolean grpc, boolean json, String message, int seconds) {
    if (grpc) {
      return trailersOnly(Code.RESOURCE_EXHAUSTED, message, seconds);
    }
    return OtlpHttpService.retryLater(json, HttpStatus.TOO_MANY_REQUESTS, message, seconds);
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

  /** Aborts a request body that outgrew the budget; answered 429 / 413 by the decorator, never logged. */
  private static final class OverBudget extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final OverBudget INSTANCE = new OverBudget();

    private OverBudget() {
      super("in-flight memory budget exceeded", null, false, false);
    }
  }
}
