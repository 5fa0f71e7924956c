package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Trace-level intrinsics ({@code rootServiceName}, {@code rootName}, {@code traceDuration}) match
 * on the trace's rollup, including spans outside the window; which span names the trace.
 */
public abstract class TraceLevelContract extends StoreContract {

  @Test
  protected void traceLevelIntrinsicsMatchTheRollup() {
    long t = T0 + 300 * SECOND;
    TraceId bot = spans.traceId();
    TraceId other = spans.traceId();
    Span root = spans.span(bot, "answer question", t, 20 * SECOND).resource(TestSpans.service("support-bot")).build();
    writeVisible(root,
        spans.llmCall(bot, root.spanId(), "gpt-4o", 10, 1, 0.01, t + 1).build(),
        spans.span(other, "batch job", t, 1_000_000L).resource(TestSpans.service("etl")).build());
    long from = t - 1;
    long to = t + 1_000_000;
    assertThat(ids(search(TraceSearch.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.SERVICE), "support-bot"), from, to, 10))))
        .containsExactly(bot);
    assertThat(ids(search(TraceSearch.of(new Condition(FieldRef.intrinsic(FieldRef.TRACE_DURATION), Op.GT, 10 * SECOND), from, to, 10))))
        .containsExactly(bot);
    assertThat(ids(search(TraceSearch.of(new Condition(FieldRef.intrinsic(FieldRef.ROOT_NAME), Op.REGEX, "batch.*"), from, to, 10))))
        .containsExactly(other);
    assertThat(ids(search(TraceSearch.of(new Condition(FieldRef.intrinsic(FieldRef.SERVICE), Op.NEQ, "etl"), from, to, 10))))
        .containsExactly(bot);
  }

  @Test
  protected void everySpanOfAMatchingTraceInTheWindowMatches() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "root", T0, 10 * SECOND).build();
    Span child = spans.span(traceId, "child", T0 + SECOND, SECOND).parentSpanId(root.spanId()).build();
    Span late = spans.span(traceId, "late", T0 + DAY, SECOND).parentSpanId(root.spanId()).build();
    writeVisible(root, child, late);
    SpanFilter rootName = SpanFilter.eq(FieldRef.intrinsic(FieldRef.ROOT_NAME), "root");

    TraceMatch m = only(search(TraceSearch.of(rootName, T0 + 1, T0 + 2 * SECOND, 10).withSpansPerTrace(10)));
    assertThat(m.matchedCount()).isEqualTo(1);
    assertThat(m.matchedSpans()).containsExactly(child);
    assertThat(only(search(TraceSearch.of(rootName, 0, 0, 10))).matchedCount()).isEqualTo(3);
  }

  @Test
  protected void traceLevelAndSpanConditionsCombineOnOneSpan() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "root", T0, 10 * SECOND).resource(TestSpans.service("bot")).build();
    Span call = spans.llmCall(traceId, root.spanId(), "gpt-4o", 10, 1, 0.01, T0 + 1).resource(TestSpans.service("llm-proxy")).build();
    writeVisible(root, call);
    SpanFilter filter = new SpanFilter.And(List.of(
        SpanFilter.eq(FieldRef.intrinsic(FieldRef.SERVICE), "bot"),
        SpanFilter.eq(FieldRef.resource("service.name"), "llm-proxy")));

    TraceMatch m = only(search(TraceSearch.of(filter, 0, 0, 10)));
    assertThat(m.matchedSpans()).containsExactly(call);
  }

  @Test
  protected void withoutARootTheEarliestSpanNamesTheTraceUntilTheRootArrives() {
    TraceId traceId = spans.traceId();
    Span child = spans.span(traceId, "child", T0 + SECOND, SECOND).parentSpanId(SpanId.fromHex("00000000000000aa"))
        .resource(TestSpans.service("worker")).build();
    Span later = spans.span(traceId, "later child", T0 + 2 * SECOND, SECOND).parentSpanId(SpanId.fromHex("00000000000000aa")).build();
    writeVisible(later, child);
    TraceSummary before = only(search(SpanFilter.all())).summary();
    assertThat(before.rootServiceName()).isEqualTo("worker");
    assertThat(before.rootSpanName()).isEqualTo("child");

    Span root = spans.span(traceId, "the root", T0 + 3 * SECOND, 5 * SECOND).resource(TestSpans.service("gateway")).build();
    writeVisible(root);
    eventually(() -> assertThat(only(search(SpanFilter.all())).summary().rootSpanName()).isEqualTo("the root"));
    TraceSummary after = only(search(SpanFilter.all())).summary();
    assertThat(after.rootServiceName()).isEqualTo("gateway");
    assertThat(after.spanCount()).isEqualTo(3);
    assertThat(ids(search(SpanFilter.eq(FieldRef.intrinsic(FieldRef.ROOT_NAME), "the root")))).containsExactly(traceId);
  }

  @Test
  protected void ofSeveralRootsTheEarliestThenTheSmallerSpanIdNamesTheTrace() {
    TraceId traceId = spans.traceId();
    Span first = spans.span(traceId, "first", T0, SECOND).build();
    Span second = spans.span(traceId, "second", T0, SECOND).build();
    Span earlier = spans.span(traceId, "earlier", T0 - SECOND, SECOND).parentSpanId(first.spanId()).build();
    // The greater span id is written first: arrival order must not decide.
    writeVisible(second, first, earlier);

    TraceSummary s = only(search(SpanFilter.all())).summary();
    assertThat(s.rootSpanName()).isEqualTo("first");
    assertThat(s.startEpochNanos()).isEqualTo(T0 - SECOND);
  }

  @Test
  protected void aTraceWithoutLlmCallsHasEmptyCallTotals() {
    TraceId traceId = spans.traceId();
    writeVisible(TestSpans.error(spans.span(traceId, "plain", T0, SECOND).build()));
    TraceSummary s = only(search(SpanFilter.all())).summary();
    assertThat(s.llmCallCount()).isZero();
    assertThat(s.errorCount()).isEqualTo(1);
    assertThat(s.costUsd()).isZero();
    assertThat(s.inputTokens()).isZero();
    assertThat(s.outputTokens()).isZero();
    assertThat(s.models()).isEmpty();
    assertThat(s.team()).isNull();
    assertThat(s.project()).isNull();
  }

  @Test
  protected void teamAndProjectComeFromTheEarliestCallNamingThem() {
    TraceId traceId = spans.traceId();
    Span late = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 1, 1, 0.01, T0 + 2).attribute("tokentrail.team", "late-team")
        .attribute("tokentrail.project", "late-project").build();
    Span tiedSmaller = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 1, 1, 0.01, T0 + 1).attribute("tokentrail.team", "tied-smaller")
        .build();
    Span tiedGreater = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 1, 1, 0.01, T0 + 1).attribute("tokentrail.team", "tied-greater")
        .attribute("tokentrail.project", "tied-project").build();
    Span anonymous = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 1, 1, 0.01, T0).build().withAttributes(java.util.Map.of(
        "tokentrail.llm_call", true, "gen_ai.operation.name", "chat", "gen_ai.request.model", "gpt-4o"));
    writeVisible(late, tiedGreater, tiedSmaller, anonymous);

    TraceSummary s = only(search(SpanFilter.all())).summary();
    assertThat(s.team()).isEqualTo("tied-smaller");
    assertThat(s.project()).isEqualTo("tied-project");
  }
}
