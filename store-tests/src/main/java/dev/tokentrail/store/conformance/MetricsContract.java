package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.MetricsSeries;
import dev.tokentrail.store.SpanFilter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TraceQL metrics: spans in [start, end) bucketed by step, grouped by the {@code by} fields, with
 * the count of spans and the count, sum, minimum, maximum (and values) of the field per bucket;
 * exemplars.
 */
public abstract class MetricsContract extends StoreContract {
  private static final long STEP = 10 * SECOND;

  private Span at(long offset, Map<String, Object> attributes) {
    return spans.span(spans.traceId(), "op", T0 + offset, SECOND).attributes(attributes).build();
  }

  private MetricsAnswer metrics(SpanFilter filter, FieldRef field, List<FieldRef> by, boolean keep, int exemplars) {
    return store.metrics(TENANT, new MetricsQuery(filter, field, by, T0, T0 + 3 * STEP, STEP, keep, exemplars));
  }

  private static Map<List<Object>, MetricsSeries> byGroup(MetricsAnswer answer) {
    Map<List<Object>, MetricsSeries> out = new HashMap<>();
    for (MetricsSeries s : answer.series()) {
      out.put(s.groupValues(), s);
    }
    assertThat(out).as("one series per group").hasSameSizeAs(answer.series());
    return out;
  }

  @Test
  protected void spansAreCountedPerBucketInsideTheHalfOpenRange() {
    writeVisible(at(-1, Map.of()), at(0, Map.of()), at(STEP, Map.of()), at(STEP + 1, Map.of()), at(2 * STEP + 5, Map.of()),
        at(3 * STEP, Map.of()));
    MetricsAnswer answer = metrics(SpanFilter.all(), null, List.of(), false, 0);
    assertThat(answer.inspectedSpans()).isEqualTo(4);
    assertThat(answer.series()).hasSize(1);
    MetricsSeries s = answer.series().get(0);
    assertThat(s.groupValues()).isEmpty();
    assertThat(s.counts()).containsExactly(1, 2, 1);
    assertThat(s.exemplars()).isEmpty();
  }

  @Test
  protected void fieldStatisticsArePerBucketOverSpansHavingTheField() {
    writeVisible(at(0, Map.of("n", 4L)), at(1, Map.of("n", 1.5)), at(2, Map.of()), at(3, Map.of("n", "text")),
        at(2 * STEP, Map.of("n", 7L)));
    MetricsSeries s = metrics(SpanFilter.all(), FieldRef.span("n"), List.of(), true, 0).series().get(0);
    assertThat(s.counts()).containsExactly(4, 0, 1);
    assertThat(s.fieldCounts()).containsExactly(2, 0, 1);
    assertThat(s.sums()[0]).isCloseTo(5.5, within(1e-12));
    assertThat(s.sums()[2]).isCloseTo(7, within(1e-12));
    assertThat(s.mins()[0]).isEqualTo(1.5);
    assertThat(s.maxs()[0]).isEqualTo(4.0);
    assertThat(s.mins()[1]).isNaN();
    assertThat(s.maxs()[1]).isNaN();
    assertThat(sorted(s.values()[0])).containsExactly(1.5, 4.0);
    assertThat(s.values()[1]).isEmpty();
    assertThat(s.values()[2]).containsExactly(7.0);
  }

  private static double[] sorted(double[] values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    return copy;
  }

  @Test
  protected void durationIsReadInSeconds() {
    writeVisible(spans.span(spans.traceId(), "op", T0, 2 * SECOND).build(),
        spans.span(spans.traceId(), "op", T0 + 1, SECOND / 2).build());
    MetricsSeries s = metrics(SpanFilter.all(), FieldRef.intrinsic(FieldRef.DURATION), List.of(), false, 0).series().get(0);
    assertThat(s.sums()[0]).isCloseTo(2.5, within(1e-9));
    assertThat(s.maxs()[0]).isCloseTo(2.0, within(1e-9));
    assertThat(s.values()).isNull();
  }

  @Test
  protected void seriesAreGroupedByTypedValuesNullWhereASpanLacksTheField() {
    writeVisible(at(0, Map.of("env", "prod", "shard", 3L, "canary", true)), at(1, Map.of("env", "prod", "shard", 3L, "canary", true)),
        at(2, Map.of("env", "dev", "shard", 2.5, "canary", false)), at(3, Map.of()));
    Map<List<Object>, MetricsSeries> series = byGroup(metrics(SpanFilter.all(), null,
        List.of(FieldRef.span("env"), FieldRef.span("shard"), FieldRef.span("canary")), false, 0));
    assertThat(series).containsOnlyKeys(Arrays.asList("prod", 3L, true), Arrays.asList("dev", 2.5, false),
        Arrays.asList(null, null, null));
    assertThat(series.get(Arrays.asList("prod", 3L, true)).counts()).containsExactly(2, 0, 0);
  }

