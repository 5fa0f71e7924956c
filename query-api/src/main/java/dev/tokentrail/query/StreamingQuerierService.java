package dev.tokentrail.query;

import dev.tokentrail.query.metrics.TraceQlMetrics.Exemplar;
import dev.tokentrail.query.metrics.TraceQlMetrics.Label;
import dev.tokentrail.query.metrics.TraceQlMetrics.MetricsResult;
import dev.tokentrail.query.metrics.TraceQlMetrics.Sample;
import dev.tokentrail.query.metrics.TraceQlMetrics.Series;
import dev.tokentrail.query.metrics.TraceQlMetrics;
import dev.tokentrail.query.tempopb.InstantSeries;
import dev.tokentrail.query.tempopb.QueryInstantRequest;
import dev.tokentrail.query.tempopb.QueryInstantResponse;
import dev.tokentrail.query.tempopb.QueryRangeRequest;
import dev.tokentrail.query.tempopb.QueryRangeResponse;
import dev.tokentrail.query.tempopb.SearchMetrics;
import dev.tokentrail.query.tempopb.SearchRequest;
import dev.tokentrail.query.tempopb.SearchResponse;
import dev.tokentrail.query.tempopb.SpanSet;
import dev.tokentrail.query.tempopb.StreamingQuerierGrpc;
import dev.tokentrail.query.tempopb.TimeSeries;
import dev.tokentrail.query.tempopb.TraceSearchMetadata;
import dev.tokentrail.query.traceql.TraceQl;
import dev.tokentrail.security.RequestTenant;
import dev.tokentrail.store.TraceMatch;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Grafana Tempo's gRPC {@code tempopb.StreamingQuerier}: what Grafana's Tempo data source calls
 * when its streaming switches are on. {@code Search} runs the search of {@code /api/search}
 * ({@link TempoApi#search}), {@code MetricsQueryRange} and {@code MetricsQueryInstant} (Grafana's
 * metrics queries of type instant) the TraceQL metrics engine. Each streams
 * as Tempo's query frontend does: progress messages (job counts in {@code metrics}), then a final
 * message with the whole result, then the end of the stream, which is what Grafana waits for. Bad
 * queries and parameters answer INVALID_ARGUMENT with the message {@code /api/search} would give
 * ({@link QueryGrpcErrors}).
 */
final class StreamingQuerierService extends StreamingQuerierGrpc.StreamingQuerierImplBase {
  private static final int DEFAULT_LIMIT = 20;
  private static final int MAX_LIMIT = 10_000;
  private static final int DEFAULT_SPSS = 3;
  private static final int MAX_SPSS = 1000;
  /** Tempo's query frontend default (metrics.max_exemplars): asked-for 0 means this many, more is capped. */
  static final int MAX_EXEMPLARS = 100;
  private static final long DEFAULT_METRICS_WINDOW_NANOS = 3600L * 1_000_000_000L;

  private final TempoApi tempo;
  private final TraceQlMetrics metrics;
  private final Clock clock;

  StreamingQuerierService(TempoApi tempo, TraceQlMetrics metrics, Clock clock) {
    this.tempo = tempo;
    this.metrics = metrics;
    this.clock = clock;
  }

  // ---------------------------------------------------------------------------------------------
  // Search

  @Override
  public void search(SearchRequest request, StreamObserver<SearchResponse> out) {
    try {
      TraceQl query = TempoApi.searchQuery(request.getQuery(), logfmt(request.getTagsMap()));
      long[] window = tempo.window(
          Integer.toUnsignedLong(request.getStart()) * 1_000_000_000L,
          Integer.toUnsignedLong(request.getEnd()) * 1_000_000_000L);
      int limit = bounded("Limit", request.getLimit(), DEFAULT_LIMIT, MAX_LIMIT);
      int spss = bounded("SpansPerSpanSet", request.getSpansPerSpanSet(), DEFAULT_SPSS, MAX_SPSS);
      long minDuration = Integer.toUnsignedLong(request.getMinDurationMs()) * 1_000_000L;
      long maxDuration = Integer.toUnsignedLong(request.getMaxDurationMs()) * 1_000_000L;
      // Progress as Tempo's frontend reports it: the job is known, none has completed.
      if (!send(out, SearchResponse.newBuilder().setMetrics(searchMetrics(0, 0)).build())) {
        return;
      }
      TempoApi.SearchResult result =
          tempo.search(query, TempoApi.isTraceQl(request.getQuery()), window[0], window[1], minDuration, maxDuration,
              limit, spss);
      if (send(out, searchResponse(result))) {
        out.onCompleted();
      }
    } catch (RuntimeException e) {
      fail(out, e);
    }
  }

  /** The final message: every matched trace as {@code /api/search} lists them, and the search's metrics. */
  static SearchResponse searchResponse(TempoApi.SearchResult result) {
    SearchResponse.Builder response = SearchResponse.newBuilder();
    for (TraceMatch match : result.matches()) {
      response.addTraces(traceMetadata(match, result.shown(), result.traceQl()));
    }
    return response.setMetrics(searchMetrics(result.matches().size(), 1)).build();
  }

  private static SearchMetrics searchMetrics(int inspectedTraces, int completedJobs) {
    return SearchMetrics.newBuilder()
        .setInspectedTraces(inspectedTraces)
        .setTotalBlocks(1)
        .setTotalJobs(1)
        .setCompletedJobs(completedJobs)
        .build();
  }

  private static TraceSearchMetadata traceMetadata(TraceMatch match, List<TempoApi.Shown> shown, boolean traceQl) {
    TraceSearchMetadata.Builder trace =
        TraceSearchMetadata.newBuilder()
            .setTraceID(TempoApi.trimLeadingZeros(match.summary().traceId().hex()))
            .setRootServiceName(match.summary().rootServiceName())
            .setRootTraceName(match.summary().rootSpanName())
            .setStartTimeUnixNano(match.summary().startEpochNanos())
            .setDurationMs((int) Math.min(match.summary().durationNanos() / 1_000_000, 0xFFFF_FFFFL));
    if (!traceQl) {
      return trace.build();
    }
    SpanSet.Builder spanSet = SpanSet.newBuilder().setMatched(match.matchedCount());
    for (dev.tokentrail.model.Span span : match.matchedSpans()) {
      dev.tokentrail.query.tempopb.Span.Builder out =
          dev.tokentrail.query.tempopb.Span.newBuilder()
              .setSpanID(span.spanId().hex())
              .setName(span.name())
              .setStartTimeUnixNano(span.startEpochNanos())
              .setDurationNanos(span.durationNanos());
      for (TempoApi.Shown s : shown) {
        Object value = s.valueOf(span);
        if (value != null) {
          out.addAttributes(keyValue(s.key(), value));
        }
      }
      spanSet.addSpans(out);
    }
    for (Map.Entry<String, Double> e : match.aggregates().entrySet()) {
      double v = e.getValue();
      AnyValue value = TempoApi.isIntAggregate(e.getKey(), v)
          ? AnyValue.newBuilder().setIntValue((long) v).build()
          : AnyValue.newBuilder().setDoubleValue(v).build();
      spanSet.addAttributes(KeyValue.newBuilder().setKey(e.getKey()).setValue(value));
    }
    SpanSet built = spanSet.build();
    // Tempo fills the deprecated spanSet with the first of spanSets for older Grafana versions.
    return trace.setSpanSet(built).addSpanSets(built).build();
  }

  /** The request's Tags map as the logfmt {@code tags} parameter of {@code /api/search}. */
  static String logfmt(Map<String, String> tags) {
    if (tags.isEmpty()) {
      return null;
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String key = tag.getKey();
      String value = tag.getValue();
      if (key.isEmpty() || key.contains("=") || key.contains(" ") || key.contains("\"") || value.contains("\"")) {
        throw new IllegalArgumentException("Tags: " + key + "=" + value + " (expected: keys without '=', spaces or quotes, values without quotes)");
      }
      if (!out.isEmpty()) {
        out.append(' ');
      }
      out.append(key).append("=\"").append(value).append('"');
    }
    return out.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Metrics

  @Override
  public void metricsQueryRange(QueryRangeRequest request, StreamObserver<QueryRangeResponse> out) {
    try {
      String q = metricsQuery(request.getQuery());
      long[] window = metricsWindow(request.getStart(), request.getEnd());
      long start = window[0];
      long end = window[1];
      long step = request.getStep() == 0 ? MetricsApi.defaultStep(start, end) : request.getStep();
      if (step < 0) {
        throw new IllegalArgumentException("step: out of range (expected: nanoseconds > 0)");
      }
      int exemplars = request.getExemplars() == 0 || Integer.compareUnsigned(request.getExemplars(), MAX_EXEMPLARS) > 0
          ? MAX_EXEMPLARS
          : request.getExemplars();
      if (!send(out, QueryRangeResponse.newBuilder().setMetrics(searchMetrics(0, 0)).build())) {
        return;
      }
      MetricsResult result = request.hasInstant() && request.getInstant()
          ? metrics.instant(RequestTenant.current(), q, start, end)
          : metrics.queryRange(RequestTenant.current(), q, start, end, step, exemplars);
      if (send(out, queryRangeResponse(result))) {
        out.onCompleted();
      }
    } catch (RuntimeException e) {
      fail(out, e);
    }
  }

  @Override
  public void metricsQueryInstant(QueryInstantRequest request, StreamObserver<QueryInstantResponse> out) {
    try {
      String q = metricsQuery(request.getQuery());
      long[] window = metricsWindow(request.getStart(), request.getEnd());
      if (!send(out, QueryInstantResponse.newBuilder().setMetrics(searchMetrics(0, 0)).build())) {
        return;
      }
      MetricsResult result = metrics.instant(RequestTenant.current(), q, window[0], window[1]);
      if (send(out, queryInstantResponse(result))) {
        out.onCompleted();
      }
    } catch (RuntimeException e) {
      fail(out, e);
    }
  }

  private static String metricsQuery(String q) {
    if (q.isBlank()) {
      throw new IllegalArgumentException("query: empty (expected: a TraceQL metrics query such as { } | rate())");
    }
    return q;
  }

  /** start/end in unix nanoseconds; 0 end = now, 0 start = an hour before end. */
  private long[] metricsWindow(long startNanos, long endNanos) {
    long end = endNanos == 0 ? clock.millis() * 1_000_000L : endNanos;
    long start = startNanos == 0 ? end - DEFAULT_METRICS_WINDOW_NANOS : startNanos;
    if (start < 0 || end < 0) {
      throw new IllegalArgumentException("start, end: out of range (expected: unix nanoseconds)");
    }
    if (start >= end) {
      throw new IllegalArgumentException("start: not before end (expected: start < end)");
    }
    return new long[] {start, end};
  }

  /** An instant result: each series' value is its last sample that is a number; series without one are left out. */
  static QueryInstantResponse queryInstantResponse(MetricsResult result) {
    QueryInstantResponse.Builder response = QueryInstantResponse.newBuilder();
    for (Series series : result.series()) {
      Double value = null;
      for (Sample sample : series.samples()) {
        if (!Double.isNaN(sample.value())) {
          value = sample.value();
        }
      }
      if (value == null) {
        continue;
      }
      InstantSeries.Builder out = InstantSeries.newBuilder().setValue(value);
      for (Label label : series.labels()) {
        out.addLabels(keyValue(label.key(), label.value()));
      }
      response.addSeries(out);
    }
    return response
        .setMetrics(SearchMetrics.newBuilder()
            .setInspectedSpans(result.inspectedSpans())
            .setTotalBlocks(1)
            .setTotalJobs(1)
            .setCompletedJobs(1))
        .build();
  }

  /**
   * A metrics result as Tempo answers it: labels typed as OTLP values, NaN samples left out, series
   * without samples dropped, exemplars of NaN value dropped.
   */
  static QueryRangeResponse queryRangeResponse(MetricsResult result) {
    QueryRangeResponse.Builder response = QueryRangeResponse.newBuilder();
    for (Series series : result.series()) {
      TimeSeries.Builder out = TimeSeries.newBuilder();
      for (Label label : series.labels()) {
        out.addLabels(keyValue(label.key(), label.value()));
      }
      for (Sample sample : series.samples()) {
        if (!Double.isNaN(sample.value())) {
          out.addSamples(dev.tokentrail.query.tempopb.Sample.newBuilder()
              .setTimestampMs(sample.timestampMs())
              .setValue(sample.value()));
        }
      }
      if (out.getSamplesCount() == 0) {
        continue;
      }
      for (Exemplar exemplar : series.exemplars()) {
        if (Double.isNaN(exemplar.value())) {
          continue;
        }
        dev.tokentrail.query.tempopb.Exemplar.Builder e =
            dev.tokentrail.query.tempopb.Exemplar.newBuilder()
                .setValue(exemplar.value())
                .setTimestampMs(exemplar.timestampMs());
        for (Label label : exemplar.labels()) {
          e.addLabels(keyValue(label.key(), label.value()));
        }
        out.addExemplars(e);
      }
      response.addSeries(out);
    }
    return response
        .setMetrics(SearchMetrics.newBuilder()
            .setInspectedSpans(result.inspectedSpans())
            .setTotalBlocks(1)
            .setTotalJobs(1)
            .setCompletedJobs(1))
        .build();
  }

  // ---------------------------------------------------------------------------------------------

  /** OTLP AnyValue as {@link TempoApi#anyValue} writes it in JSON. */
  static KeyValue keyValue(String key, Object value) {
    AnyValue.Builder v = AnyValue.newBuilder();
    if (value instanceof String s) {
      v.setStringValue(s);
    } else if (value instanceof Long l) {
      v.setIntValue(l);
    } else if (value instanceof Integer i) {
      v.setIntValue(i);
    } else if (value instanceof Double d) {
      v.setDoubleValue(d);
    } else if (value instanceof Boolean b) {
      v.setBoolValue(b);
    } else {
      v.setStringValue(String.valueOf(value));
    }
    return KeyValue.newBuilder().setKey(key).setValue(v).build();
  }

  /** 0 (unset in proto3) means the default, as in Tempo. */
  private static int bounded(String name, int value, int defaultValue, int max) {
    if (value == 0) {
      return defaultValue;
    }
    if (Integer.compareUnsigned(value, max) > 0) {
      throw new IllegalArgumentException(name + ": " + Integer.toUnsignedString(value) + " (expected: an integer from 1 to " + max + ")");
    }
    return value;
  }

  /** Sends unless the client has gone; false if it has (nothing more is sent then). */
  private static <T> boolean send(StreamObserver<T> out, T message) {
    if (out instanceof ServerCallStreamObserver<T> call && call.isCancelled()) {
      return false;
    }
    out.onNext(message);
    return true;
  }

  /** Ends the call with {@code e}, which the service's {@link QueryGrpcErrors} turns into its status. */
  private static void fail(StreamObserver<?> out, RuntimeException e) {
    if (out instanceof ServerCallStreamObserver<?> call && call.isCancelled()) {
      return;
    }
    out.onError(e);
  }
}
