package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsAnswer;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.MetricsSeries;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.memory.InMemorySpanStore;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TraceQL metrics as the spend dashboard asks them (cost summed by model, team or service, filtered
 * by a cost comparison and a service regex): answered by OpenSearch aggregations alone, and the
 * same answer as the in-memory reference store; queries an aggregation would misread (a grouping
 * attribute holding a list, a boolean or a number, a cost held as a list) are answered span by span
 * instead, with the same answer too. Runs against the shared test node.
 */
class MetricsAggregationTest {
  private static final long T0 = 1_767_657_600_000_000_000L; // 2026-01-06T00:00:00Z
  private static final long SECOND = 1_000_000_000L;
  private static final FieldRef COST = FieldRef.span("tokentrail.cost.usd");
  private static final FieldRef MODEL = FieldRef.span("gen_ai.request.model");
  private static final FieldRef SERVICE = FieldRef.resource("service.name");

  private final String url = TestNode.url();
  private final String prefix = "tt-metrics-" + ProcessHandle.current().pid();
  private final InMemorySpanStore reference = InMemorySpanStore.create();
  private OpenSearchSpanStore store;
  private int spanCount;

  @BeforeEach
  void openStore() {
    store = OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0)
        .refreshOnWrite(true).build();
    write("checkout", Map.of("gen_ai.request.model", "gpt-4o", "tokentrail.cost.usd", 0.5, "tokentrail.team", "growth"));
    write("checkout", Map.of("gen_ai.request.model", "gpt-4o", "tokentrail.cost.usd", 1.25, "tokentrail.team", "growth"));
    write("search", Map.of("gen_ai.request.model", "gpt-4o-mini", "tokentrail.cost.usd", 0.01, "tokentrail.team", "data"));
    write("search", Map.of("gen_ai.request.model", "claude-sonnet-4-0", "tokentrail.cost.usd", 2L));
    write("search", Map.of("tokentrail.cost.usd", 0.75)); // no model: the nil group
    write("search", Map.of("gen_ai.request.model", "gpt-4o", "tokentrail.cost.usd", 0.0));
    write("batch", Map.of("http.route", "/healthz")); // no cost: filtered out
  }

  @AfterEach
  void deleteIndices() throws Exception {
    store.close();
    TestNode.send("DELETE", "/" + prefix + "-*?expand_wildcards=all", null);
    TestNode.send("DELETE", "/_index_template/" + prefix + "-spans", null);
  }

  @Test
  void costByModelAsTheDashboardAsksIsAggregated() {
    SpanFilter filter = new SpanFilter.And(List.of(
        new SpanFilter.Condition(COST, Op.GT, 0.0), new SpanFilter.Condition(SERVICE, Op.REGEX, ".*")));
    assertAggregatedAndAgrees(query(filter, COST, List.of(MODEL)));
  }

  @Test
  void countsByServiceAndTeamWithAPlainStringRegexAreAggregated() {
    SpanFilter filter = new SpanFilter.Condition(SERVICE, Op.REGEX, "search");
    assertAggregatedAndAgrees(query(filter, null, List.of(SERVICE, FieldRef.span("tokentrail.team"))));
    assertAggregatedAndAgrees(query(SpanFilter.all(), FieldRef.intrinsic(FieldRef.DURATION), List.of(SERVICE)));
  }

  @Test
  void aGroupingAttributeHoldingAListIsBucketedInJava() {
    write("search", Map.of("gen_ai.request.model", List.of("gpt-4o-mini", "gpt-4o"), "tokentrail.cost.usd", 0.2));
    assertBucketedInJavaAndAgrees(query(SpanFilter.all(), COST, List.of(MODEL)));
  }

  @Test
  void aGroupingAttributeHoldingABooleanOrANumberIsBucketedInJava() {
    write("search", Map.of("gen_ai.request.model", true, "tokentrail.cost.usd", 0.2));
    assertBucketedInJavaAndAgrees(query(SpanFilter.all(), COST, List.of(MODEL)));
    assertBucketedInJavaAndAgrees(query(SpanFilter.all(), null, List.of(COST)));
  }

  @Test
  void aCostHeldAsAListIsBucketedInJava() {
    write("search", Map.of("gen_ai.request.model", "gpt-4o", "tokentrail.cost.usd", List.of(0.3, 0.1)));
    assertBucketedInJavaAndAgrees(query(SpanFilter.all(), COST, List.of(MODEL)));
  }

  @Test
  void aServiceRegexOverNonStringValuesIsBucketedInJava() {
    write("other", Map.of("http.route", "/a"), Map.of("service.name", "other", "service.version", 2L));
    write("other", Map.of("http.route", "/b"), Map.of("service.name", "other", "service.version", "2.1"));
    SpanFilter filter = new SpanFilter.Condition(FieldRef.resource("service.version"), Op.REGEX, ".*");
    assertBucketedInJavaAndAgrees(query(filter, null, List.of()));
  }

  @Test
  void aServiceRegexOverAMultiLineValueIsBucketedInJava() {
    // Java's "." does not match a line terminator: =~ ".*" does not hold for "a\nb".
    write("other", Map.of("http.route", "/a"), Map.of("service.name", "line\nbreak"));
    SpanFilter filter = new SpanFilter.Condition(SERVICE, Op.REGEX, ".*");
    assertBucketedInJavaAndAgrees(query(filter, null, List.of(SERVICE)));
  }

  @Test
  void aGroupingKeyBesideAKeyBeginningWithItIsBucketedInJava() {
    write("search", Map.of("gen_ai.request.model=x", "y", "tokentrail.cost.usd", 0.4));
    assertBucketedInJavaAndAgrees(query(SpanFilter.all(), COST, List.of(MODEL)));
  }

  private void assertAggregatedAndAgrees(MetricsQuery query) {
    long before = MetricsAggregation.ANSWERED.get();
    MetricsAnswer actual = store.metrics(Tenants.DEFAULT, query);
    assertThat(MetricsAggregation.ANSWERED.get()).as("answered by aggregations").isEqualTo(before + 1);
    assertSame(actual, reference.metrics(Tenants.DEFAULT, query));
  }

  private void assertBucketedInJavaAndAgrees(MetricsQuery query) {
    long before = MetricsAggregation.ANSWERED.get();
    MetricsAnswer actual = store.metrics(Tenants.DEFAULT, query);
    assertThat(MetricsAggregation.ANSWERED.get()).as("answered by aggregations").isEqualTo(before);
    assertSame(actual, reference.metrics(Tenants.DEFAULT, query));
  }

  private static void assertSame(MetricsAnswer actual, MetricsAnswer expected) {
    assertThat(actual.inspectedSpans()).isEqualTo(expected.inspectedSpans());
    Map<List<Object>, MetricsSeries> byGroup = new HashMap<>();
    actual.series().forEach(s -> byGroup.put(s.groupValues(), s));
    assertThat(byGroup.keySet()).containsExactlyInAnyOrderElementsOf(expected.series().stream().map(MetricsSeries::groupValues).toList());
    assertThat(expected.series()).isNotEmpty();
    for (MetricsSeries e : expected.series()) {
      MetricsSeries a = byGroup.get(e.groupValues());
      assertThat(a.counts()).as("counts of %s", e.groupValues()).containsExactly(e.counts());
      if (e.fieldCounts() == null) {
        assertThat(a.fieldCounts()).isNull();
        continue;
      }
      assertThat(a.fieldCounts()).as("field counts of %s", e.groupValues()).containsExactly(e.fieldCounts());
      for (int b = 0; b < e.counts().length; b++) {
        assertThat(a.sums()[b]).as("sum").isCloseTo(e.sums()[b], within(1e-9));
        assertThat(Double.valueOf(a.mins()[b])).as("min").isEqualTo(Double.valueOf(e.mins()[b]));
        assertThat(Double.valueOf(a.maxs()[b])).as("max").isEqualTo(Double.valueOf(e.maxs()[b]));
      }
      assertThat(exemplars(a)).as("exemplars of %s", e.groupValues()).isEqualTo(exemplars(e));
    }
  }

  private static List<String> exemplars(MetricsSeries s) {
    List<String> out = new ArrayList<>();
    for (MetricsSeries.Exemplar e : s.exemplars()) {
      out.add(e.bucket() + ":" + e.spanId() + ":" + e.value());
    }
    return out;
  }

  private static MetricsQuery query(SpanFilter filter, FieldRef field, List<FieldRef> by) {
    return new MetricsQuery(filter, field, by, T0, T0 + 3600 * SECOND, 600 * SECOND, false, 100);
  }

  private void write(String service, Map<String, Object> attributes) {
    write(service, attributes, Map.of("service.name", service));
  }

  private void write(String service, Map<String, Object> attributes, Map<String, Object> resource) {
    int n = ++spanCount;
    long start = T0 + n * 60 * SECOND;
    Span span = Span.builder().traceId(TraceId.fromHex(String.format("%032x", n))).spanId(SpanId.fromHex(String.format("%016x", n)))
        .name("chat").startEpochNanos(start).endEpochNanos(start + n * 1_000_000L).attributes(attributes)
        .resource(Resource.of(resource)).build();
    List<IngestedSpan> batch = List.of(new IngestedSpan(span, null));
    try {
      store.accept(Tenants.DEFAULT, batch).get(30, TimeUnit.SECONDS);
      reference.accept(Tenants.DEFAULT, batch).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
