package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TraceSummary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Writes: every field read back, re-sent spans stored once (the later copy replacing the earlier),
 * late spans joining their trace wherever they land, durability across a restart.
 */
public abstract class WriteContract extends StoreContract {

  @Test
  protected void acceptedSpansAreReadBackWithEveryField() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "POST /answer", T0, 5 * SECOND)
        .kind(SpanKind.SERVER)
        .attribute("http.route", "/answer")
        .attribute("retries", 3L)
        .attribute("ratio", 0.25)
        .attribute("flag", true)
        .attribute("tags", List.of("a", "b"))
        .build();
    Span call = spans.llmCall(traceId, root.spanId(), "gpt-4o", 1200, 300, 0.006, T0 + 1_000_000).build();
    writeVisible(root, call);

    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(root, call);
  }

  @Test
  protected void storeReportsReady() {
    assertThat(store.isReady()).isTrue();
  }

  @Test
  protected void anEmptyBatchIsAcknowledged() throws Exception {
    assertThat(store.accept(TENANT, List.of())).succeedsWithin(java.time.Duration.ofSeconds(10));
  }

  @Test
  protected void spanResentByARetryingExporterIsStoredOnce() {
    TraceId traceId = spans.traceId();
    Span span = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 100, 10, 0.5, T0).build();
    write(span);
    write(span);
    write(span, span);
    writeVisible(span);

    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(span);
    TraceSummary summary = only(search(SpanFilter.all())).summary();
    assertThat(summary.costUsd()).isCloseTo(0.5, within(1e-9));
    assertThat(summary.llmCallCount()).isEqualTo(1);
    assertThat(summary.spanCount()).isEqualTo(1);
    assertThat(store.llmCalls(TENANT, dev.tokentrail.store.CallFilter.window(0, 0)).size()).isEqualTo(1);
  }

  @Test
  protected void aResentSpanReplacesTheEarlierCopy() {
    TraceId traceId = spans.traceId();
    Span first = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 100, 10, 0.5, T0).attribute("version", 1L).build();
    Span second = first.withAttributes(Map.of(
        "tokentrail.llm_call", true, "gen_ai.operation.name", "chat", "gen_ai.request.model", "gpt-4o-mini",
        "gen_ai.usage.input_tokens", 100L, "gen_ai.usage.output_tokens", 10L, "tokentrail.cost.usd", 0.02, "version", 2L));
    writeVisible(first);
    writeVisible(second);

    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(second);
    assertThat(search(SpanFilter.eq(dev.tokentrail.store.FieldRef.span("version"), 1L))).isEmpty();
    assertThat(ids(search(SpanFilter.eq(dev.tokentrail.store.FieldRef.span("version"), 2L)))).containsExactly(traceId);
    eventually(() -> {
      TraceSummary summary = only(search(SpanFilter.all())).summary();
      assertThat(summary.costUsd()).isCloseTo(0.02, within(1e-9));
      assertThat(summary.models()).containsExactly("gpt-4o-mini");
    });
  }

  @Test
  protected void aSpanResentOnAnotherDayIsStoredOnce() {
    TraceId traceId = spans.traceId();
    Span span = spans.span(traceId, "job", T0, SECOND).build();
    writeVisible(span);
    Span moved = new Span(span.traceId(), span.spanId(), SpanId.NONE, "", "job", SpanKind.INTERNAL, T0 + 2 * DAY, T0 + 2 * DAY + SECOND,
        null, null, Map.of(), span.resource(), "", "", List.of(), List.of());
    writeVisible(moved);

    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(moved);
    assertThat(only(search(SpanFilter.all())).summary().spanCount()).isEqualTo(1);
  }

  @Test
  protected void traceRollupSumsLlmCallsAndNamesTheRoot() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "agent run", T0, 10 * SECOND).resource(TestSpans.service("support-bot")).build();
    Span a = spans.llmCall(traceId, root.spanId(), "gpt-4o", 1000, 100, 0.10, T0 + 1).build();
    Span b = TestSpans.error(spans.llmCall(traceId, root.spanId(), "claude-sonnet-4", 2000, 200, 0.25, T0 + 2).build());
    // Children arrive before their root, as batch exporters often send them.
    write(a, b);
    writeVisible(root);
    awaitVisible(StoredCalls.ingested(List.of(root, a, b)));

    TraceSummary s = only(search(SpanFilter.all())).summary();
    assertThat(s.traceId()).isEqualTo(traceId);
    assertThat(s.rootServiceName()).isEqualTo("support-bot");
    assertThat(s.rootSpanName()).isEqualTo("agent run");
    assertThat(s.startEpochNanos()).isEqualTo(T0);
    assertThat(s.durationNanos()).isEqualTo(10 * SECOND);
    assertThat(s.spanCount()).isEqualTo(3);
    assertThat(s.llmCallCount()).isEqualTo(2);
    assertThat(s.errorCount()).isEqualTo(1);
    assertThat(s.costUsd()).isCloseTo(0.35, within(1e-9));
    assertThat(s.inputTokens()).isEqualTo(3000);
    assertThat(s.outputTokens()).isEqualTo(300);
    assertThat(s.totalTokens()).isEqualTo(3300);
    assertThat(s.models()).containsExactly("claude-sonnet-4", "gpt-4o");
    assertThat(s.team()).isEqualTo("search");
    assertThat(s.project()).isNull();
  }

  @Test
  protected void lateSpansDaysApartJoinTheirTrace() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "nightly batch", T0, 3 * DAY).build();
    Span dayTwo = spans.llmCall(traceId, root.spanId(), "gpt-4o", 10, 1, 0.01, T0 + DAY).build();
    Span dayThree = spans.llmCall(traceId, root.spanId(), "gpt-4o", 20, 2, 0.02, T0 + 2 * DAY).build();
    writeVisible(dayThree);
    writeVisible(root);
    writeVisible(dayTwo);
    awaitVisible(StoredCalls.ingested(List.of(root, dayTwo, dayThree)));

    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(root, dayTwo, dayThree);
    TraceSummary s = only(search(SpanFilter.all())).summary();
    assertThat(s.spanCount()).isEqualTo(3);
    assertThat(s.llmCallCount()).isEqualTo(2);
    assertThat(s.startEpochNanos()).isEqualTo(T0);
    assertThat(s.durationNanos()).isEqualTo(3 * DAY);
    assertThat(s.rootSpanName()).isEqualTo("nightly batch");
    assertThat(s.costUsd()).isCloseTo(0.03, within(1e-9));
  }

  @Test
  protected void acknowledgedSpansSurviveARestart() {
    assumeThat(harness.supportsRestart()).as("the store persists spans").isTrue();
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "kept", T0, SECOND).build();
    Span call = spans.llmCall(traceId, root.spanId(), "gpt-4o", 10, 1, 0.01, T0 + 1).build();
    List<IngestedSpan> written = write(TENANT, StoredCalls.ingested(List.of(root, call)));

    store = harness.restart(store);

    awaitVisible(written);
    assertThat(store.getTrace(TENANT, traceId, 0, 0)).containsExactly(root, call);
    assertThat(only(search(SpanFilter.all())).summary().llmCallCount()).isEqualTo(1);
    assertThat(store.llmCalls(TENANT, dev.tokentrail.store.CallFilter.window(0, 0)).size()).isEqualTo(1);
  }
}
