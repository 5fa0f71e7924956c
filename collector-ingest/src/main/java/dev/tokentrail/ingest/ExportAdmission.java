package dev.tokentrail.ingest;

import com.google.rpc.Code;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.security.RequestTenant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Which OTLP exports the receivers take on, checked in front of both services before a body is
 * decoded: a tenant over its ingest rate ({@link TenantIngestRates}) and an export past {@code
 * ingest.max_concurrent_requests} are refused once their body has arrived, unread; an admitted
 * export's bytes are charged to the in-flight budget ({@link InflightBytes}, and its tenant's share
 * of it) as they arrive, and it is refused as soon as they do not fit. Refusals are 429 with
 * Retry-After / RESOURCE_EXHAUSTED with RetryInfo, or 413 for an export larger than the budget.
 */
final class ExportAdmission {
  private final SpanIngester ingester;
  private final int maxBodyBytes;
  private final Semaphore inFlight;
  private final InflightBytes budget;
  private final ConcurrentHashMap<String, InflightBytes> shares = new ConcurrentHashMap<>();

  ExportAdmission(SpanIngester ingester, int maxBodyBytes, int maxConcurrentRequests, long maxInflightBytes) {
    this.ingester = ingester;
    this.maxBodyBytes = maxBodyBytes;
    this.inFlight = new Semaphore(maxConcurrentRequests);
    this.budget = new InflightBytes(maxInflightBytes);
    ingester.metrics().inflightBytes(budget::used, budget.limit());
  }

  /** {@code delegate} behind the checks: the gRPC service when {@code grpc}, else OTLP/HTTP. */
  HttpService limit(HttpService delegate, boolean grpc) {
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
        return afterDiscardingBody(ctx, req, retryLater(grpc, json, "too many concurrent exports; retry later", OtlpReceivers.RETRY_AFTER_SECONDS));
      }
      InflightBytes share = shareOf(tenant);
      InflightBytes.Lease lease = share == null ? budget.lease() : budget.lease(share);
      ctx.log().whenComplete().thenRun(() -> {
        lease.close();
        inFlight.release();
      });
      ctx.setAttr(OtlpReceivers.LEASE, lease);
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
                        return OtlpReceivers.trailersOnly(Code.RESOURCE_EXHAUSTED, cause instanceof ContentTooLargeException
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
    CompletableFuture<HttpResponse> answered = new CompletableFuture<>();
    req.subscribe(new Subscriber<HttpObject>() {
      @Override
      public void onSubscribe(Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(HttpObject object) {
        if (object instanceof HttpData data) {
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
          ? OtlpReceivers.trailersOnly(Code.RESOURCE_EXHAUSTED, message, -1)
          : OtlpHttpService.error(json, HttpStatus.REQUEST_ENTITY_TOO_LARGE, message);
    }
    ingester.metrics().request(protocol, "over_memory_budget");
    return retryLater(grpc, json, lease.budget().fullMessage(), OtlpReceivers.RETRY_AFTER_SECONDS);
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
      return OtlpReceivers.trailersOnly(Code.RESOURCE_EXHAUSTED, message, seconds);
    }
    return OtlpHttpService.retryLater(json, HttpStatus.TOO_MANY_REQUESTS, message, seconds);
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
