package dev.tokentrail.store;

import dev.tokentrail.genai.StoredCalls;
import static dev.tokentrail.store.TestSpans.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.tokentrail.model.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link SpanStore} implementation proves: extend it and provide a fresh store.
 * Reads poll with a deadline because stores are near-real-time.
 */
public abstract class SpanStoreConformanceTest {
  protected static final long NOW = Instant.now().toEpochMilli() * 1_000_000L;
  protected SpanStore store;

  protected abstract SpanStore newStore();

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  protected List<Span> awaitTrace(String traceId, int expectedSpans) {
    List<Span>[] found = new List[1];
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
      found[0] = store.getTrace(Tenants.DEFAULT, traceId, 0, 0);
      assertThat(found[0]).hasSize(expectedSpans);
    });
    return found[0];
  }

  @Test
  void acceptedSpansAreReadBackWithEveryField() throws Exception {
    String traceId = randomTraceId();
    Span root = span(traceId, "POST /answer", NOW, 5_000_000_000L)
        .kind(dev.tokentrail.model.SpanKind.SERVER)
        .attribute("http.route", "/answer")
        .attribute("retries", 3L)
        .attribute("ratio", 0.25)
        .attribute("flag", true)
        .attribute("tags", List.of("a", "b"))
        .build();
    Span call = llmCall(traceId, root.spanId(), "gpt-4o", 1200, 300, 0.006, NOW + 1_000_000).build();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(root, call))).get();

    List<Span> trace = awaitTrace(traceId, 2);
    assertThat(trace.get(0)).isEqualTo(root);
    assertThat(trace.get(1)).isEqualTo(call);
  }

  @Test
  void llmCallsAreReadIntoTheCallTableWithTheirSdkRetries() throws Exception {
    String traceId = randomTraceId();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(
        llmCall(traceId, "", "gpt-4o", 1200, 300, 0.006, NOW).attribute("tokentrail.retry.attempt", 2L)
            .attribute("tokentrail.request.hash", "h1").build(),
        llmCall(traceId, "", "gpt-4o-mini", 100, 10, 0.001, NOW + 1).build()))).get();

    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
      dev.tokentrail.store.CallTable calls = store.llmCalls(Tenants.DEFAULT, 
          new dev.tokentrail.store.CallFilter(NOW - 1, NOW + 1_000_000_000L, null, null, null, null, null));
      assertThat(calls.size()).isEqualTo(2);
      java.util.Map<String, Integer> retries = new java.util.HashMap<>();
      for (int row = 0; row < calls.size(); row++) {
        retries.put(calls.text(row, dev.tokentrail.store.CallTable.Text.MODEL), calls.sdkRetries(row));
      }
      assertThat(retries).containsOnly(java.util.Map.entry("gpt-4o", 2), java.util.Map.entry("gpt-4o-mini", 0));
    });
  }

  @Test
  void unknownTraceIsEmpty() {
    assertThat(store.getTrace(Tenants.DEFAULT, randomTraceId(), 0, 0)).isEmpty();
  }

  @Test
  void shortAndUpperCaseTraceIdsAreNormalized() throws Exception {
    String traceId = "0000000000000000" + "00000000deadbeef";
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span(traceId, "x", NOW, 1000).build()))).get();
    awaitTrace(traceId, 1);
    assertThat(store.getTrace(Tenants.DEFAULT, "DEADBEEF", 0, 0)).hasSize(1);
  }

  @Test
  void spanResentByARetryingExporterIsStoredOnce() throws Exception {
    String traceId = randomTraceId();
    Span span = llmCall(traceId, "", "gpt-4o", 100, 10, 0.5, NOW).build();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span))).get();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span))).get();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span, span))).get();
    awaitTrace(traceId, 1);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      List<TraceMatch> found = store.search(Tenants.DEFAULT, TraceSearch.of(SpanFilter.all(), NOW - 1, NOW + 10_000_000_000L, 10));
      assertThat(found).extracting(m -> m.summary().traceId()).contains(traceId);
      TraceSummary summary = found.stream().filter(m -> m.summary().traceId().equals(traceId)).findFirst().orElseThrow(() -> new AssertionError("trace not found yet")).summary();
      assertThat(summary.costUsd()).isCloseTo(0.5, within(1e-9));
      assertThat(summary.llmCallCount()).isEqualTo(1);
    });
  }

  @Test
  void traceRollupSumsLlmCallsAndNamesTheRoot() throws Exception {
    String traceId = randomTraceId();
    Span root = span(traceId, "agent run", NOW, 10_000_000_000L).resource(service("support-bot")).build();
    Span a = llmCall(traceId, root.spanId(), "gpt-4o", 1000, 100, 0.10, NOW + 1).build();
    Span b = error(llmCall(traceId, root.spanId(), "claude-sonnet-4", 2000, 200, 0.25, NOW + 2).build());
    // Children arrive before their root, as batch exporters often send them.
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(a, b))).get();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(root))).get();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      List<TraceMatch> found = store.search(Tenants.DEFAULT, TraceSearch.of(SpanFilter.all(), NOW - 1, NOW + 20_000_000_000L, 10));
      TraceSummary s = found.stream().filter(m -> m.summary().traceId().equals(traceId)).findFirst().orElseThrow(() -> new AssertionError("trace not found yet")).summary();
      assertThat(s.rootServiceName()).isEqualTo("support-bot");
      assertThat(s.rootSpanName()).isEqualTo("agent run");
      assertThat(s.spanCount()).isEqualTo(3);
      assertThat(s.llmCallCount()).isEqualTo(2);
      assertThat(s.errorCount()).isEqualTo(1);
      assertThat(s.costUsd()).isCloseTo(0.35, within(1e-9));
      assertThat(s.inputTokens()).isEqualTo(3000);
      assertThat(s.outputTokens()).isEqualTo(300);
      assertThat(s.models()).containsExactly("claude-sonnet-4", "gpt-4o");
      assertThat(s.team()).isEqualTo("search");
      assertThat(s.durationNanos()).isEqualTo(10_000_000_000L);
    });
  }

  @Test
  void searchFiltersByAttributeTypeAndRanksByCost() throws Exception {
    long t = NOW + 100_000_000_000L;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String traceId = randomTraceId();
      ids.add(traceId);
      String model = i % 2 == 0 ? "gpt-4o" : "claude-3-5-haiku";
      store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(llmCall(traceId, "", model, 10_000L * (i + 1), 100, 0.01 * (i + 1), t + i).build()))).get();
    }
    SpanFilter gpt = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(gpt, t - 1, t + 1_000_000, 10))).hasSize(3));

    List<TraceMatch> byCost = store.search(Tenants.DEFAULT, TraceSearch.of(gpt, t - 1, t + 1_000_000, 2).withOrder(TraceSearch.Order.COST));
    assertThat(byCost).extracting(m -> m.summary().traceId()).containsExactly(ids.get(4), ids.get(2));

    SpanFilter big = new SpanFilter.Condition(FieldRef.span("gen_ai.usage.input_tokens"), SpanFilter.Op.GT, 30_000L);
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(big, t - 1, t + 1_000_000, 10)))
        .extracting(m -> m.summary().traceId()).containsExactlyInAnyOrder(ids.get(3), ids.get(4));

    SpanFilter regex = new SpanFilter.Condition(FieldRef.any("gen_ai.request.model"), SpanFilter.Op.REGEX, "claude.*");
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(regex, t - 1, t + 1_000_000, 10))).hasSize(2);

    SpanFilter hasConversation = new SpanFilter.Condition(FieldRef.span("gen_ai.conversation.id"), SpanFilter.Op.EXISTS, null);
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(hasConversation, t - 1, t + 1_000_000, 10))).isEmpty();

    SpanFilter serviceIs = SpanFilter.eq(FieldRef.resource("service.name"), "checkout");
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(serviceIs, t - 1, t + 1_000_000, 10))).hasSize(5);

    SpanFilter outside = SpanFilter.all();
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(outside, t + 10_000_000, t + 20_000_000, 10))).isEmpty();
  }

  @Test
  void searchReturnsMatchingSpansUpToSpansPerTrace() throws Exception {
    String traceId = randomTraceId();
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      spans.add(llmCall(traceId, "", "gpt-4o", 10, 1, 0.001, NOW + i).build());
    }
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      List<TraceMatch> found = store.search(Tenants.DEFAULT, TraceSearch.of(SpanFilter.all(), NOW - 1, NOW + 100, 10).withSpansPerTrace(2));
      TraceMatch m = found.stream().filter(x -> x.summary().traceId().equals(traceId)).findFirst().orElseThrow(() -> new AssertionError("trace not found yet"));
      assertThat(m.matchedCount()).isEqualTo(6);
      assertThat(m.matchedSpans()).hasSize(2);
    });
  }

  @Test
  void tagNamesAndValuesListWhatWasStored() throws Exception {
    String traceId = randomTraceId();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(llmCall(traceId, "", "gpt-4o-mini", 10, 1, 0.001, NOW).attribute("deployment", "blue").build()))).get();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      TagNames names = store.tagNames(Tenants.DEFAULT, 0, 0, 1000);
      assertThat(names.span()).contains("gen_ai.request.model", "deployment", "gen_ai.usage.input_tokens");
      assertThat(names.resource()).contains("service.name");
      assertThat(store.tagValues(Tenants.DEFAULT, FieldRef.span("gen_ai.request.model"), 0, 0, 100))
          .contains(new TagValue("string", "gpt-4o-mini"));
      assertThat(store.tagValues(Tenants.DEFAULT, FieldRef.span("gen_ai.usage.input_tokens"), 0, 0, 100))
          .contains(new TagValue("int", "10"));
    });
  }

  @Test
  void storeReportsReady() {
    assertThat(store.isReady()).isTrue();
  }

  @Test
  void spansetsCombineAsTraceSetsAndAggregatesFilterTraces() throws Exception {
    long t = NOW + 200_000_000_000L;
    String cheap = randomTraceId();
    String costly = randomTraceId();
    String mixed = randomTraceId();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(
        llmCall(cheap, "", "gpt-4o-mini", 100, 10, 0.01, t).build(),
        llmCall(costly, "", "gpt-4o", 100, 10, 0.40, t + 1).build(),
        llmCall(costly, "", "gpt-4o", 100, 10, 0.30, t + 2).build(),
        llmCall(mixed, "", "gpt-4o", 100, 10, 0.05, t + 3).build(),
        llmCall(mixed, "", "claude-3-5-haiku", 100, 10, 0.02, t + 4).build()))).get();
    SpanFilter gpt4o = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o");
    SpanFilter haiku = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "claude-3-5-haiku");
    long from = t - 1;
    long to = t + 1_000_000;
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(SpanFilter.all(), from, to, 10))).hasSize(3));

    Spansets both = new Spansets.Combine(true, Spansets.of(gpt4o), Spansets.of(haiku));
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(both, List.of(), from, to, 10)))
        .extracting(m -> m.summary().traceId()).containsExactly(mixed);

    Spansets either = new Spansets.Combine(false, Spansets.of(gpt4o), Spansets.of(haiku));
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(either, List.of(), from, to, 10)))
        .extracting(m -> m.summary().traceId()).containsExactlyInAnyOrder(costly, mixed);

    AggregateCondition costOverHalf = new AggregateCondition(
        AggregateCondition.Function.SUM, FieldRef.span("tokentrail.cost.usd"), SpanFilter.Op.GT, 0.5);
    List<TraceMatch> expensive = store.search(Tenants.DEFAULT, TraceSearch.of(Spansets.of(gpt4o), List.of(costOverHalf), from, to, 10));
    assertThat(expensive).extracting(m -> m.summary().traceId()).containsExactly(costly);
    assertThat(expensive.get(0).aggregates().get("sum(span.tokentrail.cost.usd)")).isCloseTo(0.70, within(1e-9));

    AggregateCondition twoCalls = new AggregateCondition(AggregateCondition.Function.COUNT, null, SpanFilter.Op.GTE, 2);
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(Spansets.of(SpanFilter.all()), List.of(twoCalls), from, to, 10)))
        .extracting(m -> m.summary().traceId()).containsExactlyInAnyOrder(costly, mixed);

    AggregateCondition maxInput = new AggregateCondition(
        AggregateCondition.Function.MAX, FieldRef.any("gen_ai.usage.input_tokens"), SpanFilter.Op.EQ, 100);
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(Spansets.of(SpanFilter.all()), List.of(maxInput), from, to, 10))).hasSize(3);
  }

  @Test
  void traceLevelIntrinsicsMatchTheRollup() throws Exception {
    long t = NOW + 300_000_000_000L;
    String bot = randomTraceId();
    String other = randomTraceId();
    Span root = span(bot, "answer question", t, 20_000_000_000L).resource(service("support-bot")).build();
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(root,
        llmCall(bot, root.spanId(), "gpt-4o", 10, 1, 0.01, t + 1).build(),
        span(other, "batch job", t, 1_000_000L).resource(service("etl")).build()))).get();
    long from = t - 1;
    long to = t + 1_000_000;
    SpanFilter rootIsBot = SpanFilter.eq(FieldRef.intrinsic(FieldRef.SERVICE), "support-bot");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(rootIsBot, from, to, 10)))
            .extracting(m -> m.summary().traceId()).containsExactly(bot));
    SpanFilter longTraces = new SpanFilter.Condition(FieldRef.intrinsic(FieldRef.TRACE_DURATION), SpanFilter.Op.GT, 10_000_000_000L);
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(longTraces, from, to, 10)))
        .extracting(m -> m.summary().traceId()).containsExactly(bot);
    SpanFilter rootName = new SpanFilter.Condition(FieldRef.intrinsic(FieldRef.ROOT_NAME), SpanFilter.Op.REGEX, "batch.*");
    assertThat(store.search(Tenants.DEFAULT, TraceSearch.of(rootName, from, to, 10)))
        .extracting(m -> m.summary().traceId()).containsExactly(other);
  }
}
