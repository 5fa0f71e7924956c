package dev.tokentrail.store.conformance;

import static dev.tokentrail.store.SpanFilter.Op.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.TraceSearch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Span filters, one operator at a time: typed comparisons on span, resource and unscoped
 * attributes, lists, presence, intrinsics, the time window, and refusals. Each trace has one span
 * so that a trace id names the span that matched.
 */
public abstract class SearchOperatorContract extends StoreContract {
  private final List<IngestedSpan> pending = new ArrayList<>();

  /** A one-span trace with these span attributes (service {@code checkout}); its trace id. */
  private TraceId trace(Map<String, Object> attributes) {
    return trace(attributes, TestSpans.service("checkout"));
  }

  private TraceId trace(Map<String, Object> attributes, Resource resource) {
    TraceId traceId = spans.traceId();
    pending.add(StoredCalls.ingested(spans.span(traceId, "op", T0 + pending.size(), SECOND)
        .attributes(attributes).resource(resource).build()));
    return traceId;
  }

  private TraceId trace(Span.Builder builder) {
    Span built = builder.build();
    long start = T0 + pending.size();
    Span span = new Span(built.traceId(), built.spanId(), built.parentSpanId(), built.traceState(), built.name(),
        built.kind(), start, start + built.durationNanos(), built.statusCode(), built.statusMessage(),
        built.attributes(), built.resource(), built.scopeName(), built.scopeVersion(), built.events(), built.links());
    pending.add(StoredCalls.ingested(span));
    return span.traceId();
  }

  private void flush() {
    writeVisible(new ArrayList<>(pending));
    pending.clear();
  }

  private List<TraceId> matching(FieldRef field, SpanFilter.Op op, Object value) {
    return matching(new Condition(field, op, value));
  }

  private List<TraceId> matching(SpanFilter filter) {
    return ids(store.search(TENANT, TraceSearch.of(filter, 0, 0, 100)));
  }

  @Test
  protected void stringEqualityIsExact() {
    TraceId abc = trace(Map.of("x", "abc"));
    trace(Map.of("x", "abcd"));
    trace(Map.of("x", "ABC"));
    trace(Map.of());
    flush();
    assertThat(matching(FieldRef.span("x"), EQ, "abc")).containsExactly(abc);
  }

  @Test
  protected void regexMustMatchTheWholeValue() {
    TraceId api = trace(Map.of("x", "checkout-api"));
    TraceId bare = trace(Map.of("x", "checkout"));
    TraceId suffix = trace(Map.of("x", "api-checkout"));
    trace(Map.of());
    flush();
    assertThat(matching(FieldRef.span("x"), REGEX, "checkout.*")).containsExactlyInAnyOrder(api, bare);
    assertThat(matching(FieldRef.span("x"), REGEX, "checkout")).containsExactly(bare);
    assertThat(matching(FieldRef.span("x"), REGEX, "(api|web)-.*")).containsExactly(suffix);
    assertThat(matching(FieldRef.span("x"), NOT_REGEX, "checkout.*")).containsExactly(suffix);
  }

  @Test
  protected void notEqualMatchesOnlySpansHavingTheField() {
    TraceId a = trace(Map.of("x", "a"));
    TraceId b = trace(Map.of("x", "b"));
    trace(Map.of("y", "a"));
    flush();
    assertThat(matching(FieldRef.span("x"), NEQ, "a")).containsExactly(b);
    assertThat(matching(FieldRef.span("x"), NEQ, "z")).containsExactlyInAnyOrder(a, b);
  }

  @Test
  protected void numberConditionsCompareNumericallyWhateverTheNumberType() {
    TraceId five = trace(Map.of("n", 5L));
    TraceId fiveDouble = trace(Map.of("n", 5.0));
    TraceId fiveAndHalf = trace(Map.of("n", 5.5));
    TraceId seven = trace(Map.of("n", 7L));
    trace(Map.of());
    flush();
    FieldRef n = FieldRef.span("n");
    assertThat(matching(n, EQ, 5L)).containsExactlyInAnyOrder(five, fiveDouble);
    assertThat(matching(n, EQ, 5.0)).containsExactlyInAnyOrder(five, fiveDouble);
    assertThat(matching(n, NEQ, 5L)).containsExactlyInAnyOrder(fiveAndHalf, seven);
    assertThat(matching(n, GT, 5L)).containsExactlyInAnyOrder(fiveAndHalf, seven);
    assertThat(matching(n, GTE, 5L)).containsExactlyInAnyOrder(five, fiveDouble, fiveAndHalf, seven);
    assertThat(matching(n, LT, 5.5)).containsExactlyInAnyOrder(five, fiveDouble);
    assertThat(matching(n, LTE, 5.5)).containsExactlyInAnyOrder(five, fiveDouble, fiveAndHalf);
    assertThat(matching(n, GT, 7L)).isEmpty();
  }

