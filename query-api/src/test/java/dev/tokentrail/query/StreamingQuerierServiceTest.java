package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.query.metrics.TraceQlMetrics.Exemplar;
import dev.tokentrail.query.metrics.TraceQlMetrics.Label;
import dev.tokentrail.query.metrics.TraceQlMetrics.MetricsResult;
import dev.tokentrail.query.metrics.TraceQlMetrics.Sample;
import dev.tokentrail.query.metrics.TraceQlMetrics.Series;
import dev.tokentrail.query.metrics.TraceQlMetrics;
import dev.tokentrail.query.tempopb.QueryInstantRequest;
import dev.tokentrail.query.tempopb.QueryInstantResponse;
import dev.tokentrail.query.tempopb.QueryRangeRequest;
import dev.tokentrail.query.tempopb.QueryRangeResponse;
import dev.tokentrail.query.tempopb.TimeSeries;
import dev.tokentrail.query.traceql.TraceQlParser;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamingQuerierServiceTest {
  private static final long S = 1_000_000_000L;
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

  /** Records what the engine was asked and answers a fixed result. */
  static final class FakeMetrics implements TraceQlMetrics {
    final MetricsResult result;
    String q;
    long start;
    long end;
    long step;
    int maxExemplars;
    boolean instant;

    String tenant;

    FakeMetrics(MetricsResult result) {
      this.result = result;
    }

    @Override
    public MetricsResult queryRange(String tenant, String q, long startNanos, long endNanos, long stepNanos, int maxExemplars) {
      this.tenant = tenant;
      this.q = q;
      this.start = startNanos;
      this.end = endNanos;
      this.step = stepNanos;
      this.maxExemplars = maxExemplars;
      return result;
    }

    @Override
    public MetricsResult instant(String tenant, String q, long startNanos, long endNanos) {
      this.q = q;
      this.start = startNanos;
      this.end = endNanos;
      this.instant = true;
      return result;
    }
  }

  static final class Recorder<T> implements StreamObserver<T> {
    final List<T> messages = new ArrayList<>();
    Throwable error;
    boolean completed;

    @Override
    public void onNext(T value) {
      messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  private static final MetricsResult RESULT = new MetricsResult(
      List.of(
          new Series(
              List.of(new Label("span.gen_ai.request.model", "claude-sonnet-4"), new Label("resource.team.id", 7L)),
              "{span.gen_ai.request.model=\"claude-sonnet-4\", resource.team.id=7}",
              List.of(new Sample(1_000, 0.5), new Sample(2_000, Double.NaN), new Sample(3_000, 1.25)),
              List.of(
                  new Exemplar(List.of(new Label("trace:id", "abc"), new Label("span:duration", 1.5)), 0.5, 1_000),
                  new Exemplar(List.of(new Label("trace:id", "def")), Double.NaN, 2_000))),
          // Every sample NaN: Tempo leaves the series out.
          new Series(List.of(new Label("span.flag", true)), "{span.flag=true}",
              List.of(new Sample(1_000, Double.NaN)), List.of())),
      4_321);

  /** The service reads the request's tenant from its context, as Armeria sets it for a gRPC call. */
  private com.linecorp.armeria.common.util.SafeCloseable inRequest;

  @org.junit.jupiter.api.BeforeEach
  void enterRequest() {
    inRequest = com.linecorp.armeria.server.ServiceRequestContext.of(com.linecorp.armeria.common.HttpRequest.of(
        com.linecorp.armeria.common.HttpMethod.POST, "/tempopb.StreamingQuerier/MetricsQueryRange")).push();
  }

  @org.junit.jupiter.api.AfterEach
  void leaveRequest() {
    inRequest.close();
  }

  @Test
  void metricsQueryRangeStreamsProgressThenTheConvertedResult() {
    FakeMetrics engine = new FakeMetrics(RESULT);
    StreamingQuerierService service = new StreamingQuerierService(null, engine, CLOCK);
    Recorder<QueryRangeResponse> out = new Recorder<>();
    service.metricsQueryRange(
        QueryRangeRequest.newBuilder()
            .setQuery("{ } | rate() by (span.gen_ai.request.model)")
            .setStart(1000 * S).setEnd(1060 * S).setStep(15 * S).setExemplars(7)
            .build(),
        out);

    assertThat(out.error).isNull();
    assertThat(out.completed).isTrue();
    assertThat(engine.q).isEqualTo("{ } | rate() by (span.gen_ai.request.model)");
    assertThat(engine.tenant).as("the request's tenant").isEqualTo(dev.tokentrail.store.Tenants.DEFAULT);
    assertThat(engine.start).isEqualTo(1000 * S);
    assertThat(engine.end).isEqualTo(1060 * S);
    assertThat(engine.step).isEqualTo(15 * S);
    assertThat(engine.maxExemplars).isEqualTo(7);
    assertThat(out.messages).hasSize(2);
    QueryRangeResponse progress = out.messages.get(0);
    assertThat(progress.getSeriesCount()).isZero();
    assertThat(progress.getMetrics().getTotalJobs()).isEqualTo(1);
    assertThat(progress.getMetrics().getCompletedJobs()).isZero();

    QueryRangeResponse last = out.messages.get(1);
    assertThat(last.getMetrics().getInspectedSpans()).isEqualTo(4_321);
    assertThat(last.getMetrics().getCompletedJobs()).isEqualTo(1);
    assertThat(last.getMetrics().getTotalJobs()).isEqualTo(1);
    assertThat(last.getSeriesCount()).isEqualTo(1);
    TimeSeries series = last.getSeries(0);
    assertThat(series.getLabelsList()).containsExactly(
        kv("span.gen_ai.request.model", AnyValue.newBuilder().setStringValue("claude-sonnet-4")),
        kv("resource.team.id", AnyValue.newBuilder().setIntValue(7)));
    assertThat(series.getSamplesList())
        .extracting(s -> s.getTimestampMs(), s -> s.getValue())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1_000L, 0.5), org.assertj.core.groups.Tuple.tuple(3_000L, 1.25));
    assertThat(series.getExemplarsCount()).isEqualTo(1);
    assertThat(series.getExemplars(0).getValue()).isEqualTo(0.5);
    assertThat(series.getExemplars(0).getTimestampMs()).isEqualTo(1_000);
    assertThat(series.getExemplars(0).getLabelsList()).containsExactly(
        kv("trace:id", AnyValue.newBuilder().setStringValue("abc")),
        kv("span:duration", AnyValue.newBuilder().setDoubleValue(1.5)));
  }

  @Test
  void metricsQueryInstantAnswersEachSeriesLastValue() {
    FakeMetrics engine = new FakeMetrics(RESULT);
    StreamingQuerierService service = new StreamingQuerierService(null, engine, CLOCK);
    Recorder<QueryInstantResponse> out = new Recorder<>();
    service.metricsQueryInstant(
        QueryInstantRequest.newBuilder().setQuery("{ } | count_over_time()").setStart(1000 * S).setEnd(1060 * S).build(), out);
    assertThat(out.error).isNull();
    assertThat(out.completed).isTrue();
    assertThat(engine.instant).isTrue();
    assertThat(engine.start).isEqualTo(1000 * S);
    assertThat(engine.end).isEqualTo(1060 * S);
    assertThat(out.messages).hasSize(2);
    assertThat(out.messages.get(0).getSeriesCount()).isZero();
    QueryInstantResponse last = out.messages.get(1);
    assertThat(last.getMetrics().getInspectedSpans()).isEqualTo(4_321);
    assertThat(last.getSeriesCount()).isEqualTo(1);
    assertThat(last.getSeries(0).getValue()).isEqualTo(1.25);
    assertThat(last.getSeries(0).getLabelsList()).containsExactly(
        kv("span.gen_ai.request.model", AnyValue.newBuilder().setStringValue("claude-sonnet-4")),
        kv("resource.team.id", AnyValue.newBuilder().setIntValue(7)));
  }

  @Test
  void metricsDefaultsFollowTempo() {
    FakeMetrics engine = new FakeMetrics(new MetricsResult(List.of(), 0));
    StreamingQuerierService service = new StreamingQuerierService(null, engine, CLOCK);
    Recorder<QueryRangeResponse> out = new Recorder<>();
    // No step: about 240 points over the hour, rounded down to 15s. No exemplars asked: Tempo's 100.
    service.metricsQueryRange(QueryRangeRequest.newBuilder().setQuery("{ } | rate()").setStart(0 * S + 1).setEnd(3600 * S + 1).build(), out);
    assertThat(out.error).isNull();
    assertThat(engine.step).isEqualTo(15 * S);
    assertThat(engine.maxExemplars).isEqualTo(StreamingQuerierService.MAX_EXEMPLARS);

    // Too many exemplars asked: capped. No start/end: the last hour.
    out = new Recorder<>();
    service.metricsQueryRange(QueryRangeRequest.newBuilder().setQuery("{ } | rate()").setExemplars(5000).build(), out);
    assertThat(engine.maxExemplars).isEqualTo(StreamingQuerierService.MAX_EXEMPLARS);
    assertThat(engine.end).isEqualTo(CLOCK.millis() * 1_000_000L);
    assertThat(engine.start).isEqualTo(engine.end - 3600 * S);

    // instant = true runs the instant query.
    out = new Recorder<>();
    service.metricsQueryRange(QueryRangeRequest.newBuilder().setQuery("{ } | rate()").setStart(S).setEnd(2 * S).setInstant(true).build(), out);
    assertThat(engine.instant).isTrue();
    assertThat(out.completed).isTrue();
  }

  @Test
  void streamingUsesTheHttpApisDefaultStepAsTempoDoes() {
    assertThat(MetricsApi.defaultStep(0, 3600 * S)).isEqualTo(15 * S);
    assertThat(MetricsApi.defaultStep(0, 24 * 3600 * S)).isEqualTo(360 * S - 60 * S);
    assertThat(MetricsApi.defaultStep(0, 7 * 24 * 3600 * S)).isEqualTo(2520 * S - 120 * S);
    assertThat(MetricsApi.defaultStep(0, 30 * S)).isEqualTo(100_000_000L);
    assertThat(MetricsApi.defaultStep(0, S)).isEqualTo(50_000_000L);
    assertThat(MetricsApi.defaultStep(0, 120 * S)).isEqualTo(S);
  }

  @Test
  void badQueriesAndParametersAreInvalidArgument() {
    TraceQlMetrics failing = new TraceQlMetrics() {
      @Override
      public MetricsResult queryRange(String tenant, String q, long startNanos, long endNanos, long stepNanos, int maxExemplars) {
        TraceQlParser.parse(q);
        throw new AssertionError("parse should have failed");
      }

      @Override
      public MetricsResult instant(String tenant, String q, long startNanos, long endNanos) {
        throw new AssertionError();
      }
    };
    StreamingQuerierService service = new StreamingQuerierService(null, failing, CLOCK);
    Recorder<QueryRangeResponse> out = new Recorder<>();
    service.metricsQueryRange(QueryRangeRequest.newBuilder().setQuery("{ span.x = }").setStart(S).setEnd(2 * S).build(), out);
    assertThat(statusOf(out.error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(statusOf(out.error).getDescription()).startsWith("TraceQL error at column");
    assertThat(out.completed).isFalse();

    for (QueryRangeRequest bad : List.of(
        QueryRangeRequest.newBuilder().setQuery(" ").build(),
        QueryRangeRequest.newBuilder().setQuery("{ } | rate()").setStart(5 * S).setEnd(2 * S).build())) {
      out = new Recorder<>();
      service.metricsQueryRange(bad, out);
      assertThat(statusOf(out.error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(out.messages).isEmpty();
    }
  }

  /** The status the service's exception handler answers for {@code error}, as Armeria applies it. */
  private static Status statusOf(Throwable error) {
    com.linecorp.armeria.server.ServiceRequestContext ctx = com.linecorp.armeria.server.ServiceRequestContext.of(
        com.linecorp.armeria.common.HttpRequest.of(com.linecorp.armeria.common.HttpMethod.POST,
            "/tempopb.StreamingQuerier/MetricsQueryRange"));
    Status status = new QueryGrpcErrors().apply(ctx, Status.UNKNOWN, error, new io.grpc.Metadata());
    return status != null ? status : Status.fromThrowable(error);
  }

  @Test
  void tagsMapBecomesTheLegacyTagsParameter() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("service.name", "support bot");
    tags.put("http.status_code", "500");
    assertThat(StreamingQuerierService.logfmt(tags)).isEqualTo("service.name=\"support bot\" http.status_code=\"500\"");
    assertThat(StreamingQuerierService.logfmt(Map.of())).isNull();
    // The same filter /api/search builds from tags=...
    assertThat(TempoApi.tagsFilter(StreamingQuerierService.logfmt(tags)))
        .isEqualTo(TempoApi.tagsFilter("service.name=\"support bot\" http.status_code=500"));
  }

  private static KeyValue kv(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }
}
