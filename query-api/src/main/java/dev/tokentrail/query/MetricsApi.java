package dev.tokentrail.query;

import dev.tokentrail.security.RequestTenant;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.query.metrics.TraceQlMetrics;
import dev.tokentrail.query.metrics.TraceQlMetrics.Label;
import dev.tokentrail.query.metrics.TraceQlMetrics.MetricsResult;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * TraceQL metrics on Tempo's HTTP API: {@code /api/metrics/query_range} answers a {@code
 * QueryRangeResponse}, {@code /api/metrics/query} a {@code QueryInstantResponse}, in the protobuf
 * JSON Grafana's Tempo data source decodes (int64 as strings, labels as typed OTLP values, no
 * fields outside the proto). Parameters as Tempo reads them: {@code q} (or {@code query}), {@code
 * start}/{@code end} (unix seconds, nanoseconds, fractional seconds or RFC 3339), {@code since},
 * {@code step} (a duration or seconds) and {@code exemplars}. Bad queries answer 400 in plain
 * text naming the problem ({@link QueryErrors}).
 */
final class MetricsApi {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final long SECOND = 1_000_000_000L;
  private static final Duration DEFAULT_SINCE = Duration.ofHours(1);
  private static final int MAX_EXEMPLARS = 10_000;

  private final TraceQlMetrics metrics;
  private final Clock clock;

  MetricsApi(TraceQlMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  void install(ServerBuilder server) {
    QueryApi.get(server, "/api/metrics/query_range", (ctx, req) -> QueryGuard.blocking(ctx, () -> range(ctx)));
    QueryApi.get(server, "/api/metrics/query", (ctx, req) -> QueryGuard.blocking(ctx, () -> instant(ctx)));
  }

  private HttpResponse range(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    String q = query(params);
    long[] bounds = bounds(params);
    Duration stepParam = params.secondsOrDuration("step", null);
    long step = stepParam == null ? defaultStep(bounds[0], bounds[1]) : positive(stepParam, "step");
    // Tempo ignores an unparsable exemplars parameter.
    int exemplars = params.clampedInteger("exemplars", 0, 0, MAX_EXEMPLARS);
    MetricsResult result = metrics.queryRange(RequestTenant.current(), q, bounds[0], bounds[1], step, exemplars);
    ObjectNode body = NODES.objectNode();
    ArrayNode series = body.putArray("series");
    for (TraceQlMetrics.Series s : result.series()) {
      ObjectNode node = series.addObject();
      labels(node.putArray("labels"), s.labels());
      ArrayNode samples = node.putArray("samples");
      for (TraceQlMetrics.Sample sample : s.samples()) {
        samples.addObject().put("timestampMs", Long.toString(sample.timestampMs())).put("value", sample.value());
      }
      if (!s.exemplars().isEmpty()) {
        ArrayNode exemplarNodes = node.putArray("exemplars");
        for (TraceQlMetrics.Exemplar ex : s.exemplars()) {
          ObjectNode exNode = exemplarNodes.addObject();
          labels(exNode.putArray("labels"), ex.labels());
          exNode.put("value", ex.value());
          exNode.put("timestampMs", Long.toString(ex.timestampMs()));
        }
      }
    }
    searchMetrics(body, result);
    return JsonResponses.ok(body);
  }

  private HttpResponse instant(ServiceRequestContext ctx) {
    QueryParams params = QueryParams.of(ctx);
    String q = query(params);
    long[] bounds = bounds(params);
    MetricsResult result = metrics.instant(RequestTenant.current(), q, bounds[0], bounds[1]);
    ObjectNode body = NODES.objectNode();
    ArrayNode series = body.putArray("series");
    for (TraceQlMetrics.Series s : result.series()) {
      if (s.samples().isEmpty()) {
        continue;
      }
      ObjectNode node = series.addObject();
      labels(node.putArray("labels"), s.labels());
      node.put("value", s.samples().get(0).value());
    }
    searchMetrics(body, result);
    return JsonResponses.ok(body);
  }

  private static void searchMetrics(ObjectNode body, MetricsResult result) {
    ObjectNode m = body.putObject("metrics");
    m.put("inspectedSpans", Long.toString(result.inspectedSpans()));
    m.put("totalBlocks", 1);
    m.put("completedJobs", 1);
    m.put("totalJobs", 1);
  }

  /** OTLP KeyValues as protobuf JSON: {@code {"key": "...", "value": {"stringValue": "..."}}}. */
  private static void labels(ArrayNode out, List<Label> labels) {
    for (Label l : labels) {
      ObjectNode kv = out.addObject();
      kv.put("key", l.key());
      ObjectNode v = kv.putObject("value");
      switch (l.value()) {
        case Long n -> v.put("intValue", Long.toString(n));
        case Integer n -> v.put("intValue", Integer.toString(n));
        case Double d -> v.put("doubleValue", d);
        case Boolean b -> v.put("boolValue", b);
        case null -> v.put("stringValue", "nil");
        default -> v.put("stringValue", String.valueOf(l.value()));
      }
    }
  }

  /** {@code q}, or Tempo's other name for it, {@code query}. */
  private static String query(QueryParams params) {
    String q = params.optionalString("q");
    if (q == null) {
      q = params.optionalString("query");
    }
    if (q == null) {
      throw new IllegalArgumentException("q: missing (expected: a TraceQL metrics query such as { } | rate())");
    }
    return q;
  }

  /** Tempo's bounds: end defaults to now, start to end minus {@code since} (default one hour). */
  private long[] bounds(QueryParams params) {
    long now = clock.instant().getEpochSecond() * SECOND + clock.instant().getNano();
    long since = params.duration("since", DEFAULT_SINCE).toNanos();
    long end = params.tempoTimestamp("end", now);
    long endOrNow = Math.min(end, now);
    long start = params.tempoTimestamp("start", Math.max(0, endOrNow - since));
    if (end <= start) {
      throw new IllegalArgumentException("invalid start and end: end (" + end + ") must be after start (" + start + ")");
    }
    // start 0 (start=0, or a since longer than the epoch) is a range like any other here.
    QueryGuard.checkRange("start/end", Math.max(1, start), end);
    return new long[] {start, end};
  }

  private static long positive(Duration duration, String name) {
    if (duration.isZero()) {
      throw new IllegalArgumentException(name + ": 0 (expected: a duration > 0)");
    }
    return duration.toNanos();
  }

  /** Tempo's default step: about 240 points, rounded down to 1h, 5m, 1m, 15s, 5s or 1s (50ms under a minute). */
  static long defaultStep(long start, long end) {
    long delta = end - start;
    long baseline = delta / 240;
    if (delta < 60 * SECOND) {
      long g = 50_000_000L;
      return baseline > g ? baseline / g * g : g;
    }
    for (long g : new long[] {3600 * SECOND, 300 * SECOND, 60 * SECOND, 15 * SECOND, 5 * SECOND, SECOND}) {
      if (baseline > g) {
        return baseline / g * g;
      }
    }
    return SECOND;
  }
}
