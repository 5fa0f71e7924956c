package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Retention: spans are kept for at least the retention after they start and dropped at the latest
 * one partition later, from every read.
 */
public abstract class RetentionContract extends StoreContract {
  private final TestClock clock = TestClock.atNanos(T0 + 3600 * SECOND);

  @Override
  protected StoreOptions options() {
    return StoreOptions.defaults().withClock(clock).withRetention(Duration.ofDays(3)).withPartitionDuration(Duration.ofDays(1));
  }

  @Test
  protected void spansOlderThanRetentionLeaveEveryRead() {
    TraceId old = spans.traceId();
    TraceId fresh = spans.traceId();
    Span oldCall = spans.llmCall(old, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0 - DAY).attribute("only.old", "x")
        .attribute("tokentrail.outcome", "done").build();
    writeVisible(oldCall);
    assertThat(ids(search(SpanFilter.all()))).containsExactly(old);

    clock.setNanos(T0 + 3 * DAY + 3600 * SECOND);
    Span freshCall = spans.llmCall(fresh, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0 + 3 * DAY).build();
    writeVisible(freshCall);

    eventually(() -> assertThat(store.getTrace(TENANT, old, 0, 0)).isEmpty());
    assertThat(store.getTrace(TENANT, fresh, 0, 0)).containsExactly(freshCall);
    assertThat(ids(search(SpanFilter.all()))).containsExactly(fresh);
    assertThat(ids(search(SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o")))).containsExactly(fresh);
    assertThat(CallRow.all(store.llmCalls(TENANT, CallFilter.window(0, 0)))).extracting(CallRow::traceId).containsExactly(fresh);
    assertThat(store.outcomes(TENANT, 0, 0)).isEmpty();
    assertThat(store.tagNames(TENANT, 0, 0, 100).span()).doesNotContain("only.old");
  }

  @Test
  protected void spansYoungerThanRetentionAreKept() {
    TraceId traceId = spans.traceId();
    Span span = spans.span(traceId, "young", T0, SECOND).build();
    writeVisible(span);
    clock.setNanos(T0 + 2 * DAY);
    Span later = spans.span(traceId, "later", T0 + 2 * DAY - SECOND, SECOND).build();
    writeVisible(later);
    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(span, later);
    assertThat(only(search(SpanFilter.all())).summary().spanCount()).isEqualTo(2);
  }
}
