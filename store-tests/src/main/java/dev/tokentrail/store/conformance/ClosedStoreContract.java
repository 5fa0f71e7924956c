package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.TraceSearch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A closed store refuses writes and reads with {@link StoreClosedException}; closing again is harmless. */
public abstract class ClosedStoreContract extends StoreContract {
  private TraceId traceId;

  @BeforeEach
  void writeThenClose() {
    traceId = spans.traceId();
    writeVisible(spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0).build());
    store.close();
  }

  @Test
  protected void writesAreRefused() {
    CompletableFuture<Void> f = store.accept(TENANT, StoredCalls.ingested(List.of(spans.span(traceId, "late", T0, 1).build())));
    assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(StoreClosedException.class);
  }

  @Test
  protected void theStoreIsNotReady() {
    assertThat(store.isReady()).isFalse();
  }

  @Test
  protected void closingAgainIsHarmless() {
    store.close();
    assertThat(store.isReady()).isFalse();
  }

  @Test
  protected void everyReadIsRefused() {
    // In order: getTrace, search (every span), search (filtered), tagNames, tagValues, metrics,
    // llmCalls, outcomes.
    List<Executable> reads = List.of(
        () -> store.getTrace(TENANT, traceId, 0, 0),
        () -> store.search(TENANT, TraceSearch.of(SpanFilter.all(), 0, 0, 10)),
        () -> store.search(TENANT, TraceSearch.of(SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o"), 0, 0, 10)),
        () -> store.tagNames(TENANT, 0, 0, 10),
        () -> store.tagValues(TENANT, FieldRef.span("gen_ai.request.model"), 0, 0, 10),
        () -> store.metrics(TENANT, new MetricsQuery(SpanFilter.all(), null, List.of(), T0, T0 + 60 * SECOND, SECOND, false, 0)),
        () -> store.llmCalls(TENANT, CallFilter.window(0, 0)),
        () -> store.outcomes(TENANT, 0, 0));
    for (int i = 0; i < reads.size(); i++) {
      Executable read = reads.get(i);
      assertThat(catchThrowable(read::execute)).as("read #%d", i).isInstanceOf(StoreClosedException.class);
    }
  }
}
