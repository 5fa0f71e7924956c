package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSearch.Order;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ranking and cutting: NEWEST by start descending; COST, TOKENS, LLM_CALLS by their total
 * descending then start descending; remaining ties by trace id ascending; the trace duration
 * bounds; the limit. Checked both for a search matching every span and for a filtered one.
 */
public abstract class RankingContract extends StoreContract {
  private static final SpanFilter ANY_SERVICE = new SpanFilter.Condition(
      FieldRef.resource("service.name"), SpanFilter.Op.EXISTS, null);

  private List<TraceId> ranked(Order order, int limit, SpanFilter filter) {
    return ids(search(new TraceSearch(dev.tokentrail.store.Spansets.of(filter), List.of(), 0, 0, 0, 0, limit, 3, order)));
  }

  @Test
  protected void eachOrderRanksByItsTotalThenNewest() {
    TraceId old = spans.traceId();
    TraceId mid = spans.traceId();
    TraceId recent = spans.traceId();
    writeVisible(
        // old: the costliest, one call
        spans.llmCall(old, SpanId.NONE, "gpt-4o", 100, 10, 0.90, T0).build(),
        // mid: most tokens, two calls
        spans.llmCall(mid, SpanId.NONE, "gpt-4o", 5000, 500, 0.10, T0 + MINUTE).build(),
        spans.llmCall(mid, SpanId.NONE, "gpt-4o", 5000, 500, 0.10, T0 + MINUTE + 1).build(),
        // recent: three cheap calls
        spans.llmCall(recent, SpanId.NONE, "gpt-4o-mini", 10, 1, 0.001, T0 + 2 * MINUTE).build(),
        spans.llmCall(recent, SpanId.NONE, "gpt-4o-mini", 10, 1, 0.001, T0 + 2 * MINUTE + 1).build(),
        spans.llmCall(recent, SpanId.NONE, "gpt-4o-mini", 10, 1, 0.001, T0 + 2 * MINUTE + 2).build());

    for (SpanFilter filter : List.of(SpanFilter.all(), ANY_SERVICE)) {
      assertThat(ranked(Order.NEWEST, 10, filter)).containsExactly(recent, mid, old);
      assertThat(ranked(Order.COST, 10, filter)).containsExactly(old, mid, recent);
      assertThat(ranked(Order.TOKENS, 10, filter)).containsExactly(mid, old, recent);
      assertThat(ranked(Order.LLM_CALLS, 10, filter)).containsExactly(recent, mid, old);
      assertThat(ranked(Order.COST, 2, filter)).containsExactly(old, mid);
      assertThat(ranked(Order.NEWEST, 1, filter)).containsExactly(recent);
    }
  }

  @Test
  protected void equalTotalsRankTheNewestFirst() {
    TraceId older = spans.traceId();
    TraceId newer = spans.traceId();
    writeVisible(spans.llmCall(older, SpanId.NONE, "gpt-4o", 10, 1, 0.5, T0).build(),
        spans.llmCall(newer, SpanId.NONE, "gpt-4o", 10, 1, 0.5, T0 + SECOND).build());
    for (SpanFilter filter : List.of(SpanFilter.all(), ANY_SERVICE)) {
      for (Order order : Order.values()) {
        assertThat(ranked(order, 10, filter)).as(order.toString()).containsExactly(newer, older);
      }
    }
  }

  @Test
  protected void remainingTiesRankByTraceIdAscending() {
    TraceId a = spans.traceId();
    TraceId b = spans.traceId();
    TraceId c = spans.traceId();
    // Same start, same totals; written in descending trace id order.
    writeVisible(spans.llmCall(c, SpanId.NONE, "gpt-4o", 10, 1, 0.5, T0).build(),
        spans.llmCall(b, SpanId.NONE, "gpt-4o", 10, 1, 0.5, T0).build(),
        spans.llmCall(a, SpanId.NONE, "gpt-4o", 10, 1, 0.5, T0).build());
    for (SpanFilter filter : List.of(SpanFilter.all(), ANY_SERVICE)) {
      for (Order order : Order.values()) {
        assertThat(ranked(order, 10, filter)).as(order + " " + filter).containsExactly(a, b, c);
        assertThat(ranked(order, 2, filter)).as(order + " " + filter).containsExactly(a, b);
      }
    }
  }

  @Test
  protected void traceDurationBoundsAreInclusive() {
    TraceId short1 = spans.traceId();
    TraceId medium = spans.traceId();
    TraceId long1 = spans.traceId();
    writeVisible(spans.span(short1, "s", T0, SECOND).build(),
        spans.span(medium, "m", T0, 5 * SECOND).build(),
        spans.span(long1, "l", T0, 10 * SECOND).build());
    for (SpanFilter filter : List.of(SpanFilter.all(), ANY_SERVICE)) {
      assertThat(ids(search(new TraceSearch(dev.tokentrail.store.Spansets.of(filter), List.of(), 0, 0, 5 * SECOND, 10 * SECOND, 10, 3, Order.NEWEST))))
          .containsExactlyInAnyOrder(medium, long1);
      assertThat(ids(search(new TraceSearch(dev.tokentrail.store.Spansets.of(filter), List.of(), 0, 0, 0, 5 * SECOND, 10, 3, Order.NEWEST))))
          .containsExactlyInAnyOrder(short1, medium);
      assertThat(ids(search(new TraceSearch(dev.tokentrail.store.Spansets.of(filter), List.of(), 0, 0, 2 * SECOND, 0, 10, 3, Order.NEWEST))))
          .containsExactlyInAnyOrder(medium, long1);
    }
  }

  @Test
  protected void aTraceStartingBeforeTheWindowIsFoundByItsSpansInside() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "root", T0, DAY).build();
    Span inside = spans.span(traceId, "inside", T0 + DAY / 2, SECOND).parentSpanId(root.spanId()).build();
    writeVisible(root, inside);
    for (SpanFilter filter : List.of(SpanFilter.all(), ANY_SERVICE)) {
      var found = only(search(TraceSearch.of(filter, T0 + DAY / 4, T0 + DAY, 10).withSpansPerTrace(5)));
      assertThat(found.summary().traceId()).as(filter.toString()).isEqualTo(traceId);
      assertThat(found.summary().startEpochNanos()).isEqualTo(T0);
      assertThat(found.matchedCount()).as(filter.toString()).isEqualTo(1);
    }
  }
}
