package dev.tokentrail.query;

import dev.tokentrail.security.RequestTenant;
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
    return QueryGuard.blocking(ctx, () -> {
      QueryParams params = QueryParams.of(ctx);
      TraceSearch.Order order = switch (params.choice("by", "cost", List.of("cost", "tokens", "llm_calls", "newest"))) {
        case "cost" -> TraceSearch.Order.COST;
        case "tokens" -> TraceSearch.Order.TOKENS;
        case "llm_calls" -> TraceSearch.Order.LLM_CALLS;
        default -> TraceSearch.Order.NEWEST;
      };
      long now = clock.millis();
      long to = params.epochMillis("to", now);
      long from = params.epochMillis("from", Math.max(0, to - DAY_MILLIS));
      if (from > to) {
        throw new IllegalArgumentException("from: after to (expected: from <= to)");
      }
      long[] window = nanosWindow(from, to);
      int limit = params.limit("limit", 20, 10_000);
      TraceQl query = TraceQlParser.parse(params.optionalString("q"));
      List<TraceMatch> matches = store.search(RequestTenant.current(), new TraceSearch(
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
    row.put("traceId", s.traceId().hex());
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
}