  @Test
  protected void tokenAndCostComparisonsCoverEveryNumericShapeOfTheirValue() {
    String key = "gen_ai.usage.input_tokens";
    TraceId five = trace(Map.of(key, 5L));
    TraceId fiveDouble = trace(Map.of(key, 5.0));
    TraceId fiveAndHalf = trace(Map.of(key, 5.5));
    TraceId seven = trace(Map.of(key, 7L));
    TraceId list = trace(Map.of(key, List.of(1L, 5000L)));
    TraceId mixed = trace(Map.of(key, List.of("5000", 2L)));
    trace(Map.of(key, "5000")); // a string never compares with a number
    TraceId negativeZero = trace(Map.of(key, -0.0));
    TraceId zero = trace(Map.of(key, 0.0));
    TraceId infinite = trace(Map.of(key, Double.POSITIVE_INFINITY, "tokentrail.cost.usd", 0.5));
    trace(Map.of());
    TraceId onResource = trace(Map.of(), Resource.of(Map.of("service.name", "checkout", key, 9000L)));
    flush();
    FieldRef tokens = FieldRef.span(key);
    assertThat(matching(tokens, GT, 1000L)).containsExactlyInAnyOrder(list, infinite);
    assertThat(matching(FieldRef.any(key), GT, 1000L)).containsExactlyInAnyOrder(list, infinite, onResource);
    assertThat(matching(tokens, EQ, 5L)).containsExactlyInAnyOrder(five, fiveDouble);
    assertThat(matching(tokens, GTE, 0L))
        .containsExactlyInAnyOrder(five, fiveDouble, fiveAndHalf, seven, list, mixed, negativeZero, zero, infinite);
    assertThat(matching(tokens, EQ, 0L)).containsExactlyInAnyOrder(negativeZero, zero);
    assertThat(matching(tokens, EQ, -0.0)).containsExactlyInAnyOrder(negativeZero, zero);
    assertThat(matching(tokens, LTE, 0L)).containsExactlyInAnyOrder(negativeZero, zero);
    assertThat(matching(tokens, LT, 0L)).isEmpty();
    assertThat(matching(tokens, GT, 0L)).containsExactlyInAnyOrder(five, fiveDouble, fiveAndHalf, seven, list, mixed, infinite);
    assertThat(matching(tokens, LT, 2L)).containsExactlyInAnyOrder(list, negativeZero, zero);
    assertThat(matching(tokens, NEQ, 5L))
        .containsExactlyInAnyOrder(fiveAndHalf, seven, list, mixed, negativeZero, zero, infinite);
    assertThat(matching(FieldRef.span("tokentrail.cost.usd"), GT, 0.25)).containsExactly(infinite);
  }

  @Test
  protected void tokenComparisonsWhenEveryValueIsFiniteAndWithANaN() {
    String key = "gen_ai.usage.input_tokens";
    TraceId five = trace(Map.of(key, 5L, "gen_ai.request.model", "gpt-4o"));
    TraceId fiveAndHalf = trace(Map.of(key, 5.5, "gen_ai.request.model", "gpt-4o"));
    TraceId list = trace(Map.of(key, List.of(1L, 5000L), "gen_ai.request.model", "gpt-4o"));
    TraceId other = trace(Map.of(key, 7L, "gen_ai.request.model", "claude"));
    flush();
    FieldRef tokens = FieldRef.span(key);
    SpanFilter model = new Condition(FieldRef.span("gen_ai.request.model"), EQ, "gpt-4o");
    assertThat(matching(tokens, GT, 5L)).containsExactlyInAnyOrder(fiveAndHalf, list, other);
    assertThat(matching(new SpanFilter.And(List.of(model, new Condition(tokens, GT, 5L)))))
        .containsExactlyInAnyOrder(fiveAndHalf, list);
    assertThat(matching(new SpanFilter.And(List.of(new Condition(tokens, GT, 1L),
        new Condition(tokens, LT, 6L))))).containsExactlyInAnyOrder(five, fiveAndHalf, list);

    // A NaN is no value to compare (nor to have): stored, never matched, and the other spans' answers unchanged.
    TraceId nan = trace(Map.of(key, Double.NaN, "gen_ai.request.model", "gpt-4o"));
    flush();
    assertThat(matching(tokens, GT, 5L)).containsExactlyInAnyOrder(fiveAndHalf, list, other);
    assertThat(matching(tokens, LTE, 5L)).containsExactlyInAnyOrder(five, list);
    assertThat(matching(tokens, NEQ, 5L)).containsExactlyInAnyOrder(fiveAndHalf, list, other);
    assertThat(matching(new Condition(tokens, EXISTS, null))).doesNotContain(nan);
    assertThat(store.getTrace(TENANT, nan, 0, 0)).singleElement()
        .satisfies(s -> assertThat((Double) s.attribute(key)).isNaN());
  }

