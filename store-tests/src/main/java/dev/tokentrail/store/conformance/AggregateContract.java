package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.AggregateCondition.Function;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Aggregates over a trace's matched spans: count, sum, avg, min, max, each condition filtering
 * traces, their values reported by label; an aggregate no matched span has a value for fails.
 */
public abstract class AggregateContract extends StoreContract {
  private static final FieldRef COST = FieldRef.span("tokentrail.cost.usd");
  private static final SpanFilter GPT_4O = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o");
  private TraceId cheap;
  private TraceId costly;
  private TraceId mixed;
  private TraceId plain;

  @BeforeEach
  void writeTraces() {
    cheap = spans.traceId();
    costly = spans.traceId();
    mixed = spans.traceId();
    plain = spans.traceId();
    writeVisible(
        spans.llmCall(cheap, SpanId.NONE, "gpt-4o-mini", 100, 10, 0.01, T0).build(),
        spans.llmCall(costly, SpanId.NONE, "gpt-4o", 100, 10, 0.40, T0 + 1).build(),
        spans.llmCall(costly, SpanId.NONE, "gpt-4o", 300, 10, 0.30, T0 + 2).build(),
        spans.llmCall(mixed, SpanId.NONE, "gpt-4o", 100, 10, 0.05, T0 + 3).build(),
        spans.llmCall(mixed, SpanId.NONE, "claude-3-5-haiku", 200, 10, 0.02, T0 + 4).build(),
        spans.span(plain, "no call", T0 + 5, 3 * SECOND).build(),
        spans.span(plain, "no call either", T0 + 6, SECOND).build());
  }

  private List<TraceMatch> search(SpanFilter filter, AggregateCondition... conditions) {
    return store.search(TENANT, TraceSearch.of(Spansets.of(filter), List.of(conditions), 0, 0, 10));
  }

  @Test
  protected void sumFiltersTracesAndReportsItsValue() {
    AggregateCondition costOverHalf = new AggregateCondition(Function.SUM, COST, Op.GT, 0.5);
    List<TraceMatch> expensive = search(GPT_4O, costOverHalf);
    assertThat(ids(expensive)).containsExactly(costly);
    assertThat(expensive.get(0).aggregates()).containsOnlyKeys("sum(span.tokentrail.cost.usd)");
    assertThat(expensive.get(0).aggregates().get("sum(span.tokentrail.cost.usd)")).isCloseTo(0.70, within(1e-9));
  }

  @Test
  protected void countCountsMatchedSpans() {
    AggregateCondition twoSpans = new AggregateCondition(Function.COUNT, null, Op.GTE, 2);
    assertThat(ids(search(SpanFilter.all(), twoSpans))).containsExactlyInAnyOrder(costly, mixed, plain);
    assertThat(ids(search(GPT_4O, twoSpans))).containsExactly(costly);
    assertThat(search(GPT_4O, twoSpans).get(0).aggregates().get("count()")).isEqualTo(2.0);
  }

  @Test
  protected void avgMinAndMaxReadTheFieldNumerically() {
    FieldRef input = FieldRef.any("gen_ai.usage.input_tokens");
    assertThat(ids(search(SpanFilter.all(), new AggregateCondition(Function.MAX, input, Op.EQ, 100))))
        .containsExactly(cheap);
    assertThat(ids(search(SpanFilter.all(), new AggregateCondition(Function.MIN, input, Op.EQ, 100))))
        .containsExactlyInAnyOrder(cheap, costly, mixed);
    List<TraceMatch> avg = search(SpanFilter.all(), new AggregateCondition(Function.AVG, input, Op.GT, 140));
    assertThat(ids(avg)).containsExactlyInAnyOrder(costly, mixed);
    assertThat(avg).allSatisfy(m -> assertThat(m.aggregates().get("avg(.gen_ai.usage.input_tokens)")).isCloseTo(
        m.summary().traceId().equals(costly) ? 200.0 : 150.0, within(1e-9)));
  }

  @Test
  protected void anAggregateNoMatchedSpanHasAValueForFails() {
    // The plain trace's spans have no cost: sum() is undefined there, not 0, so even "< 1" fails.
    assertThat(ids(search(SpanFilter.all(), new AggregateCondition(Function.SUM, COST, Op.LT, 1))))
        .containsExactlyInAnyOrder(cheap, costly, mixed);
    assertThat(search(SpanFilter.all(), new AggregateCondition(Function.MAX, FieldRef.span("nosuch"), Op.GTE, 0))).isEmpty();
  }

  @Test
  protected void durationAggregatesReadNanoseconds() {
    FieldRef duration = FieldRef.intrinsic(FieldRef.DURATION);
    List<TraceMatch> found = search(SpanFilter.all(), new AggregateCondition(Function.SUM, duration, Op.EQ, 4 * SECOND));
    assertThat(ids(found)).containsExactly(plain);
    assertThat(found.get(0).aggregates().get("sum(duration)")).isEqualTo(4.0 * SECOND);
  }

  @Test
  protected void everyConditionMustHold() {
    List<TraceMatch> found = search(SpanFilter.all(),
        new AggregateCondition(Function.COUNT, null, Op.EQ, 2),
        new AggregateCondition(Function.SUM, COST, Op.LT, 0.1));
    assertThat(ids(found)).containsExactly(mixed);
    assertThat(found.get(0).aggregates()).containsOnlyKeys("count()", "sum(span.tokentrail.cost.usd)");
  }

  @Test
  protected void searchesWithoutAggregatesReportNone() {
    assertThat(search(GPT_4O)).isNotEmpty().allSatisfy(m -> assertThat(m.aggregates()).isEmpty());
  }
}
