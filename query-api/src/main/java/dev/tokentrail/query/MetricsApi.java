package dev.tokentrail.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.tokentrail.query.metrics.TraceQlMetrics;
import dev.tokentrail.query.metrics.TraceQlMetrics.Label;
import dev.tokentrail.query.metrics.TraceQlMetrics.MetricsResult;
import dev.tokentrail.query.traceql.TraceQlException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TraceQL metrics on Tempo's HTTP API: {@code /api/metrics/query_range} answers a {@code
 * QueryRangeResponse}, {@code /api/metrics/query} a {@code QueryInstantResponse}, in the protobuf
 * JSON Grafana's Tempo data source decodes (int64 as strings, labels as typed OTLP values, no
 * fields outside the proto). Parameters as Tempo reads them: {@code q} (or {@code query}), {@code
 * start}/{@code end} (unix seconds, nanoseconds, fractional seconds or RFC 3339), {@code since},
 * {@code step} (a Go duration or seconds) and {@code exemplars}. Bad queries answer 400 in plain
 * text naming the problem.
 */
final class MetricsApi {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final long SECOND = 1_000_000_000L;
  private static final long DEFAULT_SINCE = 3600 * SECOND;
  private static final int MAX_EXEMPLARS = 10_000;

  private final TraceQlMetrics metrics;
  private final Clock clock;