  @Test
  protected void stringRangesCompareUtf8Bytes() {
    TraceId apple = trace(Map.of("s", "apple"));
    TraceId banana = trace(Map.of("s", "banana"));
    TraceId zebra = trace(Map.of("s", "Zebra"));
    TraceId eclair = trace(Map.of("s", "\u00e9clair"));
    flush();
    FieldRef s = FieldRef.span("s");
    assertThat(matching(s, GT, "b")).containsExactlyInAnyOrder(banana, eclair);
    assertThat(matching(s, GTE, "banana")).containsExactlyInAnyOrder(banana, eclair);
    assertThat(matching(s, LT, "b")).containsExactlyInAnyOrder(apple, zebra);
    assertThat(matching(s, LTE, "apple")).containsExactlyInAnyOrder(apple, zebra);
  }

  @Test
  protected void booleanConditionsMatchBooleanAttributes() {
    TraceId yes = trace(Map.of("flag", true));
    TraceId no = trace(Map.of("flag", false));
    trace(Map.of());
    flush();
    assertThat(matching(FieldRef.span("flag"), EQ, true)).containsExactly(yes);
    assertThat(matching(FieldRef.span("flag"), EQ, false)).containsExactly(no);
    assertThat(matching(FieldRef.span("flag"), NEQ, true)).containsExactly(no);
  }

  @Test
  protected void conditionsReadOnlyValuesOfTheirType() {
    TraceId text = trace(Map.of("v", "5"));
    TraceId number = trace(Map.of("v", 5L));
    flush();
    FieldRef v = FieldRef.span("v");
    assertThat(matching(v, EQ, 5L)).containsExactly(number);
    assertThat(matching(v, EQ, "5")).containsExactly(text);
    assertThat(matching(v, NEQ, "6")).containsExactly(text);
    assertThat(matching(v, NEQ, 6L)).containsExactly(number);
    assertThat(matching(v, REGEX, ".*")).containsExactly(text);
  }

  @Test
  protected void aListMatchesWhenOneElementDoesAndNegationsReadTheWholeList() {
    TraceId ab = trace(Map.of("tags", List.of("a", "b")));
    TraceId c = trace(Map.of("tags", List.of("c")));
    TraceId numbers = trace(Map.of("sizes", List.of(1L, 20L)));
    trace(Map.of());
    flush();
    assertThat(matching(FieldRef.span("tags"), EQ, "b")).containsExactly(ab);
    assertThat(matching(FieldRef.span("tags"), REGEX, "[ac]")).containsExactlyInAnyOrder(ab, c);
    assertThat(matching(FieldRef.span("tags"), NEQ, "a")).containsExactly(c);
    assertThat(matching(FieldRef.span("tags"), NOT_REGEX, "[ab]")).containsExactly(c);
    assertThat(matching(FieldRef.span("sizes"), GT, 10L)).containsExactly(numbers);
    assertThat(matching(FieldRef.span("sizes"), LT, 10L)).containsExactly(numbers);
    assertThat(matching(FieldRef.span("tags"), EXISTS, null)).containsExactlyInAnyOrder(ab, c);
  }

  @Test
  protected void presenceIsPerScopeAndUnscopedNilNeedsBothAbsent() {
    TraceId onSpan = trace(Map.of("x", "1"));
    TraceId onResource = trace(Map.of(), Resource.of(Map.of("service.name", "checkout", "x", "1")));
    TraceId onBoth = trace(Map.of("x", "1"), Resource.of(Map.of("service.name", "checkout", "x", "2")));
    TraceId nowhere = trace(Map.of());
    flush();
    assertThat(matching(FieldRef.span("x"), EXISTS, null)).containsExactlyInAnyOrder(onSpan, onBoth);
    assertThat(matching(FieldRef.resource("x"), EXISTS, null)).containsExactlyInAnyOrder(onResource, onBoth);
    assertThat(matching(FieldRef.any("x"), EXISTS, null)).containsExactlyInAnyOrder(onSpan, onResource, onBoth);
    assertThat(matching(FieldRef.span("x"), NOT_EXISTS, null)).containsExactlyInAnyOrder(onResource, nowhere);
    assertThat(matching(FieldRef.resource("x"), NOT_EXISTS, null)).containsExactlyInAnyOrder(onSpan, nowhere);
    assertThat(matching(FieldRef.any("x"), NOT_EXISTS, null)).containsExactly(nowhere);
  }

