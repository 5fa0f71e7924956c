package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TraceSearch;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tenants are kept apart: one tenant's spans, rollups, tags, calls, outcomes and metrics never show
 * to another, and the same span ids in two tenants are two spans.
 */
public abstract class TenancyContract extends StoreContract {
  private static final String ACME = "acme";
  private static final String GLOBEX = "globex";

  private void writeVisible(String tenant, Span... batch) {
    List<IngestedSpan> ingested = StoredCalls.ingested(List.of(batch));
    write(tenant, ingested);
    harness.awaitVisible(store, tenant, ingested);
  }

  @Test
  protected void oneTenantsSpansAreInvisibleToAnother() {
    TraceId traceId = spans.traceId();
    Span call = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0).attribute("acme.only", "x")
        .attribute("tokentrail.outcome", "won").build();
    writeVisible(ACME, call);
    writeVisible(GLOBEX, spans.span(spans.traceId(), "globex work", T0, SECOND).build());

    assertThat(store.getTrace(ACME, traceId, 0, 0)).containsExactly(call);
    assertThat(store.getTrace(GLOBEX, traceId, 0, 0)).isEmpty();
    assertThat(store.getTrace(TENANT, traceId, 0, 0)).isEmpty();
    assertThat(ids(store.search(GLOBEX, TraceSearch.of(SpanFilter.all(), 0, 0, 10)))).doesNotContain(traceId).hasSize(1);
    assertThat(store.search(GLOBEX, TraceSearch.of(SpanFilter.eq(FieldRef.span("acme.only"), "x"), 0, 0, 10))).isEmpty();
    assertThat(store.tagNames(GLOBEX, 0, 0, 100).span()).doesNotContain("acme.only");
    assertThat(store.tagValues(GLOBEX, FieldRef.intrinsic(FieldRef.NAME), 0, 0, 100)).extracting(v -> v.value())
        .containsExactly("globex work");
    assertThat(store.llmCalls(GLOBEX, CallFilter.window(0, 0)).size()).isZero();
    assertThat(store.llmCalls(ACME, CallFilter.window(0, 0)).size()).isEqualTo(1);
    assertThat(store.outcomes(GLOBEX, 0, 0)).isEmpty();
    assertThat(store.outcomes(ACME, 0, 0)).containsOnlyKeys(traceId);
    assertThat(store.metrics(GLOBEX, new MetricsQuery(SpanFilter.all(), null, List.of(), T0, T0 + 60 * SECOND, SECOND, false, 0))
        .inspectedSpans()).isEqualTo(1);
  }

  @Test
  protected void theSameSpanInTwoTenantsIsTwoSpans() {
    TraceId traceId = spans.traceId();
    Span span = spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 1, 0.5, T0).build();
    writeVisible(ACME, span);
    writeVisible(GLOBEX, span);
    assertThat(store.getTrace(ACME, traceId, 0, 0)).containsExactly(span);
    assertThat(store.getTrace(GLOBEX, traceId, 0, 0)).containsExactly(span);
    assertThat(only(store.search(ACME, TraceSearch.of(SpanFilter.all(), 0, 0, 10))).summary().llmCallCount()).isEqualTo(1);
    assertThat(only(store.search(GLOBEX, TraceSearch.of(SpanFilter.all(), 0, 0, 10))).summary().llmCallCount()).isEqualTo(1);
  }

  @Test
  protected void anInvalidTenantIsRefused() {
    assertThatThrownBy(() -> store.getTrace("../etc", spans.traceId(), 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.search("", TraceSearch.of(SpanFilter.all(), 0, 0, 10))).isInstanceOf(IllegalArgumentException.class);
  }
}
