package dev.tokentrail.store.lucene;

import static dev.tokentrail.store.TestSpans.llmCall;
import static dev.tokentrail.store.TestSpans.service;
import static dev.tokentrail.store.TestSpans.span;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every read sees only its tenant's spans and rollups: one trace id written by tenant {@code acme}
 * and, untagged, as before tenants existed (the default tenant's), plus traces of the explicitly
 * tagged default tenant and of {@code other}. Run with all tenants in one segment and with a
 * segment per tenant (the path that passes a segment through untouched).
 */
class TenantIsolationTest {
  private static final String ACME = "acme";
  private static final String OTHER = "other";
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final TraceId SHARED = TraceId.fromHex("0000000000000000000000000000abcd");
  private static final TraceId EXPLICIT_DEFAULT = TraceId.fromHex("0000000000000000000000000000beef");
  private static final TraceId OTHERS = TraceId.fromHex("0000000000000000000000000000cafe");

  @TempDir Path dir;
  private TenantIndex index;

  @BeforeEach
  void open() {
    index = new TenantIndex(dir);
  }

  @AfterEach
  void close() {
    index.close();
  }

  private void write(boolean segmentPerTenant) throws Exception {
    Span acmeRoot = span(SHARED, "acme-root", T0, 5_000_000_000L).resource(service("acme-svc"))
        .attribute("acme.only", "x").build();
    index.add(ACME, acmeRoot);
    index.add(ACME, llmCall(SHARED, acmeRoot.spanId(), "gpt-4o", 100, 10, 0.5, T0 + 1_000)
        .attribute("tokentrail.outcome", "won").build());
    if (segmentPerTenant) {
      index.flush();
    }
    Span legacyRoot = span(SHARED, "legacy-root", T0 + 10, 4_000_000_000L).build();
    index.add(null, legacyRoot);
    index.add(null, llmCall(SHARED, legacyRoot.spanId(), "claude-sonnet-4-0", 200, 20, 0.1, T0 + 2_000)
        .attribute("tokentrail.outcome", "lost").build());
    index.add(null, span(SHARED, "legacy-child", T0 + 3_000, 1_000).parentSpanId(legacyRoot.spanId()).build());
    if (segmentPerTenant) {
      index.flush();
    }
    index.add(Tenants.DEFAULT, span(EXPLICIT_DEFAULT, "explicit-root", T0 + 20, 1_000).build());
    if (segmentPerTenant) {
      index.flush();
    }
    index.add(OTHER, span(OTHERS, "other-root", T0 + 30, 1_000).resource(service("other-svc")).build());
    index.rollUpAndRefresh();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void getTraceShowsTheTenantsSpansOfASharedTraceId(boolean segmentPerTenant) throws Exception {
    write(segmentPerTenant);
    assertThat(index.loader.getTrace(ACME, SHARED, 0, 0)).extracting(Span::name)
        .containsExactly("acme-root", "chat gpt-4o");
    assertThat(index.loader.getTrace(Tenants.DEFAULT, SHARED, 0, 0)).extracting(Span::name)
        .containsExactly("legacy-root", "chat claude-sonnet-4-0", "legacy-child");
    assertThat(index.loader.getTrace("nobody", SHARED, 0, 0)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void searchesRankAndShowOnlyTheTenantsTraces(boolean segmentPerTenant) throws Exception {
    write(segmentPerTenant);
    // Every span: answered from the rollups.
    TraceSearch all = TraceSearch.of(SpanFilter.all(), 0, 0, 10);
    assertThat(index.traceIds(index.search(ACME, all))).containsExactly(SHARED);
    assertThat(index.search(ACME, all).get(0).summary().rootSpanName()).isEqualTo("acme-root");
    assertThat(index.search(ACME, all).get(0).summary().costUsd()).isEqualTo(0.5);
    assertThat(index.traceIds(index.search(Tenants.DEFAULT, all))).containsExactly(EXPLICIT_DEFAULT, SHARED);
    assertThat(index.search(Tenants.DEFAULT, all).get(1).summary().rootSpanName()).isEqualTo("legacy-root");
    assertThat(index.traceIds(index.search(OTHER, all))).containsExactly(OTHERS);
    assertThat(index.search("nobody", all)).isEmpty();

    // A span condition, matched spans shown.
    TraceSearch model = TraceSearch.of(SpanFilter.eq(FieldRef.span("gen_ai.request.model"), "gpt-4o"), 0, 0, 10);
    List<TraceMatch> acme = index.search(ACME, model);
    assertThat(index.traceIds(acme)).containsExactly(SHARED);
    assertThat(acme.get(0).matchedSpans()).extracting(Span::name).containsExactly("chat gpt-4o");
    assertThat(acme.get(0).summary().llmCallCount()).isEqualTo(1);
    assertThat(index.search(Tenants.DEFAULT, model)).isEmpty();

    // A trace-level intrinsic, resolved through the tenant's rollups.
    TraceSearch root = TraceSearch.of(SpanFilter.eq(FieldRef.intrinsic(FieldRef.SERVICE), "acme-svc"), 0, 0, 10);
    assertThat(index.traceIds(index.search(ACME, root))).containsExactly(SHARED);
    assertThat(index.search(Tenants.DEFAULT, root)).isEmpty();

    // Aggregates over the tenant's matched spans only; ranking by cost on the tenant's rollups.
    TraceSearch counted = new TraceSearch(Spansets.of(new SpanFilter.Condition(FieldRef.intrinsic(FieldRef.NAME), SpanFilter.Op.REGEX, ".*")),
        List.of(new AggregateCondition(AggregateCondition.Function.COUNT, null, SpanFilter.Op.GTE, 1)),
        0, 0, 0, 0, 10, 3, TraceSearch.Order.COST);
    List<TraceMatch> defaults = index.search(Tenants.DEFAULT, counted);
    assertThat(index.traceIds(defaults)).containsExactly(SHARED, EXPLICIT_DEFAULT);
    assertThat(defaults.get(0).matchedCount()).isEqualTo(3);
    assertThat(defaults.get(0).aggregates()).containsEntry("count()", 3.0);
    assertThat(defaults.get(0).summary().costUsd()).isEqualTo(0.1);
    assertThat(index.search(ACME, counted).get(0).matchedCount()).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void tagsAreTheTenantsOwn(boolean segmentPerTenant) throws Exception {
    write(segmentPerTenant);
    assertThat(index.tags.tagNames(ACME, 0, 0, 100).span()).contains("acme.only", "gen_ai.request.model");
    assertThat(index.tags.tagNames(Tenants.DEFAULT, 0, 0, 100).span()).doesNotContain("acme.only")
        .contains("gen_ai.request.model");
    assertThat(index.tags.tagNames(OTHER, 0, 0, 100).span()).isEmpty();

    FieldRef model = FieldRef.span("gen_ai.request.model");
    assertThat(index.tags.tagValues(ACME, model, 0, 0, 10)).extracting(TagValue::value).containsExactly("gpt-4o");
    assertThat(index.tags.tagValues(Tenants.DEFAULT, model, 0, 0, 10)).extracting(TagValue::value)
        .containsExactly("claude-sonnet-4-0");
    FieldRef tokens = FieldRef.span("gen_ai.usage.input_tokens");
    assertThat(index.tags.tagValues(ACME, tokens, 0, 0, 10)).extracting(TagValue::value).containsExactly("100");
    FieldRef rootService = FieldRef.intrinsic(FieldRef.SERVICE);
    assertThat(index.tags.tagValues(OTHER, rootService, 0, 0, 10)).extracting(TagValue::value).containsExactly("other-svc");
    assertThat(index.tags.tagValues(ACME, rootService, 0, 0, 10)).extracting(TagValue::value).containsExactly("acme-svc");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void callsOutcomesAndMetricsAreTheTenantsOwn(boolean segmentPerTenant) throws Exception {
    write(segmentPerTenant);
    CallTable acmeCalls = index.calls.llmCalls(ACME, CallFilter.window(0, 0), Integer.MAX_VALUE);
    assertThat(acmeCalls.size()).isEqualTo(1);
    assertThat(acmeCalls.traceId(0)).isEqualTo(SHARED);
    assertThat(index.calls.llmCalls(Tenants.DEFAULT, CallFilter.window(0, 0), Integer.MAX_VALUE).size()).isEqualTo(1);
    assertThat(index.calls.llmCalls(OTHER, CallFilter.window(0, 0), Integer.MAX_VALUE).size()).isZero();

    assertThat(index.calls.outcomes(ACME, 0, 0).get(SHARED).outcome()).isEqualTo("won");
    assertThat(index.calls.outcomes(Tenants.DEFAULT, 0, 0).get(SHARED).outcome()).isEqualTo("lost");
    assertThat(index.calls.outcomes(OTHER, 0, 0)).isEmpty();

    MetricsQuery count = new MetricsQuery(SpanFilter.all(), null, List.of(), T0 - 1_000_000_000L, T0 + 60_000_000_000L,
        60_000_000_000L, false, 0);
    assertThat(index.searcher.metrics(ACME, count).inspectedSpans()).isEqualTo(2);
    assertThat(index.searcher.metrics(Tenants.DEFAULT, count).inspectedSpans()).isEqualTo(4);
    assertThat(index.searcher.metrics(OTHER, count).inspectedSpans()).isEqualTo(1);

    assertThat(index.summary(ACME, SHARED).rootSpanName()).isEqualTo("acme-root");
    assertThat(index.summary(Tenants.DEFAULT, SHARED).spanCount()).isEqualTo(3);
  }

  @Test
  void theStoreAnswersAnyValidTenantAndRefusesInvalidOnes() throws Exception {
    try (LuceneSpanStore store = LuceneSpanStore.builder(dir.resolve("store")).open()) {
      store.accept(Tenants.DEFAULT, dev.tokentrail.genai.StoredCalls.ingested(List.of(span(SHARED, "mine", T0, 1_000).build()))).get();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .until(() -> !store.getTrace(Tenants.DEFAULT, SHARED, 0, 0).isEmpty());
      assertThat(store.getTrace(ACME, SHARED, 0, 0)).isEmpty();
      assertThat(store.search(ACME, TraceSearch.of(SpanFilter.all(), 0, 0, 10))).isEmpty();
      assertThat(store.tagNames(ACME, 0, 0, 10).span()).isEmpty();
      assertThat(store.outcomes(ACME, 0, 0)).isEmpty();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.getTrace("a b", SHARED, 0, 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tenant: 'a b'");
    }
  }

  @Test
  void aStoreOfOneTenantIsReadThroughItsOwnReaders() throws Exception {
    index.add(null, span(SHARED, "legacy", T0, 1_000).build());
    index.add(Tenants.DEFAULT, span(SHARED, "tagged", T0 + 1, 1_000).build());
    index.rollUpAndRefresh();
    List<Boolean> same = new ArrayList<>();
    for (Partition p : index.partitions.all()) {
      IndexSearcher searcher = p.searchers.acquire();
      try {
        DirectoryReader reader = (DirectoryReader) searcher.getIndexReader();
        same.add(TenantReaders.view(reader, Tenants.DEFAULT) == reader);
        assertThat(TenantReaders.view(reader, ACME).numDocs()).isZero();
      } finally {
        p.searchers.release(searcher);
      }
    }
    assertThat(same).containsOnly(true);
  }
}