  @Test
  protected void unscopedConditionsMatchTheSpanOrTheResourceAttribute() {
    TraceId onSpan = trace(Map.of("team", "search"));
    TraceId onResource = trace(Map.of(), Resource.of(Map.of("service.name", "checkout", "team", "search")));
    TraceId mixed = trace(Map.of("team", "ads"), Resource.of(Map.of("service.name", "checkout", "team", "search")));
    trace(Map.of("team", "ads"));
    flush();
    assertThat(matching(FieldRef.any("team"), EQ, "search")).containsExactlyInAnyOrder(onSpan, onResource, mixed);
    assertThat(matching(FieldRef.span("team"), EQ, "search")).containsExactly(onSpan);
    assertThat(matching(FieldRef.resource("team"), EQ, "search")).containsExactlyInAnyOrder(onResource, mixed);
    assertThat(matching(FieldRef.resource("service.name"), EQ, "checkout")).hasSize(4);
  }

  @Test
  protected void intrinsicsNameStatusKindAndStatusMessage() {
    TraceId server = trace(spans.span(spans.traceId(), "GET /a", 0, SECOND).kind(SpanKind.SERVER));
    TraceId failed = trace(spans.span(spans.traceId(), "GET /b", 0, SECOND).kind(SpanKind.CLIENT)
        .status(StatusCode.ERROR, "boom"));
    TraceId ok = trace(spans.span(spans.traceId(), "work", 0, SECOND).status(StatusCode.OK, ""));
    flush();
    assertThat(matching(FieldRef.intrinsic(FieldRef.NAME), EQ, "GET /a")).containsExactly(server);
    assertThat(matching(FieldRef.intrinsic(FieldRef.NAME), REGEX, "GET .*")).containsExactlyInAnyOrder(server, failed);
    assertThat(matching(FieldRef.intrinsic(FieldRef.NAME), NEQ, "work")).containsExactlyInAnyOrder(server, failed);
    assertThat(matching(FieldRef.intrinsic(FieldRef.STATUS), EQ, "error")).containsExactly(failed);
    assertThat(matching(FieldRef.intrinsic(FieldRef.STATUS), EQ, "ok")).containsExactly(ok);
    assertThat(matching(FieldRef.intrinsic(FieldRef.STATUS), EQ, "unset")).containsExactly(server);
    assertThat(matching(FieldRef.intrinsic(FieldRef.KIND), EQ, "server")).containsExactly(server);
    assertThat(matching(FieldRef.intrinsic(FieldRef.KIND), EQ, "internal")).containsExactly(ok);
    assertThat(matching(FieldRef.intrinsic(FieldRef.STATUS_MESSAGE), EQ, "boom")).containsExactly(failed);
    assertThat(matching(FieldRef.intrinsic(FieldRef.STATUS_MESSAGE), NOT_EXISTS, null)).containsExactlyInAnyOrder(server, ok);
    assertThat(matching(FieldRef.intrinsic(FieldRef.STATUS_MESSAGE), NEQ, "other")).containsExactly(failed);
  }

  @Test
  protected void durationComparesNanoseconds() {
    TraceId fast = trace(spans.span(spans.traceId(), "fast", 0, 1_000_000));
    TraceId slow = trace(spans.span(spans.traceId(), "slow", 0, 2 * SECOND));
    flush();
    FieldRef duration = FieldRef.intrinsic(FieldRef.DURATION);
    assertThat(matching(duration, GT, SECOND)).containsExactly(slow);
    assertThat(matching(duration, LTE, 1_000_000L)).containsExactly(fast);
    assertThat(matching(duration, EQ, 2 * SECOND)).containsExactly(slow);
    assertThat(matching(duration, NEQ, 2 * SECOND)).containsExactly(fast);
    assertThat(matching(duration, GTE, 1_000_000L)).containsExactlyInAnyOrder(fast, slow);
    assertThat(matching(duration, LT, 1_000_000L)).isEmpty();
  }

