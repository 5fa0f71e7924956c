package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Trace by id: every span of the trace across time partitions, in start then span id order. */
public abstract class TraceByIdContract extends StoreContract {

  @Test
  protected void unknownTraceIsEmpty() {
    writeVisible(spans.span(spans.traceId(), "other", T0, SECOND).build());
    assertThat(store.getTrace(TENANT, spans.traceId(), 0, 0)).isEmpty();
  }

  @Test
  protected void traceIdsWithTheHighBitSetAreFound() {
    TraceId high = TraceId.fromHex("ffffffffffffffff8000000000000001");
    TraceId low = TraceId.fromHex("7fffffffffffffff8000000000000001");
    Span a = spans.span(high, "high", T0, 1000).build();
    Span b = spans.span(low, "low", T0, 1000).build();
    writeVisible(a, b);

    assertThat(store.getTrace(TENANT, high, 0, 0)).containsExactly(a);
    assertThat(store.getTrace(TENANT, low, 0, 0)).containsExactly(b);
  }

  @Test
  protected void spansInDifferentPartitionsAreReadAsOneTraceInStartOrder() {
    TraceId traceId = spans.traceId();
    Span dayThree = spans.span(traceId, "c", T0 + 2 * DAY, SECOND).build();
    Span dayOne = spans.span(traceId, "a", T0, SECOND).build();
    Span dayTwo = spans.span(traceId, "b", T0 + DAY, SECOND).build();
    writeVisible(dayThree, dayOne);
    writeVisible(dayTwo);

    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(dayOne, dayTwo, dayThree);
  }

  @Test
  protected void boundsCoveringTheTraceReturnEverySpan() {
    TraceId traceId = spans.traceId();
    Span a = spans.span(traceId, "a", T0, SECOND).build();
    Span b = spans.span(traceId, "b", T0 + DAY, SECOND).build();
    writeVisible(a, b);

    assertThat(store.getTrace(TENANT, traceId, T0 - 1, T0 + DAY + 1)).containsExactly(a, b);
    // Bounds only narrow where a store looks: what it returns is never a span of another trace.
    assertThat(store.getTrace(TENANT, traceId, T0 - 1, T0 + 1)).contains(a).isSubsetOf(a, b);
  }

  @Test
  protected void spansStartingTogetherAreOrderedBySpanId() {
    TraceId traceId = spans.traceId();
    List<Span> written = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      written.add(spans.span(traceId, "parallel " + i, T0, SECOND).build());
    }
    // Written in descending span id order: a store must sort, not keep arrival order.
    writeVisible(written.get(4), written.get(3), written.get(2), written.get(1), written.get(0));

    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactlyElementsOf(written);
  }

  @Test
  protected void otherTracesAreNotMixedIn() {
    TraceId mine = spans.traceId();
    TraceId other = spans.traceId();
    Span a = spans.span(mine, "a", T0, SECOND).build();
    writeVisible(a, spans.span(other, "b", T0, SECOND).build());

    assertThat(store.getTrace(TENANT, mine, 0, 0)).containsExactly(a);
  }
}
