package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.QueryCancelledException;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.TraceSearch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads honour the thread's {@link QueryCancellation}: a cancelled or timed-out read stops with {@link QueryCancelledException}. */
public abstract class CancellationContract extends StoreContract {

  @BeforeEach
  void writeSomeTraces() {
    for (int i = 0; i < 20; i++) {
      TraceId traceId = spans.traceId();
      writeVisible(spans.llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 1, 0.01, T0 + i).attribute("i", (long) i).build(),
          spans.span(traceId, "step", T0 + i + 1, SECOND).attribute("env", "prod").build());
    }
  }

  private Map<String, Supplier<Object>> reads() {
    Map<String, Supplier<Object>> reads = new LinkedHashMap<>();
    reads.put("search every span", () -> store.search(TENANT, TraceSearch.of(SpanFilter.all(), 0, 0, 10)));
    reads.put("search by attribute", () -> store.search(TENANT,
        TraceSearch.of(SpanFilter.eq(FieldRef.span("env"), "prod"), 0, 0, 10)));
    reads.put("tag names", () -> store.tagNames(TENANT, 0, 0, 100));
    reads.put("tag values", () -> store.tagValues(TENANT, FieldRef.span("env"), 0, 0, 100));
    reads.put("metrics", () -> store.metrics(TENANT,
        new MetricsQuery(SpanFilter.all(), null, List.of(FieldRef.span("env")), T0, T0 + 60 * SECOND, SECOND, false, 0)));
    return reads;
  }

  @Test
  protected void aCancelledReadStops() {
    for (Map.Entry<String, Supplier<Object>> read : reads().entrySet()) {
      QueryCancellation cancellation = QueryCancellation.withTimeout(0);
      cancellation.cancel("client went away");
      assertThat(catchThrowable(() -> cancellation.run(read.getValue())))
          .as(read.getKey())
          .isInstanceOf(QueryCancelledException.class)
          .hasMessageContaining("client went away");
    }
  }

  @Test
  protected void aReadPastItsDeadlineStops() throws InterruptedException {
    for (Map.Entry<String, Supplier<Object>> read : reads().entrySet()) {
      QueryCancellation cancellation = QueryCancellation.withTimeout(1);
      Thread.sleep(1);
      assertThat(catchThrowable(() -> cancellation.run(read.getValue()))).as(read.getKey())
          .isInstanceOf(QueryCancelledException.class);
    }
  }

  @Test
  protected void aLiveCancellationLetsReadsFinish() {
    for (Map.Entry<String, Supplier<Object>> read : reads().entrySet()) {
      QueryCancellation cancellation = QueryCancellation.withTimeout(0);
      assertThat(cancellation.run(read.getValue())).as(read.getKey()).isNotNull();
      assertThat(cancellation.reason()).isNull();
    }
  }
}
