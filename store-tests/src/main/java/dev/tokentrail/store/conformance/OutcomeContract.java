package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceOutcome;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Trace outcomes: the {@code tokentrail.outcome} of the latest-starting span carrying one, by trace, in a window. */
public abstract class OutcomeContract extends StoreContract {

  private Span outcome(TraceId traceId, long start, String outcome, Object value) {
    Span.Builder b = spans.span(traceId, "step", start, SECOND).attribute("tokentrail.outcome", outcome);
    if (value != null) {
      b.attribute("tokentrail.outcome.value_usd", value);
    }
    return b.build();
  }

  @Test
  protected void theSpanThatStartedLastWins() {
    TraceId traceId = spans.traceId();
    writeVisible(outcome(traceId, T0 + 2, "resolved", 12.5), outcome(traceId, T0 + 1, "escalated", 3.0),
        spans.span(traceId, "no outcome", T0 + 3, SECOND).build());
    assertThat(store.outcomes(TENANT, 0, 0)).containsExactly(Map.entry(traceId, new TraceOutcome("resolved", 12.5)));
  }

  @Test
  protected void onEqualStartsTheGreaterSpanIdWins() {
    TraceId traceId = spans.traceId();
    Span smaller = outcome(traceId, T0, "first", 1.0);
    Span greater = outcome(traceId, T0, "second", null);
    // The winner is written first: arrival order must not decide.
    writeVisible(greater, smaller);
    TraceOutcome o = store.outcomes(TENANT, 0, 0).get(traceId);
    assertThat(o.outcome()).isEqualTo("second");
    assertThat(o.valueUsd()).isNaN();
  }

  @Test
  protected void aValueIsReadWhateverItsNumberTypeAndNaNWithoutOne() {
    TraceId whole = spans.traceId();
    TraceId none = spans.traceId();
    writeVisible(outcome(whole, T0, "sale", 40L), outcome(none, T0, "abandoned", null));
    Map<TraceId, TraceOutcome> outcomes = store.outcomes(TENANT, 0, 0);
    assertThat(outcomes.get(whole)).isEqualTo(new TraceOutcome("sale", 40.0));
    assertThat(outcomes.get(none).valueUsd()).isNaN();
    assertThat(outcomes).hasSize(2);
  }

  @Test
  protected void onlySpansStartingInTheWindowCount() {
    TraceId traceId = spans.traceId();
    TraceId outside = spans.traceId();
    writeVisible(outcome(traceId, T0, "early", 1.0), outcome(traceId, T0 + DAY, "late", 2.0),
        outcome(outside, T0 + 2 * DAY, "other", 3.0));
    assertThat(store.outcomes(TENANT, T0 - 1, T0 + 1)).containsExactly(Map.entry(traceId, new TraceOutcome("early", 1.0)));
    assertThat(store.outcomes(TENANT, T0, T0 + DAY)).containsExactly(Map.entry(traceId, new TraceOutcome("late", 2.0)));
    assertThat(store.outcomes(TENANT, 0, 0)).containsOnlyKeys(traceId, outside);
  }

  @Test
  protected void tracesWithoutOutcomesAreAbsent() {
    writeVisible(spans.span(spans.traceId(), "plain", T0, SECOND).build(),
        spans.span(spans.traceId(), "empty", T0, SECOND).attribute("tokentrail.outcome", "").build());
    assertThat(store.outcomes(TENANT, 0, 0)).isEmpty();
  }
}
