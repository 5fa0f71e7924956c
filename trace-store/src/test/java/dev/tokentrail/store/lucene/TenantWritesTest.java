package dev.tokentrail.store.lucene;

import static dev.tokentrail.store.TestSpans.llmCall;
import static dev.tokentrail.store.TestSpans.randomTraceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes of different tenants are kept apart: the same span id is two spans, two rollups. */
class TenantWritesTest {
  static final long NOW = 1_790_000_000_000_000_000L;

  @TempDir Path dir;

  private LuceneSpanStore open() {
    return LuceneSpanStore.builder(dir).registry(new PrometheusRegistry()).refreshInterval(Duration.ofMillis(30)).open();
  }

  @Test
  void theSameSpanOfTwoTenantsIsStoredTwiceAndEachResendReplacesOnlyItsOwn() throws Exception {
    TraceId traceId = randomTraceId();
    Span span = llmCall(traceId, SpanId.NONE, "gpt-4o", 100, 10, 0.5, NOW).build();
    try (LuceneSpanStore store = open()) {
      store.accept("acme", StoredCalls.ingested(List.of(span))).get();
      store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(span))).get();
      store.accept("acme", StoredCalls.ingested(List.of(span))).get();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(count(store, "acme", SpanDocuments.TYPE_SPAN, traceId)).isEqualTo(1);
        assertThat(count(store, Tenants.DEFAULT, SpanDocuments.TYPE_SPAN, traceId)).isEqualTo(1);
        assertThat(count(store, "acme", TraceRollups.TYPE_TRACE, null)).isEqualTo(1);
      });
    }
    // The log names the tenant: a replay keeps them apart too.
    try (LuceneSpanStore store = open()) {
      assertThat(count(store, "acme", SpanDocuments.TYPE_SPAN, traceId)).isEqualTo(1);
      assertThat(count(store, Tenants.DEFAULT, SpanDocuments.TYPE_SPAN, traceId)).isEqualTo(1);
    }
  }

  @Test
  void anInvalidTenantIsRefusedOnWritesAndReads() {
    try (LuceneSpanStore store = open()) {
      assertThatThrownBy(() -> store.accept("a/b", List.of())).hasMessageContaining("tenant: 'a/b'");
      assertThatThrownBy(() -> store.getTrace("..", randomTraceId(), 0, 0)).hasMessageContaining("tenant: '..'");
      assertThat(store.getTrace("acme", randomTraceId(), 0, 0)).isEmpty();
    }
  }

  private static long count(LuceneSpanStore store, String tenant, String type, TraceId traceId) throws Exception {
    BooleanQuery.Builder q = new BooleanQuery.Builder()
        .add(SpanDocuments.tenantQuery(tenant), Occur.FILTER)
        .add(new TermQuery(new Term(SpanDocuments.TYPE, type)), Occur.FILTER);
    if (traceId != null) {
      q.add(new TermQuery(new Term(SpanDocuments.TRACE_ID, SpanDocuments.traceIdBytes(traceId))), Occur.FILTER);
    }
    long n = 0;
    for (Partition p : store.partitionsForTest()) {
      p.searchers.maybeRefreshBlocking();
      IndexSearcher searcher = p.searchers.acquire();
      try {
        n += searcher.count(q.build());
      } finally {
        p.searchers.release(searcher);
      }
    }
    return n;
  }
}