  @Test
  protected void seriesAreGroupedByIntrinsicsAndResourceAttributes() {
    writeVisible(
        spans.span(spans.traceId(), "a", T0, SECOND).resource(Resource.of(Map.of("service.name", "web"))).build(),
        spans.span(spans.traceId(), "a", T0 + 1, SECOND).resource(Resource.of(Map.of("service.name", "api"))).build(),
        spans.span(spans.traceId(), "b", T0 + 2, SECOND).resource(Resource.of(Map.of("service.name", "api"))).build());
    Map<List<Object>, MetricsSeries> series = byGroup(metrics(SpanFilter.all(), null,
        List.of(FieldRef.intrinsic(FieldRef.NAME), FieldRef.resource("service.name")), false, 0));
    assertThat(series).containsOnlyKeys(List.of("a", "web"), List.of("a", "api"), List.of("b", "api"));
    Map<List<Object>, MetricsSeries> byStatus = byGroup(metrics(SpanFilter.all(), null,
        List.of(FieldRef.intrinsic(FieldRef.STATUS), FieldRef.intrinsic(FieldRef.KIND)), false, 0));
    assertThat(byStatus).containsOnlyKeys(List.of("unset", "internal"));
  }

  @Test
  protected void theFilterAndTraceLevelConditionsSelectSpans() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "root", T0, SECOND).resource(TestSpans.service("bot")).build();
    writeVisible(root, spans.span(traceId, "child", T0 + 1, SECOND).parentSpanId(root.spanId()).build(),
        spans.span(spans.traceId(), "other", T0 + 2, SECOND).resource(TestSpans.service("etl")).build());
    MetricsAnswer answer = metrics(SpanFilter.eq(FieldRef.intrinsic(FieldRef.SERVICE), "bot"), null, List.of(), false, 0);
    assertThat(answer.inspectedSpans()).isEqualTo(2);
    assertThat(answer.series().get(0).counts()).containsExactly(2, 0, 0);
  }

  @Test
  protected void exemplarsAreSpansWithTheLargestValuePerSeriesAndBucket() {
    Span small = at(0, Map.of("n", 1L, "env", "prod"));
    Span large = at(1, Map.of("n", 9L, "env", "prod"));
    Span other = at(2, Map.of("n", 5L, "env", "dev"));
    Span nextBucket = at(STEP, Map.of("n", 2L, "env", "prod"));
    writeVisible(small, large, other, nextBucket, at(3, Map.of("env", "prod")));
    Map<List<Object>, MetricsSeries> series = byGroup(metrics(SpanFilter.all(), FieldRef.span("n"),
        List.of(FieldRef.span("env")), false, 10));
    assertThat(series.get(List.of("prod")).exemplars()).extracting(MetricsSeries.Exemplar::spanId, MetricsSeries.Exemplar::bucket,
        MetricsSeries.Exemplar::value).containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(large.spanId(), 0, 9.0), org.assertj.core.groups.Tuple.tuple(nextBucket.spanId(), 1, 2.0));
    MetricsSeries.Exemplar e = series.get(List.of("dev")).exemplars().get(0);
    assertThat(e.traceId()).isEqualTo(other.traceId());
    assertThat(e.startNanos()).isEqualTo(other.startEpochNanos());

    List<MetricsSeries.Exemplar> capped = new ArrayList<>();
    for (MetricsSeries s : metrics(SpanFilter.all(), FieldRef.span("n"), List.of(FieldRef.span("env")), false, 2).series()) {
      capped.addAll(s.exemplars());
    }
    assertThat(capped).hasSize(2);
  }

  @Test
  protected void exemplarsWithoutAFieldAreSpansOfTheBucket() {
    Span a = at(0, Map.of());
    Span b = at(STEP, Map.of());
    writeVisible(a, b);
    MetricsSeries s = metrics(SpanFilter.all(), null, List.of(), false, 10).series().get(0);
    assertThat(s.exemplars()).extracting(MetricsSeries.Exemplar::spanId).containsExactlyInAnyOrder(a.spanId(), b.spanId());
    assertThat(s.exemplars()).allSatisfy(e -> assertThat(e.value()).isNaN());
  }

  @Test
  protected void groupingsNoSpanHasAreRefused() {
    writeVisible(at(0, Map.of()));
    assertThatThrownBy(() -> metrics(SpanFilter.all(), null, List.of(FieldRef.intrinsic(FieldRef.SERVICE)), false, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics(SpanFilter.all(), FieldRef.intrinsic(FieldRef.NAME), List.of(), false, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  protected void noMatchingSpanMeansNoSeries() {
    writeVisible(at(0, Map.of("env", "prod")));
    MetricsAnswer answer = metrics(SpanFilter.eq(FieldRef.span("env"), "dev"), null, List.of(FieldRef.span("env")), false, 0);
    assertThat(answer.series()).isEmpty();
    assertThat(answer.inspectedSpans()).isZero();
  }
}
