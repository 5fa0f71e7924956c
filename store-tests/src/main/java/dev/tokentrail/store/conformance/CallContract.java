package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TooManyCallsException;
import dev.tokentrail.store.TraceSummary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * LLM calls as columns: one row per call span (re-sent once), every column as the call was
 * ingested, and every {@link CallFilter} field.
 */
public abstract class CallContract extends StoreContract {

  private List<CallRow> calls(CallFilter filter) {
    return CallRow.all(store.llmCalls(TENANT, filter));
  }

  @Test
  protected void llmCallsAreReadIntoTheCallTableWithTheirSdkRetries() {
    TraceId traceId = spans.traceId();
    writeVisible(
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 1200, 300, 0.006, T0).attribute("tokentrail.retry.attempt", 2L)
            .attribute("tokentrail.request.hash", "h1").build(),
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o-mini", 100, 10, 0.001, T0 + 1).build(),
        spans.span(traceId, "not a call", T0 + 2, SECOND).build());
    List<CallRow> rows = calls(CallFilter.window(T0 - 1, T0 + SECOND));
    assertThat(rows).extracting(r -> r.text(Text.MODEL), CallRow::sdkRetries)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("gpt-4o", 2), org.assertj.core.groups.Tuple.tuple("gpt-4o-mini", 0));
  }

  @Test
  protected void aReadHoldingAtMostSomeCallsRefusesAWindowWithMore() {
    TraceId traceId = spans.traceId();
    writeVisible(
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 100, 10, 0.001, T0).build(),
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 100, 10, 0.001, T0 + 1).build(),
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 100, 10, 0.001, T0 + 2).build());
    CallFilter window = CallFilter.window(T0 - 1, T0 + SECOND);
    assertThat(store.llmCalls(TENANT, window, 3).size()).isEqualTo(3);
    assertThatThrownBy(() -> store.llmCalls(TENANT, window, 2))
        .isInstanceOf(TooManyCallsException.class)
        .hasMessageStartingWith("the window holds more than 2 LLM calls")
        .satisfies(e -> assertThat(((TooManyCallsException) e).maxCalls()).isEqualTo(2));
    assertThat(store.llmCalls(TENANT, CallFilter.window(T0 - 1, T0 + 1), 2).size()).isEqualTo(2);
  }

  @Test
  protected void everyColumnHoldsWhatTheCallHeld() {
    TraceId traceId = spans.traceId();
    Span root = spans.span(traceId, "agent", T0, 10 * SECOND).build();
    Span call = spans.llmCall(traceId, root.spanId(), "claude-sonnet-4", 1000, 200, 0.25, T0 + SECOND)
        .resource(Resource.of(Map.of("service.name", "support-bot")))
        .attribute("gen_ai.provider.name", "anthropic")
        .attribute("gen_ai.response.model", "claude-sonnet-4-20250514")
        .attribute("gen_ai.usage.cache_read.input_tokens", 300L)
        .attribute("gen_ai.usage.cache_creation.input_tokens", 100L)
        .attribute("gen_ai.usage.reasoning.output_tokens", 50L)
        .attribute("gen_ai.conversation.id", "conv-1")
        .attribute("gen_ai.tool.definitions", "[]")
        .attribute("error.type", "rate_limited")
        .attribute("tokentrail.request.hash", "req")
        .attribute("tokentrail.prefix.hash", "pre")
        .attribute("tokentrail.task", "summarize")
        .attribute("tokentrail.project", "helpdesk")
        .attribute("tokentrail.cost_center", "cc-7")
        .attribute("tokentrail.feature", "triage")
        .build();
    writeVisible(root, call);

    CallRow row = calls(CallFilter.window(0, 0)).get(0);
    assertThat(calls(CallFilter.window(0, 0))).hasSize(1);
    assertThat(row.traceId()).isEqualTo(traceId);
    assertThat(row.spanId()).isEqualTo(call.spanId().value());
    assertThat(row.parentId()).isEqualTo(root.spanId().value());
    assertThat(row.start()).isEqualTo(call.startEpochNanos());
    assertThat(row.end()).isEqualTo(call.endEpochNanos());
    assertThat(row.input()).isEqualTo(1000);
    assertThat(row.output()).isEqualTo(200);
    assertThat(row.cacheRead()).isEqualTo(300);
    assertThat(row.cacheWrite()).isEqualTo(100);
    assertThat(row.reasoning()).isEqualTo(50);
    assertThat(row.cost()).isCloseTo(0.25, within(1e-12));
    assertThat(row.tools()).isTrue();
    assertThat(row.texts()).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry(Text.SERVICE, "support-bot"), Map.entry(Text.SPAN_NAME, "chat claude-sonnet-4"),
        Map.entry(Text.PROVIDER, "anthropic"), Map.entry(Text.MODEL, "claude-sonnet-4-20250514"),
        Map.entry(Text.OPERATION, "chat"), Map.entry(Text.REQUEST_HASH, "req"), Map.entry(Text.PREFIX_HASH, "pre"),
        Map.entry(Text.CONVERSATION, "conv-1"), Map.entry(Text.TASK, "summarize"), Map.entry(Text.ERROR_TYPE, "rate_limited"),
        Map.entry(Text.TEAM, "search"), Map.entry(Text.PROJECT, "helpdesk"), Map.entry(Text.COST_CENTER, "cc-7"),
        Map.entry(Text.FEATURE, "triage")));
  }

  @Test
  protected void prefixTokensAreReadIntoTheCallTable() {
    TraceId traceId = spans.traceId();
    writeVisible(
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 3000, 10, 0.01, T0)
            .attribute("tokentrail.prefix.hash", "pre").attribute("tokentrail.prefix.tokens", 2048L).build(),
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 3000, 10, 0.01, T0 + 1).build());
    assertThat(calls(CallFilter.window(0, 0))).extracting(CallRow::prefixTokens).containsExactlyInAnyOrder(2048L, -1L);
  }

  @Test
  protected void unreportedTokensAndUnpricedCallsReadAsUnknown() {
    TraceId traceId = spans.traceId();
    Span unpriced = spans.span(traceId, "chat mystery", T0, SECOND)
        .attribute("tokentrail.llm_call", true).attribute("gen_ai.operation.name", "chat")
        .attribute("gen_ai.request.model", "mystery-model").attribute("tokentrail.price.unpriced_reason", "unknown_model")
        .build();
    writeVisible(unpriced);
    CallRow row = calls(CallFilter.window(0, 0)).get(0);
    assertThat(row.input()).isEqualTo(-1);
    assertThat(row.output()).isEqualTo(-1);
    assertThat(row.cacheRead()).isEqualTo(-1);
    assertThat(row.cost()).isNaN();
    assertThat(row.tools()).isFalse();
    TraceSummary s = only(search(SpanFilter.all())).summary();
    assertThat(s.llmCallCount()).isEqualTo(1);
    assertThat(s.costUsd()).isZero();
    assertThat(s.totalTokens()).isZero();
    assertThat(s.models()).containsExactly("mystery-model");
  }

  @Test
  protected void callColumnsComeFromTheIngestedCallNotFromAttributeNames() {
    TraceId traceId = spans.traceId();
    // A span whose attributes name no call, ingested with the call its original convention reported.
    Span span = spans.span(traceId, "llm", T0, SECOND).attribute("llm.model_name", "gpt-4o").build();
    LlmCall call = new LlmCall("chat", "openai", "gpt-4o", null, 500, 50, -1, -1, -1, -1, -1, -1, null, null, Double.NaN,
        new Attribution("ml", null, null, null, null), null, null, Double.NaN, -1, null, null, -1, false,
        new Cost(0.004, 0.003, 0.001, "gpt-4o", null, "v1", null, "openai"));
    writeVisible(List.of(new IngestedSpan(span, call)));

    List<CallRow> rows = calls(CallFilter.window(0, 0));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).text(Text.MODEL)).isEqualTo("gpt-4o");
    assertThat(rows.get(0).input()).isEqualTo(500);
    assertThat(rows.get(0).cost()).isCloseTo(0.004, within(1e-12));
    assertThat(rows.get(0).text(Text.TEAM)).isEqualTo("ml");
    TraceSummary s = only(search(SpanFilter.all())).summary();
    assertThat(s.llmCallCount()).isEqualTo(1);
    assertThat(s.inputTokens()).isEqualTo(500);
    assertThat(s.team()).isEqualTo("ml");
  }

  @Test
  protected void aReSentCallIsOneRow() {
    Span call = spans.llmCall(spans.traceId(), SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0).build();
    write(call);
    writeVisible(call);
    assertThat(calls(CallFilter.window(0, 0))).hasSize(1);
  }

  @Test
  protected void everyFilterFieldSelectsItsCalls() {
    TraceId traceId = spans.traceId();
    Span a = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0)
        .resource(TestSpans.service("svc-a")).attribute("tokentrail.team", "team-a")
        .attribute("tokentrail.project", "proj-a").attribute("tokentrail.feature", "feat-a")
        .attribute("gen_ai.response.model", "gpt-4o-2024-08-06").build();
    Span b = spans.llmCall(traceId, SpanId.NONE, "claude-3-5-haiku", 10, 1, 0.01, T0 + MINUTE)
        .resource(TestSpans.service("svc-b")).attribute("tokentrail.team", "team-b")
        .attribute("tokentrail.project", "proj-b").attribute("tokentrail.feature", "feat-b").build();
    writeVisible(a, b, spans.span(traceId, "plain", T0 + 1, SECOND).attribute("tokentrail.team", "team-a").build());
    long sa = a.spanId().value();
    long sb = b.spanId().value();

    assertThat(calls(CallFilter.window(0, 0))).extracting(CallRow::spanId).containsExactlyInAnyOrder(sa, sb);
    assertThat(calls(CallFilter.window(T0, T0))).extracting(CallRow::spanId).containsExactly(sa);
    assertThat(calls(CallFilter.window(T0 + 1, T0 + MINUTE))).extracting(CallRow::spanId).containsExactly(sb);
    assertThat(calls(new CallFilter(0, 0, "svc-b", null, null, null, null))).extracting(CallRow::spanId).containsExactly(sb);
    assertThat(calls(new CallFilter(0, 0, null, "team-a", null, null, null))).extracting(CallRow::spanId).containsExactly(sa);
    assertThat(calls(new CallFilter(0, 0, null, null, "proj-b", null, null))).extracting(CallRow::spanId).containsExactly(sb);
    assertThat(calls(new CallFilter(0, 0, null, null, null, null, "feat-a"))).extracting(CallRow::spanId).containsExactly(sa);
    assertThat(calls(new CallFilter(0, 0, null, null, null, "gpt-4o", null))).extracting(CallRow::spanId).containsExactly(sa);
    assertThat(calls(new CallFilter(0, 0, null, null, null, "gpt-4o-2024-08-06", null))).extracting(CallRow::spanId).containsExactly(sa);
    assertThat(calls(new CallFilter(0, 0, null, null, null, "claude-3-5-haiku", null))).extracting(CallRow::spanId).containsExactly(sb);
    assertThat(calls(new CallFilter(0, 0, "svc-a", "team-b", null, null, null))).isEmpty();
    assertThat(calls(new CallFilter(0, 0, null, null, null, "nosuch", null))).isEmpty();
  }

  @Test
  protected void callsOfOneTraceInDifferentPartitionsAreAllListed() {
    TraceId traceId = spans.traceId();
    writeVisible(spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0).build(),
        spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0 + 2 * DAY).build());
    assertThat(calls(CallFilter.window(0, 0))).hasSize(2).extracting(CallRow::traceId).containsOnly(traceId);
    assertThat(calls(CallFilter.window(T0 + DAY, 0))).hasSize(1);
  }
}
