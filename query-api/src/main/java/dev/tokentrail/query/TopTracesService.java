package dev.tokentrail.query;

import dev.tokentrail.store.Tenants;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.query.traceql.TraceQl;
import dev.tokentrail.query.traceql.TraceQlParser;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/traces/top}: the costliest runs. Trace rollups ranked {@code by} cost,
 * tokens or LLM calls in {@code from..to} (epoch milliseconds or ISO-8601; default the last 24
 * hours), optionally narrowed by a TraceQL query {@code q}. Flat rows with epoch-ms times, as
 * Grafana's Infinity data source reads them.
 */
final class TopTracesService implements HttpService {
  private static final long DAY_MILLIS = 86_400_000L;

  private final SpanStore store;
  private final Clock clock;

  TopTracesService(SpanStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    return TempoApi.blocking(ctx, () -> {
      TraceSearch.Order order = switch (ctx.queryParam("by") == null ? "cost" : ctx.queryParam("by")) {
        case "cost" -> TraceSearch.Order.COST;
        case "tokens" -> TraceSearch.Order.TOKENS;
        case "llm_calls" -> TraceSearch.Order.LLM_CALLS;
        case "newest" -> TraceSearch.Order.NEWEST;
        default -> throw new IllegalArgumentException("by: " + ctx.queryParam("by") + " (expected: cost, tokens, llm_calls or newest)");
      };
      long now = clock.millis();
      long to = millisParam(ctx, "to", now);
      long from = millisParam(ctx, "from", Math.max(0, to - DAY_MILLIS));
      if (from > to) {
        throw new IllegalArgumentException("from: after to (expected: from <= to)");
      }
      long[] window = nanosWindow(from, to);
      int limit = TempoApi.intParam(ctx, "limit", 20, 1, 10_000);
      TraceQl query = TraceQlParser.parse(ctx.queryParam("q"));
      List<TraceMatch> matches = store.search(Tenants.DEFAULT, new TraceSearch(
          query.spansets(), query.aggregates(), window[0], window[1], 0, 0, limit, 0, order));
      List<Map<String, Object>> rows = new ArrayList<>(matches.size());
      for (TraceMatch match : matches) {
        rows.add(row(match.summary()));
      }
      return JsonResponses.rounded(rows);
    });
  }

  static Map<String, Object> row(TraceSummary s) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("traceId", s.traceId());
    row.put("rootService", s.rootServiceName());
    row.put("rootName", s.rootSpanName());
    row.put("startMs", s.startEpochNanos() / 1_000_000L);
    row.put("durationMs", s.durationNanos() / 1_000_000L);
    row.put("costUsd", s.costUsd());
    row.put("inputTokens", s.inputTokens());
    row.put("outputTokens", s.outputTokens());
    row.put("totalTokens", s.totalTokens());
    row.put("llmCalls", s.llmCallCount());
    row.put("spans", s.spanCount());
    row.put("errors", s.errorCount());
    row.put("models", String.join(",", s.models()));
    row.put("team", s.team() == null ? "" : s.team());
    row.put("project", s.project() == null ? "" : s.project());
    return row;
  }

  /** {from, to} in epoch millis as epoch nanos (to inclusive of its millisecond), range-checked. */
  static long[] nanosWindow(long fromMillis, long toMillis) {
    long[] window = {
        QueryGuard.times("from", Long.toString(fromMillis), fromMillis, 1_000_000L, "epoch milliseconds up to " + MAX_MILLIS),
        QueryGuard.plus(QueryGuard.times("to", Long.toString(toMillis), toMillis, 1_000_000L, "epoch milliseconds up to " + MAX_MILLIS), 999_999L)};
    QueryGuard.checkRange("from/to", Math.max(1, window[0]), window[1]);
    return window;
  }

  private static final long MAX_MILLIS = Long.MAX_VALUE / 1_000_000L;

  /** Epoch milliseconds or an ISO-8601 instant, from 1970 to 2262. */
  static long millisParam(ServiceRequestContext ctx, String name, long defaultValue) {
    String value = ctx.queryParam(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    String v = value.trim();
    String expected = name + ": " + value + " (expected: epoch milliseconds from 0 to " + MAX_MILLIS + " or an ISO-8601 instant)";
    if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        long millis = Long.parseLong(v);
        if (millis > MAX_MILLIS) {
          throw new NumberFormatException();
        }
        return millis;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(expected);
      }
    }
    try {
      long millis = Instant.parse(v).toEpochMilli();
      if (millis < 0 || millis > MAX_MILLIS) {
        throw new IllegalArgumentException(expected);
      }
      return millis;
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(expected);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: epoch milliseconds or an ISO-8601 instant)");
    }
  }
}
