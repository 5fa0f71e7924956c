package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsSeries;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Assertions that a store's answer equals the reference store's: exactly, except sums of doubles,
 * which may differ in their last bits with the order spans were added in.
 */
final class Comparisons {
  private Comparisons() {}

  static void sameNumber(String what, double actual, double expected) {
    if (Double.isNaN(expected)) {
      assertThat(actual).as(what).isNaN();
      return;
    }
    assertThat(Math.abs(actual - expected)).as("%s: %s (expected %s)", what, actual, expected)
        .isLessThanOrEqualTo(1e-9 * Math.max(1, Math.abs(expected)));
  }

  static void sameSummary(TraceSummary actual, TraceSummary expected) {
    TraceId id = expected.traceId();
    sameNumber("cost of " + id, actual.costUsd(), expected.costUsd());
    TraceSummary costless = new TraceSummary(actual.traceId(), actual.rootServiceName(), actual.rootSpanName(),
        actual.startEpochNanos(), actual.durationNanos(), actual.spanCount(), actual.llmCallCount(), actual.errorCount(),
        expected.costUsd(), actual.inputTokens(), actual.outputTokens(), actual.models(), actual.team(), actual.project());
    assertThat(costless).as("rollup of %s", id).isEqualTo(expected);
  }

  static void sameMatches(List<TraceMatch> actual, List<TraceMatch> expected) {
    assertThat(ids(actual)).as("trace ids in rank order").containsExactlyElementsOf(ids(expected));
    for (int i = 0; i < expected.size(); i++) {
      TraceMatch a = actual.get(i);
      TraceMatch e = expected.get(i);
      TraceId id = e.summary().traceId();
      sameSummary(a.summary(), e.summary());
      assertThat(a.matchedCount()).as("matched spans of %s", id).isEqualTo(e.matchedCount());
      assertThat(a.aggregates().keySet()).as("aggregates of %s", id).containsExactlyElementsOf(e.aggregates().keySet());
      for (Map.Entry<String, Double> agg : e.aggregates().entrySet()) {
        sameNumber(agg.getKey() + " of " + id, a.aggregates().get(agg.getKey()), agg.getValue());
      }
      assertThat(a.matchedSpans()).as("spans shown of %s", id).hasSameSizeAs(e.matchedSpans())
          .allSatisfy(s -> assertThat(s.traceId()).isEqualTo(e.matchedSpans().isEmpty() ? s.traceId() : e.matchedSpans().get(0).traceId()))
          .isSortedAccordingTo(Comparator.comparingLong(Span::startEpochNanos));
    }
  }

  static List<TraceId> ids(List<TraceMatch> matches) {
    List<TraceId> out = new ArrayList<>();
    for (TraceMatch m : matches) {
      out.add(m.summary().traceId());
    }
    return out;
  }

  /** Same series (by group values), counts and statistics per bucket; exemplars by bucket and value. */
  static void sameMetrics(MetricsAnswer actual, MetricsAnswer expected) {
    assertThat(actual.inspectedSpans()).as("inspected spans").isEqualTo(expected.inspectedSpans());
    Map<List<Object>, MetricsSeries> byGroup = new HashMap<>();
    for (MetricsSeries s : actual.series()) {
      byGroup.put(s.groupValues(), s);
    }
    List<List<Object>> expectedGroups = new ArrayList<>();
    for (MetricsSeries s : expected.series()) {
      expectedGroups.add(s.groupValues());
    }
    assertThat(byGroup.keySet()).as("series").containsExactlyInAnyOrderElementsOf(expectedGroups);
    assertThat(actual.series()).as("one series per group").hasSameSizeAs(expected.series());
    for (MetricsSeries e : expected.series()) {
      MetricsSeries a = byGroup.get(e.groupValues());
      String g = String.valueOf(e.groupValues());
      assertThat(a.counts()).as("counts of %s", g).containsExactly(e.counts());
      if (e.fieldCounts() == null) {
        assertThat(a.fieldCounts()).as("field counts of %s", g).isNull();
      } else {
        assertThat(a.fieldCounts()).as("field counts of %s", g).containsExactly(e.fieldCounts());
        for (int b = 0; b < e.counts().length; b++) {
          sameNumber("sum of " + g + " bucket " + b, a.sums()[b], e.sums()[b]);
          sameNumber("min of " + g + " bucket " + b, a.mins()[b], e.mins()[b]);
          sameNumber("max of " + g + " bucket " + b, a.maxs()[b], e.maxs()[b]);
        }
      }
      if (e.values() == null) {
        assertThat(a.values()).as("values of %s", g).isNull();
      } else {
        for (int b = 0; b < e.values().length; b++) {
          double[] av = a.values()[b].clone();
          double[] ev = e.values()[b].clone();
          Arrays.sort(av);
          Arrays.sort(ev);
          assertThat(av).as("values of %s bucket %d", g, b).containsExactly(ev);
        }
      }
      assertThat(exemplarKeys(a)).as("exemplars (bucket, value) of %s", g).isEqualTo(exemplarKeys(e));
    }
  }

  private static TreeSet<String> exemplarKeys(MetricsSeries s) {
    TreeSet<String> out = new TreeSet<>();
    for (MetricsSeries.Exemplar e : s.exemplars()) {
      out.add(e.bucket() + "=" + e.value());
    }
    return out;
  }
}