  MetricsApi(TraceQlMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  void install(ServerBuilder server) {
    server.service("/api/metrics/query_range", (ctx, req) -> blocking(ctx, () -> range(ctx)));
    server.service("/api/metrics/query", (ctx, req) -> blocking(ctx, () -> instant(ctx)));
  }

  private interface Handler {
    HttpResponse handle();
  }

  private static HttpResponse blocking(ServiceRequestContext ctx, Handler handler) {
    return HttpResponse.of(
        () -> {
          try {
            return QueryGuard.cancellable(ctx, handler::handle);
          } catch (TraceQlException | IllegalArgumentException e) {
            return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8, e.getMessage());
          } catch (UnsupportedOperationException e) {
            return HttpResponse.of(HttpStatus.NOT_IMPLEMENTED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage());
          } catch (Exception e) {
            return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8, "internal error: " + e);
          }
        },
        ctx.blockingTaskExecutor());
  }

  private HttpResponse range(ServiceRequestContext ctx) {
    String q = query(ctx);
    long[] bounds = bounds(ctx);
    String stepParam = ctx.queryParam("step");
    long step = stepParam == null || stepParam.isBlank() ? defaultStep(bounds[0], bounds[1]) : secondsOrDuration(stepParam, "step");
    int exemplars = 0;
    String e = ctx.queryParam("exemplars");
    if (e != null && !e.isBlank()) {
      try {
        exemplars = (int) Math.min(MAX_EXEMPLARS, Long.parseLong(e.trim()));
      } catch (NumberFormatException ignored) {
        // Tempo ignores an unparsable exemplars parameter.
      }
    }
    MetricsResult result = metrics.queryRange(q, bounds[0], bounds[1], step, Math.max(0, exemplars));
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
    String q = query(ctx);
    long[] bounds = bounds(ctx);
    MetricsResult result = metrics.instant(q, bounds[0], bounds[1]);
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

  private static String query(ServiceRequestContext ctx) {
    String q = ctx.queryParam("q");
    if (q == null || q.isBlank()) {
      q = ctx.queryParam("query");
    }
    if (q == null || q.isBlank()) {
      throw new IllegalArgumentException("q: missing (expected: a TraceQL metrics query such as { } | rate())");
    }
    return q;
  }

  /** Tempo's bounds: end defaults to now, start to end minus {@code since} (default one hour). */
  private long[] bounds(ServiceRequestContext ctx) {
    long now = clock.instant().getEpochSecond() * SECOND + clock.instant().getNano();
    long since = DEFAULT_SINCE;
    String sinceParam = ctx.queryParam("since");
    if (sinceParam != null && !sinceParam.isBlank()) {
      since = promDuration(sinceParam.trim());
    }
    long end = timestamp(ctx.queryParam("end"), now, "end");
    long endOrNow = Math.min(end, now);
    long start = timestamp(ctx.queryParam("start"), Math.max(0, endOrNow - since), "start");
    if (end <= start) {
      throw new IllegalArgumentException("invalid start and end: end (" + end + ") must be after start (" + start + ")");
    }
    // start 0 (start=0, or a since longer than the epoch) is a range like any other here.
    QueryGuard.checkRange("start/end", Math.max(1, start), end);
    return new long[] {start, end};
  }

  /** Unix seconds (10 digits or fewer), unix nanoseconds, fractional seconds, or RFC 3339. */
  static long timestamp(String value, long def, String name) {
    if (value == null || value.isBlank()) {
      return def;
    }
    String v = value.trim();
    if (v.contains(".")) {
      try {
        double seconds = Double.parseDouble(v);
        if (!(seconds >= 0 && seconds < Long.MAX_VALUE / SECOND)) {
          throw new IllegalArgumentException(name + ": " + value + " (expected: a time from 1970 to 2262)");
        }
        long whole = (long) Math.floor(seconds);
        long millis = Math.round((seconds - whole) * 1000);
        return whole * SECOND + millis * 1_000_000L;
      } catch (NumberFormatException e) {
        // Fall through to RFC 3339.
      }
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: a time from 1970 to 2262)");
      }
      return v.length() <= 10 ? QueryGuard.times(name, value, n, SECOND, "a time from 1970 to 2262") : n;
    } catch (NumberFormatException e) {
      try {
        OffsetDateTime t = OffsetDateTime.parse(v);
        if (t.toEpochSecond() < 0) {
          throw new IllegalArgumentException(name + ": " + value + " (expected: a time from 1970 to 2262)");
        }
        return QueryGuard.times(name, value, t.toEpochSecond(), SECOND, "a time from 1970 to 2262") + t.getNano();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("could not parse '" + name + "' parameter: " + value);
      }
    }
  }

  /** Tempo's step: seconds as a number, or a Go duration such as {@code 30s}, {@code 1m30s}. */
  static long secondsOrDuration(String value, String name) {
    String v = value.trim();
    long nanos;
    try {
      double seconds = Double.parseDouble(v);
      if (Double.isNaN(seconds) || Double.isInfinite(seconds) || Math.abs(seconds) >= Long.MAX_VALUE / SECOND) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: a positive duration up to 292 years)");
      }
      nanos = Math.round(seconds * SECOND);
    } catch (NumberFormatException e) {
      nanos = goDuration(v, name);
    }
    if (nanos <= 0) {
      throw new IllegalArgumentException("cannot parse \"" + value + "\": " + name + " must be positive");
    }
    return nanos;
  }

  private static final Pattern GO_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
  private static final Pattern PROM_PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");

  static long goDuration(String v, String name) {
    Matcher m = GO_PART.matcher(v);
    int at = 0;
    double nanos = 0;
    while (at < v.length() && m.find(at) && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      nanos += n * switch (m.group(2)) {
        case "ns" -> 1;
        case "us", "µs" -> 1e3;
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      at = m.end();
    }
    if (at != v.length() || v.isEmpty()) {
      throw new IllegalArgumentException("cannot parse \"" + v + "\" to a valid duration (" + name + ")");
    }
    if (!(nanos < Long.MAX_VALUE)) {
      throw new IllegalArgumentException(name + ": " + v + " (expected: a duration up to 292 years)");
    }
    return Math.round(nanos);
  }

  /** Prometheus durations, as Tempo reads {@code since}: {@code 1h}, {@code 30m}, {@code 7d}, {@code 1h30m}. */
  static long promDuration(String v) {
    Matcher m = PROM_PART.matcher(v);
    int at = 0;
    long nanos = 0;
    while (at < v.length() && m.find(at) && m.start() == at) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("since: " + v + " (expected: a duration up to 292 years)");
      }
      long unit = switch (m.group(2)) {
        case "ms" -> 1_000_000L;
        case "s" -> SECOND;
        case "m" -> 60 * SECOND;
        case "h" -> 3600 * SECOND;
        case "d" -> 86_400 * SECOND;
        case "w" -> 7 * 86_400 * SECOND;
        default -> 365 * 86_400 * SECOND;
      };
      try {
        nanos = Math.addExact(nanos, Math.multiplyExact(n, unit));
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("since: " + v + " (expected: a duration up to 292 years)");
      }
      at = m.end();
    }
    if (at != v.length() || v.isEmpty()) {
      throw new IllegalArgumentException("could not parse 'since' parameter: " + v);
    }
    return nanos;
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
