package dev.tokentrail.store.lucene;

import static dev.tokentrail.store.TestSpans.llmCall;
import static dev.tokentrail.store.TestSpans.randomTraceId;
import static dev.tokentrail.store.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TraceSummary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollups kept from indexed spans agree with a recompute from the stored spans, whatever the order. */
class IncrementalRollupsTest {
  static final long NOW = 1_790_000_000_000_000_000L;
  static final long DAY = 86_400_000_000_000L;

  @TempDir Path dir;

  private LuceneSpanStoreBuilder builder(PrometheusRegistry registry) {
    return LuceneSpanStore.builder(dir)
        .registry(registry)
        .clock(java.time.Clock.fixed(java.time.Instant.ofEpochSecond(0, NOW), java.time.ZoneOffset.UTC))
        .refreshInterval(Duration.ofMillis(30))
        .indexThreads(2);
  }

  private static void send(LuceneSpanStore store, List<Span> spans) throws Exception {
    store.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get();
  }

  @Test
  void lateAndResentSpansConvergeToTheRecomputedRollup() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    try (LuceneSpanStore store = builder(new PrometheusRegistry()).open()) {
      TraceId traceId = randomTraceId();
      List<Span> sent = new ArrayList<>();
      Span root = span(traceId, "GET /cart", NOW, 5_000_000).build();
      for (int round = 0; round < 6; round++) {
        List<Span> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          // Some spans start before everything sent so far (late), some on the previous day.
          long start = NOW - random.nextLong(2 * DAY) + random.nextLong(DAY);
          batch.add(llmCall(traceId, root.spanId(), "gpt-4o", 10 + i, 5, 0.25, start)
              .attribute("tokentrail.team", round % 2 == 0 ? "search" : "ads").build());
        }
        if (round == 3) {
          batch.add(root);
        }
        if (!sent.isEmpty()) {
          batch.add(sent.get(random.nextInt(sent.size()))); // a re-send
        }
        sent.addAll(batch);
        send(store, batch);
        Thread.sleep(random.nextInt(80));
      }
      long distinct = sent.stream().map(Span::spanId).distinct().count();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        TraceSummary kept = store.traceSummary(traceId);
        assertThat(kept).isNotNull();
        assertThat(kept.spanCount()).isEqualTo(distinct);
        assertThat(kept).isEqualTo(store.recomputedSummary(traceId));
      });
    }
  }

  @Test
  void aSpanResentAfterARestartIsStoredOnceAndCountedOnce() throws Exception {
    TraceId traceId = randomTraceId();
    Span call = llmCall(traceId, SpanId.NONE, "gpt-4o", 100, 10, 0.5, NOW).build();
    try (LuceneSpanStore store = builder(new PrometheusRegistry()).open()) {
      send(store, List.of(call));
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    try (LuceneSpanStore store = builder(registry).open()) {
      send(store, List.of(call, llmCall(traceId, SpanId.NONE, "gpt-4o", 1, 1, 0.25, NOW + 1).build()));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(store.getTrace(Tenants.DEFAULT, traceId, 0, 0)).hasSize(2);
        TraceSummary kept = store.traceSummary(traceId);
        assertThat(kept.llmCallCount()).isEqualTo(2);
        assertThat(kept.costUsd()).isEqualTo(0.75);
      });
      assertThat(counter(registry, "tokentrail_store_spans_written")).isEqualTo(2);
    }
  }

  @Test
  void spansReplayedFromTheLogAreNotCountedAgain() throws Exception {
    TraceId traceId = randomTraceId();
    java.util.concurrent.atomic.AtomicBoolean oom = new java.util.concurrent.atomic.AtomicBoolean(true);
    Indexer.WriteHooks hooks = new Indexer.WriteHooks() {
      @Override
      public void beforeIndex(List<Span> spans) {
        if (oom.get()) {
          throw new OutOfMemoryError("injected");
        }
      }
    };
    LuceneSpanStore failing = builder(new PrometheusRegistry()).hooks(hooks).open();
    send(failing, List.of(span(traceId, "a", NOW, 1).build(), span(traceId, "b", NOW, 1).build()));
    failing.close();
    PrometheusRegistry registry = new PrometheusRegistry();
    try (LuceneSpanStore store = builder(registry).open()) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(store.getTrace(Tenants.DEFAULT, traceId, 0, 0)).hasSize(2));
      assertThat(counter(registry, "tokentrail_store_spans_written")).isZero();
    }
  }

  @Test
  void aRollupNeverCountsMoreThanIsVisibleAndCatchesUpWithinOneRefresh() throws Exception {
    TraceId traceId = randomTraceId();
    java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger observed = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger refreshes = new java.util.concurrent.atomic.AtomicInteger();
    List<String> ahead = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> behind = java.util.Collections.synchronizedList(new ArrayList<>());
    Indexer.WriteHooks countRefreshes = new Indexer.WriteHooks() {
      @Override
      public void afterRefresh() {
        refreshes.incrementAndGet();
      }
    };
    try (LuceneSpanStore store = builder(new PrometheusRegistry()).refreshInterval(Duration.ofMillis(5))
        .hooks(countRefreshes).open()) {
      Thread reader = new Thread(() -> {
        while (sending.get()) {
          // The rollup first, then the spans: visibility only grows, so the spans count at least
          // as many as the rollup unless it counts spans not yet visible.
          long counted = spanCount(store, traceId);
          int spans = store.getTrace(Tenants.DEFAULT, traceId, 0, 0).size();
          if (counted > spans) {
            ahead.add("rollup counts " + counted + ", " + spans + " spans visible");
          }
          if (spans == 0) {
            continue;
          }
          observed.incrementAndGet();
          // Spans visible now were indexed before the last refresh: their deltas were swapped at
          // that refresh or are swapped at the next, whose rollups are visible when it completes
          // (two completions from here, as the count may lag the refresh we saw by one).
          int from = refreshes.get();
          long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          while (refreshes.get() < from + 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
          long later = spanCount(store, traceId);
          if (later < spans) {
            behind.add(spans + " spans visible, two refreshes later the rollup counts " + later);
          }
        }
      });
      reader.start();
      try {
        for (int round = 0; round < 60; round++) {
          List<Span> batch = new ArrayList<>();
          for (int i = 0; i < 3; i++) {
            batch.add(span(traceId, "step-" + round + "-" + i, NOW + round * 10L + i, 5).build());
          }
          send(store, batch);
          Thread.sleep(3);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> store.getTrace(Tenants.DEFAULT, traceId, 0, 0).size() == 180);
        await().atMost(Duration.ofSeconds(10)).until(() -> spanCount(store, traceId) == 180);
      } finally {
        sending.set(false);
        reader.join();
      }
    }
    assertThat(observed.get()).as("reads that saw the trace").isPositive();
    assertThat(ahead).as("reads where the rollup counted spans not visible").isEmpty();
    assertThat(behind).as("rollups still missing visible spans a refresh later").isEmpty();
  }

  private static long spanCount(LuceneSpanStore store, TraceId traceId) {
    TraceSummary rollup = store.traceSummary(traceId);
    return rollup == null ? 0 : rollup.spanCount();
  }

  @Test
  void onlyASpanThatReplacedACopyCostsItsTraceARecompute() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    TraceId traceId = randomTraceId();
    List<Span> sent = new ArrayList<>();
    try (LuceneSpanStore store = builder(registry).open()) {
      for (int round = 0; round < 40; round++) {
        List<Span> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          batch.add(llmCall(traceId, SpanId.NONE, "gpt-4o", 10, 5, 0.25, NOW + round * 10L + i).build());
        }
        if (round == 10) {
          batch.add(sent.get(3)); // one re-send; the trace keeps receiving spans afterwards
        }
        sent.addAll(batch);
        send(store, batch);
        Thread.sleep(5);
      }
      long distinct = sent.stream().map(Span::spanId).distinct().count();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        TraceSummary kept = store.traceSummary(traceId);
        assertThat(kept.spanCount()).isEqualTo(distinct);
        assertThat(kept).isEqualTo(store.recomputedSummary(traceId));
      });
      assertThat(counter(registry, "tokentrail_store_rollup_recomputes")).isEqualTo(1);
    }
  }

  private static double counter(PrometheusRegistry registry, String name) {
    for (MetricSnapshot m : registry.scrape()) {
      if (m.getMetadata().getPrometheusName().equals(name)) {
        return ((CounterSnapshot) m).getDataPoints().get(0).getValue();
      }
    }
    throw new AssertionError("no counter " + name);
  }
}
