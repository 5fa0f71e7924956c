package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.TraceSummary;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a store module gives the conformance suite: fresh stores opened with {@link StoreOptions},
 * a restart for durable stores, and how long written spans may take to become visible. One harness
 * serves one test; {@link #close()} removes whatever its stores left (directories, indices).
 */
public interface StoreHarness extends AutoCloseable {

  /** A new, empty store. The test closes it. */
  SpanStore open(StoreOptions options);

  /** Whether {@link #restart} keeps acknowledged spans (stores that persist them). */
  default boolean supportsRestart() {
    return false;
  }

  /**
   * Closes {@code store} and opens it again on the same data with the same options, as a process
   * restart would.
   */
  default SpanStore restart(SpanStore store) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps nothing across a restart");
  }

  /** How long an acknowledged write may take to show in every read (the refresh interval, and then some). */
  default Duration visibilityBound() {
    return Duration.ofSeconds(10);
  }

  /**
   * Waits until every span of {@code spans} (the latest copy of each) is visible to {@code tenant}
   * in trace reads and trace rollups, polling within {@link #visibilityBound()}. The default asks
   * only the store interface; a store with an explicit refresh may override it.
   */
  default void awaitVisible(SpanStore store, String tenant, Collection<IngestedSpan> spans) {
    Map<TraceId, Map<SpanId, Span>> byTrace = new LinkedHashMap<>();
    for (IngestedSpan s : spans) {
      byTrace.computeIfAbsent(s.span().traceId(), t -> new HashMap<>()).put(s.span().spanId(), s.span());
    }
    Polling.await(visibilityBound(), () -> {
      for (Map.Entry<TraceId, Map<SpanId, Span>> e : byTrace.entrySet()) {
        assertThat(store.getTrace(tenant, e.getKey(), 0, 0))
            .as("trace %s read back", e.getKey())
            .containsAll(e.getValue().values());
      }
      Map<TraceId, List<Span>> traces = new HashMap<>();
      for (TraceId traceId : byTrace.keySet()) {
        traces.put(traceId, store.getTrace(tenant, traceId, 0, 0));
      }
      Set<TraceId> seen = new HashSet<>();
      List<TraceMatch> all = store.search(tenant, TraceSearch.of(SpanFilter.all(), 0, 0, 100_000));
      for (TraceMatch m : all) {
        TraceSummary summary = m.summary();
        List<Span> trace = traces.get(summary.traceId());
        if (trace != null) {
          // What the rollup must say of the spans read back (a rollup may lag its spans briefly).
          long start = trace.stream().mapToLong(Span::startEpochNanos).min().orElse(0);
          long end = trace.stream().mapToLong(Span::endEpochNanos).max().orElse(0);
          long errors = trace.stream().filter(s -> s.statusCode() == dev.tokentrail.model.StatusCode.ERROR).count();
          assertThat(summary.spanCount()).as("span count of trace %s", summary.traceId()).isEqualTo(trace.size());
          assertThat(summary.startEpochNanos()).as("start of trace %s", summary.traceId()).isEqualTo(start);
          assertThat(summary.durationNanos()).as("duration of trace %s", summary.traceId()).isEqualTo(Math.max(0, end - start));
          assertThat(summary.errorCount()).as("errors of trace %s", summary.traceId()).isEqualTo(errors);
          seen.add(summary.traceId());
        }
      }
      assertThat(seen).as("traces with a rollup").containsAll(traces.keySet());
    });
  }

  /** Removes what the harness's stores left behind. */
  @Override
  default void close() {}
}
