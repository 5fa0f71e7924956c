package dev.tokentrail.query;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.query.metrics.TraceQlMetrics;
import dev.tokentrail.store.lucene.LuceneSpanStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A metrics query that would hold too many series times steps is a 400-style error, not an out-of-memory. */
class MetricsLimitsTest {
  private static final long S = 1_000_000_000L;
  private static final long T0 = 1_700_000_040L * S;

  @TempDir Path dir;

  @Test
  void tooManySeriesAtManyStepsIsRefusedNamingTheLimit() throws Exception {
    Clock clock = Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), Instant.ofEpochSecond(T0 / S + 600)));
    try (LuceneSpanStore store = LuceneSpanStore.builder(dir.resolve("data")).clock(clock).open()) {
      List<Span> spans = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        spans.add(Span.builder().traceId(new TraceId(0, 0xdef000L + i)).spanId(new SpanId(0x200L + i))
            .name("chat").startEpochNanos(T0 + i * 1_000_000L).endEpochNanos(T0 + i * 1_000_000L + S)
            .attribute("tokentrail.llm_call", true).attribute("tokentrail.team", "team-" + i)
            .resource(Resource.of(Map.of("service.name", "svc"))).build());
      }
      store.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get(10, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !store.getTrace(Tenants.DEFAULT, new TraceId(0, 0xdef000L + 499), 0, 0).isEmpty());
      TraceQlMetrics metrics = TraceQlMetrics.create(store);
      // 500 series at 10,000 steps: 5,000,000 cells, past the 4,000,000 a query may hold.
      assertThatThrownBy(() -> metrics.queryRange(Tenants.DEFAULT, "{ } | count_over_time() by (span.tokentrail.team)", T0, T0 + 10_000 * S, S, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("series at 10000 steps");
      // The same series at 100 steps are answered.
      assertThat(metrics.queryRange(Tenants.DEFAULT, "{ } | count_over_time() by (span.tokentrail.team)", T0, T0 + 100 * S, S, 0).series()).hasSize(500);
    }
  }
}
