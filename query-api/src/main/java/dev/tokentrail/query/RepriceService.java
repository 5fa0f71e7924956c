package dev.tokentrail.query;

import dev.tokentrail.security.RequestTenant;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.analysis.Repricer;
import dev.tokentrail.store.CallFilter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api/v1/reprice}: re-reads the configured price catalog and prices the stored calls
 * of a window again ({@link Repricer}). The window is {@code since} (a duration back from now, e.g.
 * {@code 30d}) or {@code from} / {@code to} (epoch ms or ISO-8601, as the other {@code /api/v1}
 * endpoints; default the last 24 hours); the filters {@code service}, {@code team}, {@code
 * project}, {@code model} and {@code feature} narrow it. Answers the run's counts as JSON; a bad
 * parameter or a broken catalog file is a 400 {@code {"error": ...}}; other methods are 405.
 */
final class RepriceService implements HttpService {
  private static final long DAY_MILLIS = 86_400_000L;
  private final Repricer repricer;
  private final Clock clock;

  RepriceService(Repricer repricer, Clock clock) {
    this.repricer = requireNonNull(repricer, "repricer");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    if (req.method() != HttpMethod.POST) {
      ResponseHeaders headers = ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED)
          .add(HttpHeaderNames.ALLOW, "POST")
          .contentType(MediaType.JSON_UTF_8)
          .build();
      return HttpResponse.of(headers, HttpData.wrap(JsonResponses.bytes(
          Map.of("error", req.method() + " /api/v1/reprice: method not allowed (expected: POST)"))));
    }
    // Bad parameters throw here, before the run: the port's handler answers 400 (QueryErrors).
    CallFilter filter = filter(ctx);
    // A month of calls can take minutes; the run ends on its own, so the request waits for it.
    ctx.clearRequestTimeout();
    // A catalog file that does not load is an IllegalArgumentException (400); other failures are
    // logged and answered 500 without their detail by the same handler.
    return HttpResponse.of(() -> JsonResponses.rounded(body(repricer.reprice(RequestTenant.current(), filter))), ctx.blockingTaskExecutor());
  }

  CallFilter filter(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    long now = clock.millis();
    Duration since = params.duration("since", null);
    long to = params.epochMillis("to", now);
    long from;
    if (since != null) {
      if (params.optionalString("from") != null) {
        throw new IllegalArgumentException("since: give either since or from, not both");
      }
      from = to - since.toMillis();
    } else {
      from = params.epochMillis("from", to - DAY_MILLIS);
    }
    if (from > to) {
      throw new IllegalArgumentException("from: after to (expected: from <= to)");
    }
    if (from <= 0) {
      throw new IllegalArgumentException("from: " + from + " (expected: a time after 1970)");
    }
    return new CallFilter(from * 1_000_000L, to * 1_000_000L + 999_999L, params.filter("service"),
        params.filter("team"), params.filter("project"), params.filter("model"), params.filter("feature"));
  }

  static Map<String, Object> body(Repricer.Result r) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("from", r.fromEpochNanos() / 1_000_000L);
    body.put("to", r.toEpochNanos() / 1_000_000L);
    body.put("catalogReloaded", r.catalogReloaded());
    body.put("newVersion", r.newVersion());
    body.put("oldVersions", r.oldVersions());
    body.put("examined", r.examined());
    body.put("repriced", r.repriced());
    body.put("unchanged", r.unchanged());
    body.put("unpriced", r.unpriced());
    body.put("usdBefore", r.usdBefore());
    body.put("usdAfter", r.usdAfter());
    body.put("durationMs", r.durationMillis());
    return body;
  }
}
