package dev.tokentrail.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantQueryConcurrencyTest {
  private final List<HttpResponseWriter> held = new ArrayList<>();
  /** Answers nothing until the test closes the response: a query in progress. */
  private final HttpService slow = (ctx, req) -> {
    HttpResponseWriter response = HttpResponse.streaming();
    held.add(response);
    return response;
  };
  private final TenantQueryConcurrency limit = TenantQueryConcurrency.of(
      new TenantLimits.PerTenant(new TenantLimits(0, 0, 2), Map.of("big", new TenantLimits(0, 0, 3))),
      ctx -> !ctx.path().equals("/metrics"));

  @Test
  void aTenantPastItsConcurrentQueriesIsRefusedWhileAnotherIsServed() throws Exception {
    serve("alpha", "/api/search");
    serve("alpha", "/api/search");

    AggregatedHttpResponse refused = serve("alpha", "/api/search").aggregate().join();
    serve("beta", "/api/search");
    serve("big", "/api/search");
    serve("big", "/api/search");
    serve("big", "/api/search");

    assertThat(refused.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(refused.headers().get("retry-after")).isEqualTo("1");
    assertThat(refused.contentUtf8()).contains("tenant alpha has 2 queries in progress");
    assertThat(held).as("alpha's two, beta's one, big's three reached the service").hasSize(6);
    assertThat(limit.inProgress("alpha")).isEqualTo(2);
  }

  @Test
  void aCompletedQueryFreesItsPlaceAndUnlimitedPathsAreNotCounted() throws Exception {
    ServiceRequestContext first = context("alpha", "/api/search");
    HttpResponse answered = limit.serve(slow, first, first.request());
    serve("alpha", "/api/search");
    held.get(0).write(ResponseHeaders.of(HttpStatus.OK));
    held.get(0).close();
    answered.aggregate().join();

    await().atMost(Duration.ofSeconds(10)).until(() -> limit.inProgress("alpha") == 1);
    serve("alpha", "/api/search");
    serve("alpha", "/metrics");
    assertThat(held).hasSize(4);
  }

  private HttpResponse serve(String tenant, String path) throws Exception {
    ServiceRequestContext ctx = context(tenant, path);
    return limit.serve(slow, ctx, ctx.request());
  }

  private static ServiceRequestContext context(String tenant, String path) {
    ServiceRequestContext ctx = ServiceRequestContext.of(HttpRequest.of(RequestHeaders.of(HttpMethod.GET, path)));
    ctx.setAttr(RequestTenant.KEY, tenant);
    return ctx;
  }
}
