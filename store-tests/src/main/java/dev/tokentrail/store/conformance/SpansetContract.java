package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Spanset combination: {@code &&} and {@code ||} select traces; matched spans are the union, each span once. */
public abstract class SpansetContract extends StoreContract {
  private static final SpanFilter GPT_4O = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o");
  private static final SpanFilter HAIKU = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "claude-3-5-haiku");

  private List<TraceMatch> search(Spansets spansets) {
    return store.search(TENANT, TraceSearch.of(spansets, List.of(), 0, 0, 10).withSpansPerTrace(10));
  }

  @Test
  protected void andSelectsTracesMatchingBothSidesAndOrEither() {
    TraceId cheap = spans.traceId();
    TraceId costly = spans.traceId();
    TraceId mixed = spans.traceId();
    writeVisible(
        spans.llmCall(cheap, SpanId.NONE, "gpt-4o-mini", 100, 10, 0.01, T0).build(),
        spans.llmCall(costly, SpanId.NONE, "gpt-4o", 100, 10, 0.40, T0 + 1).build(),
        spans.llmCall(costly, SpanId.NONE, "gpt-4o", 100, 10, 0.30, T0 + 2).build(),
        spans.llmCall(mixed, SpanId.NONE, "gpt-4o", 100, 10, 0.05, T0 + 3).build(),
        spans.llmCall(mixed, SpanId.NONE, "claude-3-5-haiku", 100, 10, 0.02, T0 + 4).build());

    List<TraceMatch> both = search(new Spansets.Combine(true, Spansets.of(GPT_4O), Spansets.of(HAIKU)));
    assertThat(ids(both)).containsExactly(mixed);
    assertThat(both.get(0).matchedCount()).isEqualTo(2);
    assertThat(both.get(0).matchedSpans()).hasSize(2);

    assertThat(ids(search(new Spansets.Combine(false, Spansets.of(GPT_4O), Spansets.of(HAIKU)))))
        .containsExactlyInAnyOrder(costly, mixed);
    assertThat(search(new Spansets.Combine(true, Spansets.of(HAIKU), Spansets.of(
        SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o-mini"))))).isEmpty();
  }

  @Test
  protected void aSpanMatchedByBothSidesCountsOnce() {
    TraceId traceId = spans.traceId();
    Span both = spans.span(traceId, "both", T0, SECOND).attribute("a", "1").attribute("b", "1").build();
    Span onlyB = spans.span(traceId, "b", T0 + 1, SECOND).attribute("b", "1").build();
    writeVisible(both, onlyB);
    Spansets a = Spansets.of(SpanFilter.eq(FieldRef.span("a"), "1"));
    Spansets b = Spansets.of(SpanFilter.eq(FieldRef.span("b"), "1"));

    for (boolean and : new boolean[] {true, false}) {
      TraceMatch m = only(search(new Spansets.Combine(and, a, b)));
      assertThat(m.matchedCount()).as(and ? "&&" : "||").isEqualTo(2);
      assertThat(m.matchedSpans()).as(and ? "&&" : "||").containsExactly(both, onlyB);
    }
  }

  @Test
  protected void aTraceShowsOnlyTheSpansOfTheSidesThatSelectIt() {
    TraceId traceId = spans.traceId();
    Span b = spans.span(traceId, "b", T0, SECOND).build();
    Span c = spans.span(traceId, "c", T0 + 1, SECOND).build();
    writeVisible(b, c);
    Spansets nameA = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "a"));
    Spansets nameB = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "b"));
    Spansets nameC = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "c"));

    // (a && b) does not select the trace (no span a), so b is not one of its matched spans.
    TraceMatch m = only(search(new Spansets.Combine(false, new Spansets.Combine(true, nameA, nameB), nameC)));
    assertThat(m.matchedCount()).isEqualTo(1);
    assertThat(m.matchedSpans()).containsExactly(c);
  }

  @Test
  protected void combinationsNest() {
    TraceId abc = spans.traceId();
    TraceId ab = spans.traceId();
    TraceId c = spans.traceId();
    writeVisible(
        spans.span(abc, "a", T0, SECOND).build(), spans.span(abc, "b", T0 + 1, SECOND).build(),
        spans.span(abc, "c", T0 + 2, SECOND).build(),
        spans.span(ab, "a", T0, SECOND).build(), spans.span(ab, "b", T0 + 1, SECOND).build(),
        spans.span(c, "c", T0, SECOND).build());
    Spansets a = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "a"));
    Spansets b = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "b"));
    Spansets cc = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "c"));

    assertThat(ids(search(new Spansets.Combine(true, new Spansets.Combine(true, a, b), cc)))).containsExactly(abc);
    assertThat(ids(search(new Spansets.Combine(false, new Spansets.Combine(true, a, b), cc))))
        .containsExactlyInAnyOrder(abc, ab, c);
    List<TraceMatch> aOrC = search(new Spansets.Combine(true, new Spansets.Combine(false, a, cc), cc));
    assertThat(ids(aOrC)).containsExactlyInAnyOrder(abc, c);
  }

  @Test
  protected void eachSideMatchesInsideTheWindowOnly() {
    TraceId traceId = spans.traceId();
    writeVisible(spans.span(traceId, "a", T0, SECOND).build(), spans.span(traceId, "b", T0 + DAY, SECOND).build());
    Spansets a = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "a"));
    Spansets b = Spansets.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "b"));
    Spansets both = new Spansets.Combine(true, a, b);

    assertThat(ids(store.search(TENANT, TraceSearch.of(both, List.of(), T0, T0 + DAY, 10)))).containsExactly(traceId);
    assertThat(store.search(TENANT, TraceSearch.of(both, List.of(), T0, T0 + 1, 10))).isEmpty();
  }
}