  @Test
  protected void theTimeWindowIsInclusiveOnStartTimes() {
    TraceId traceId = spans.traceId();
    writeVisible(spans.span(traceId, "a", T0, SECOND).build(), spans.span(traceId, "b", T0 + 10, SECOND).build());
    TraceId later = spans.traceId();
    writeVisible(spans.span(later, "c", T0 + 20, SECOND).build());
    SpanFilter all = SpanFilter.all();
    SpanFilter named = SpanFilter.eq(FieldRef.resource("service.name"), "checkout");
    for (SpanFilter f : List.of(all, named)) {
      assertThat(ids(search(TraceSearch.of(f, T0 + 10, T0 + 20, 10)))).as("%s", f).containsExactlyInAnyOrder(traceId, later);
      assertThat(search(TraceSearch.of(f, T0 + 11, T0 + 19, 10))).as("%s", f).isEmpty();
      assertThat(ids(search(TraceSearch.of(f, T0 + 20, 0, 10)))).as("%s", f).containsExactly(later);
      assertThat(ids(search(TraceSearch.of(f, 0, T0, 10)))).as("%s", f).containsExactly(traceId);
    }
  }

  @Test
  protected void andAndOrCombineConditionsOnOneSpan() {
    TraceId both = trace(Map.of("a", "1", "b", "1"));
    TraceId onlyA = trace(Map.of("a", "1"));
    TraceId onlyB = trace(Map.of("b", "1"));
    trace(Map.of("c", "1"));
    flush();
    SpanFilter a = SpanFilter.eq(FieldRef.span("a"), "1");
    SpanFilter b = SpanFilter.eq(FieldRef.span("b"), "1");
    assertThat(ids(search(new SpanFilter.And(List.of(a, b))))).containsExactly(both);
    assertThat(ids(search(new SpanFilter.Or(List.of(a, b))))).containsExactlyInAnyOrder(both, onlyA, onlyB);
  }

  @Test
  protected void searchFiltersByAttributeTypeAndRanksByCost() {
    long t = T0 + 100 * SECOND;
    List<TraceId> ids = new ArrayList<>();
    List<Span> written = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      TraceId traceId = spans.traceId();
      ids.add(traceId);
      String model = i % 2 == 0 ? "gpt-4o" : "claude-3-5-haiku";
      written.add(spans.llmCall(traceId, SpanId.NONE, model, 10_000L * (i + 1), 100, 0.01 * (i + 1), t + i).build());
    }
    writeVisible(written.toArray(Span[]::new));
    SpanFilter gpt = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o");
    assertThat(search(TraceSearch.of(gpt, t - 1, t + 1_000_000, 10))).hasSize(3);
    assertThat(ids(search(TraceSearch.of(gpt, t - 1, t + 1_000_000, 2).withOrder(TraceSearch.Order.COST))))
        .containsExactly(ids.get(4), ids.get(2));
    SpanFilter big = new Condition(FieldRef.span("gen_ai.usage.input_tokens"), GT, 30_000L);
    assertThat(ids(search(TraceSearch.of(big, t - 1, t + 1_000_000, 10)))).containsExactlyInAnyOrder(ids.get(3), ids.get(4));
    SpanFilter claude = new Condition(FieldRef.any("gen_ai.request.model"), REGEX, "claude.*");
    assertThat(search(TraceSearch.of(claude, t - 1, t + 1_000_000, 10))).hasSize(2);
    SpanFilter hasConversation = new Condition(FieldRef.span("gen_ai.conversation.id"), EXISTS, null);
    assertThat(search(TraceSearch.of(hasConversation, t - 1, t + 1_000_000, 10))).isEmpty();
    assertThat(search(TraceSearch.of(SpanFilter.eq(FieldRef.resource("service.name"), "checkout"), t - 1, t + 1_000_000, 10))).hasSize(5);
    assertThat(search(TraceSearch.of(SpanFilter.all(), t + 10_000_000, t + 20_000_000, 10))).isEmpty();
  }

  @Test
  protected void filtersNoSpanCouldSatisfyAreRefused() {
    writeVisible(spans.span(spans.traceId(), "a", T0, SECOND).build());
    assertThatThrownBy(() -> matching(FieldRef.span("x"), REGEX, "(unclosed")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> matching(FieldRef.intrinsic(FieldRef.NAME), EQ, 5L)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> matching(FieldRef.intrinsic(FieldRef.DURATION), EQ, "slow")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> matching(FieldRef.intrinsic(FieldRef.DURATION), REGEX, "1.*")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> matching(FieldRef.intrinsic("nosuch"), EQ, "x")).isInstanceOf(IllegalArgumentException.class);
  }
}
