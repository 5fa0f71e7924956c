package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The matched spans shown per trace: up to {@code spansPerTrace} of them, in start order, and how many matched. */
public abstract class SpansPerTraceContract extends StoreContract {

  private List<Span> writeSix(TraceId traceId) {
    List<Span> written = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      written.add(spans.llmCall(traceId, SpanId.NONE, i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini", 10, 1, 0.001, T0 + 10 - i).build());
    }
    writeVisible(written.toArray(Span[]::new));
    return written;
  }

  @Test
  protected void searchReturnsMatchingSpansUpToSpansPerTrace() {
    TraceId traceId = spans.traceId();
    List<Span> written = writeSix(traceId);
    for (SpanFilter filter : List.of(SpanFilter.all(), SpanFilter.eq(FieldRef.resource("service.name"), "checkout"))) {
      TraceMatch m = only(search(TraceSearch.of(filter, 0, 0, 10).withSpansPerTrace(2)));
      assertThat(m.matchedCount()).isEqualTo(6);
      assertThat(m.matchedSpans()).hasSize(2).isSubsetOf(written)
          .isSortedAccordingTo(Comparator.comparingLong(Span::startEpochNanos));
    }
  }

  @Test
  protected void onlyMatchedSpansAreShown() {
    TraceId traceId = spans.traceId();
    List<Span> written = writeSix(traceId);
    List<Span> gpt4o = written.stream().filter(s -> s.name().equals("chat gpt-4o"))
        .sorted(Comparator.comparingLong(Span::startEpochNanos)).toList();
    TraceMatch m = only(search(TraceSearch.of(SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o"), 0, 0, 10)
        .withSpansPerTrace(10)));
    assertThat(m.matchedCount()).isEqualTo(3);
    assertThat(m.matchedSpans()).containsExactlyElementsOf(gpt4o);
  }

  @Test
  protected void zeroSpansPerTraceShowsNoneButCountsThem() {
    TraceId traceId = spans.traceId();
    writeSix(traceId);
    for (SpanFilter filter : List.of(SpanFilter.all(), SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o"))) {
      TraceMatch m = only(search(TraceSearch.of(filter, 0, 0, 10).withSpansPerTrace(0)));
      assertThat(m.matchedSpans()).isEmpty();
      assertThat(m.matchedCount()).isPositive();
    }
  }
}
