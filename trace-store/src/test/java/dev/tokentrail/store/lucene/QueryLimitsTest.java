package dev.tokentrail.store.lucene;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static dev.tokentrail.store.TestSpans.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.QueryCancellation;
import dev.tokentrail.store.QueryCancelledException;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TraceSearch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 5: queries that cannot hurt the store. */
class QueryLimitsTest {
  private static final long NOW = java.time.Instant.now().toEpochMilli() * 1_000_000L;

  @TempDir Path dataDir;

  private static TraceSearch search(Condition c) {
    return new TraceSearch(new Spansets.Filter(c), List.of(), 0, 0, 0, 0, 20, 3, TraceSearch.Order.NEWEST);
  }

  @Test
  void nestedRepeatRegexIsRefusedAtOnceNamingTheLimit() {
    try (LuceneSpanStore store = LuceneSpanStore.builder(dataDir).open()) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> store.search(Tenants.DEFAULT, search(new Condition(FieldRef.span("x"), Op.REGEX, "((a{1,100}){1,100}){1,100}"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("too complex")
          .hasMessageContaining("limit: " + Regexes.MAX_STATES);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void regexPastTheDeterminizeWorkLimitIsRefusedNamingTheLimit() {
    try (LuceneSpanStore store = LuceneSpanStore.builder(dataDir).regexWorkLimit(100).open()) {
      assertThatThrownBy(() -> store.search(Tenants.DEFAULT, search(new Condition(FieldRef.span("x"), Op.REGEX, "(a|b)*a(a|b){12}"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("determinize work limit: 100");
    }
  }

  @Test
  void aCancelledSearchStopsWorking() throws Exception {
    // Every span's key past the budget of one field: the condition reads each stored span (slow path).
    try (LuceneSpanStore store = LuceneSpanStore.builder(dataDir).maxIndexedFields(1).open()) {
      List<Span> spans = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        spans.add(span(randomTraceId(), "s", NOW + i, 10).attribute("first", "f").attribute("k", "v" + i).build());
      }
      store.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get();
      TraceId last = spans.get(spans.size() - 1).traceId();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !store.getTrace(Tenants.DEFAULT, last, 0, 0).isEmpty());
      Condition slow = new Condition(FieldRef.span("k"), Op.REGEX, "(v.*){1,8}x");

      // Already cancelled: no work at all.
      QueryCancellation cancelled = QueryCancellation.withTimeout(0);
      cancelled.cancel("client went away");
      assertThatThrownBy(() -> cancelled.run(() -> store.search(Tenants.DEFAULT, search(slow))))
          .isInstanceOf(QueryCancelledException.class)
          .hasMessageContaining("client went away");

      // Cancelled while running: it stops at its next check, long before it would finish.
      long fullRun = System.nanoTime();
      store.search(Tenants.DEFAULT, search(slow));
      fullRun = System.nanoTime() - fullRun;
      QueryCancellation running = QueryCancellation.withTimeout(0);
      ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
      try {
        timer.schedule(() -> running.cancel("request cancelled"), fullRun / 10, TimeUnit.NANOSECONDS);
        long start = System.nanoTime();
        assertThatThrownBy(() -> running.run(() -> store.search(Tenants.DEFAULT, search(slow))))
            .isInstanceOf(QueryCancelledException.class);
        long checksAtStop = running.checks();
        assertThat(System.nanoTime() - start).isLessThan(fullRun / 2 + 50_000_000L);
        Thread.sleep(100);
        assertThat(running.checks()).as("no work after the cancellation was seen").isEqualTo(checksAtStop);
      } finally {
        timer.shutdownNow();
      }

      // A deadline cancels the same way.
      QueryCancellation deadline = QueryCancellation.withTimeout(1);
      Thread.sleep(1);
      assertThatThrownBy(() -> deadline.run(() -> store.search(Tenants.DEFAULT, search(slow))))
          .isInstanceOf(QueryCancelledException.class)
          .hasMessageContaining("timed out");
    }
  }
}
