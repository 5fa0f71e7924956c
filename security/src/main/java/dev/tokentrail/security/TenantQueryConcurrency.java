package dev.tokentrail.security;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Each tenant's share of the query port ({@link TenantLimits#maxConcurrentQueries()}): a tenant
 * with that many requests in progress is answered 429 with {@code Retry-After: 1} until one of
 * them completes, so one tenant's dashboards cannot occupy every query thread. Runs inside the
 * port's {@link AccessDecorator}, which has set the request's tenant; paths {@code limited} does not
 * select ({@code /metrics}, {@code /ready}) are never counted.
 */
public final class TenantQueryConcurrency implements DecoratingHttpServiceFunction {
  private final TenantLimits.PerTenant limits;
  private final Predicate<ServiceRequestContext> limited;
  private final ConcurrentHashMap<String, AtomicInteger> inProgress = new ConcurrentHashMap<>();

  private TenantQueryConcurrency(TenantLimits.PerTenant limits, Predicate<ServiceRequestContext> limited) {
    this.limits = limits;
    this.limited = limited;
  }

  /** Limits the requests {@code limited} selects to each tenant's {@code max_concurrent_queries}. */
  public static TenantQueryConcurrency of(TenantLimits.PerTenant limits, Predicate<ServiceRequestContext> limited) {
    return new TenantQueryConcurrency(requireNonNull(limits, "limits"), requireNonNull(limited, "limited"));
  }

  @Override
  public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
    String tenant = RequestTenant.of(ctx);
    int max = limits.forTenant(tenant).maxConcurrentQueries();
    if (max == 0 || !limited.test(ctx)) {
      return delegate.serve(ctx, req);
    }
    // A tenant's counter stays once created: tenants are bounded by the tokens file or by the
    // proxy that sets X-Scope-OrgID, and an idle counter is one small object.
    AtomicInteger count = inProgress.computeIfAbsent(tenant, t -> new AtomicInteger());
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      req.abort();
      return HttpResponse.of(
          ResponseHeaders.builder(HttpStatus.TOO_MANY_REQUESTS)
              .contentType(MediaType.PLAIN_TEXT_UTF_8)
              .set(HttpHeaderNames.RETRY_AFTER, "1")
              .build(),
          HttpData.ofUtf8("tenant " + tenant + " has " + max + " queries in progress (limits.max_concurrent_queries); retry later"));
    }
    HttpResponse response;
    try {
      response = delegate.serve(ctx, req);
    } catch (Exception | Error e) {
      count.decrementAndGet();
      throw e;
    }
    // Completes when the response ends, fails or is aborted (a client gone away included).
    response.whenComplete().handle((ignored, error) -> count.decrementAndGet());
    return response;
  }

  /** Requests of {@code tenant} in progress now. */
  int inProgress(String tenant) {
    AtomicInteger count = inProgress.get(tenant);
    return count == null ? 0 : count.get();
  }
}
