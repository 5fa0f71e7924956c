package dev.tokentrail.store.lucene;

import static dev.tokentrail.store.TestSpans.llmCall;
import static dev.tokentrail.store.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The read contract's orderings and tie-breaks, and what a search counts as matched. */
class ReadContractTest {
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final TraceId TRACE = TraceId.fromHex("00000000000000000000000000000001");

  @TempDir Path dir;
  private TenantIndex index;

  @BeforeEach
  void open() {
    index = new TenantIndex(dir);
  }

  @AfterEach
  void close() {
    index.close();
  }

  private static TraceId traceId(int i) {
    return new TraceId(0, i);
  }

  @Test
  void getTraceOrdersSpansByStartThenSpanId() throws Exception {
    index.add(null, span(TRACE, "late", T0 + 5, 1).spanId(SpanId.fromHex("0000000000000001")).build());
    index.add(null, span(TRACE, "second", T0, 1).spanId(SpanId.fromHex("00000000000000f0")).build());
    index.flush();
    index.add(null, span(TRACE, "first", T0, 1).spanId(SpanId.fromHex("000000000000000f")).build());
    index.rollUpAndRefresh();
    assertThat(index.loader.getTrace(Tenants.DEFAULT, TRACE, 0, 0)).extracting(Span::name)
        .containsExactly("first", "second", "late");
  }

  @Test
  void theOutcomeOfTheSpanThatStartedLastWinsThenTheGreaterSpanId() throws Exception {
    TraceId other = traceId(2);
    index.add(null, span(TRACE, "late", T0 + 10, 1).attribute("tokentrail.outcome", "won").build());
    index.flush();
    index.add(null, span(TRACE, "early", T0, 1).attribute("tokentrail.outcome", "lost")
        .attribute("tokentrail.outcome.value_usd", 3.0).build());
    index.add(null, span(other, "a", T0, 1).spanId(SpanId.fromHex("00000000000000ff")).attribute("tokentrail.outcome", "greater").build());
    index.flush();
    index.add(null, span(other, "b", T0, 1).spanId(SpanId.fromHex("0000000000000001")).attribute("tokentrail.outcome", "smaller").build());
    index.rollUpAndRefresh();
    var outcomes = index.calls.outcomes(Tenants.DEFAULT, 0, 0);
    assertThat(outcomes.get(TRACE).outcome()).isEqualTo("won");
    assertThat(outcomes.get(TRACE).valueUsd()).isNaN();
    assertThat(outcomes.get(other).outcome()).isEqualTo("greater");
  }

  @ParameterizedTest
  @EnumSource(TraceSearch.Order.class)
  void rankingTiesAreBrokenByTraceIdAscending(TraceSearch.Order order) throws Exception {
    // Ten traces alike in every ranking key, written in descending id order over two segments.
    for (int i = 10; i >= 1; i--) {
      index.add(null, llmCall(traceId(i), SpanId.NONE, "gpt-4o", 10, 10, 0.25, T0).spanId(new SpanId(i)).build());
      if (i == 5) {
        index.flush();
      }
    }
    index.rollUpAndRefresh();
    List<TraceId> expected = List.of(traceId(1), traceId(2), traceId(3), traceId(4));
    TraceSearch every = new TraceSearch(Spansets.of(SpanFilter.all()), List.of(), 0, 0, 0, 0, 4, 1, order);
    assertThat(index.traceIds(index.search(Tenants.DEFAULT, every))).containsExactlyElementsOf(expected);
    TraceSearch model = new TraceSearch(Spansets.of(SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o")), List.of(),
        0, 0, 0, 0, 4, 1, order);
    assertThat(index.traceIds(index.search(Tenants.DEFAULT, model))).containsExactlyElementsOf(expected);
  }

  @Test
  void aSpanMatchedByBothSidesOfACombinationCountsOnce() throws Exception {
    index.add(null, span(TRACE, "both", T0, 1).attribute("x", "1").attribute("y", "1").build());
    index.add(null, span(TRACE, "left", T0 + 1, 1).attribute("x", "1").build());
    index.add(null, span(TRACE, "neither", T0 + 2, 1).build());
    index.rollUpAndRefresh();
    Spansets x = Spansets.of(SpanFilter.eq(FieldRef.span("x"), "1"));
    Spansets y = Spansets.of(SpanFilter.eq(FieldRef.span("y"), "1"));
    AggregateCondition count = new AggregateCondition(AggregateCondition.Function.COUNT, null, SpanFilter.Op.GT, 0);
    for (boolean and : new boolean[] {true, false}) {
      List<TraceMatch> found = index.search(Tenants.DEFAULT,
          new TraceSearch(new Spansets.Combine(and, x, y), List.of(count), 0, 0, 0, 0, 10, 10, TraceSearch.Order.NEWEST));
      assertThat(found).hasSize(1);
      assertThat(found.get(0).matchedCount()).as("and=%s", and).isEqualTo(2);
      assertThat(found.get(0).aggregates()).containsEntry("count()", 2.0);
      assertThat(found.get(0).matchedSpans()).extracting(Span::name).containsExactly("both", "left");
    }
    Spansets z = Spansets.of(SpanFilter.eq(FieldRef.span("z"), "1"));
    assertThat(index.search(Tenants.DEFAULT, TraceSearch.of(new Spansets.Combine(true, x, z), List.of(), 0, 0, 10))).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(TraceSearch.Order.class)
  void aTraceStartedBeforeTheWindowIsSelectedByItsSpansInside(TraceSearch.Order order) throws Exception {
    long from = T0 + 3_600_000_000_000L;
    TraceId straddling = traceId(7);
    index.add(null, span(straddling, "before", from - 10_000_000_000L, 1_000).build());
    index.add(null, llmCall(straddling, SpanId.NONE, "gpt-4o", 1, 1, 9.0, from + 1_000).build());
    index.add(null, span(straddling, "inside too", from + 2_000, 1_000).build());
    TraceId before = traceId(8);
    index.add(null, span(before, "only before", from - 5_000_000_000L, 1_000).build());
    TraceId inside = traceId(9);
    index.add(null, span(inside, "inside", from + 5_000, 1_000).build());
    index.rollUpAndRefresh();
    TraceSearch every = new TraceSearch(Spansets.of(SpanFilter.all()), List.of(), from, from + 60_000_000_000L,
        0, 0, 10, 5, order);
    List<TraceMatch> found = index.search(Tenants.DEFAULT, every);
    assertThat(index.traceIds(found)).containsExactlyInAnyOrder(straddling, inside);
    TraceMatch straddled = found.stream().filter(m -> m.summary().traceId().equals(straddling)).findFirst().orElseThrow();
    assertThat(straddled.matchedCount()).isEqualTo(2);
    assertThat(straddled.matchedSpans()).extracting(Span::name).containsExactly("chat gpt-4o", "inside too");
    assertThat(straddled.summary().spanCount()).isEqualTo(3);
  }
}
