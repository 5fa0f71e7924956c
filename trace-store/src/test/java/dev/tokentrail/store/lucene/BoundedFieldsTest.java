package dev.tokentrail.store.lucene;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static dev.tokentrail.store.TestSpans.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanFilter.Condition;
import dev.tokentrail.store.SpanFilter.Op;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.TagValue;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 2: a budget of indexed attribute fields per partition, the rest searchable. */
class BoundedFieldsTest {
  private static final long NOW = java.time.Instant.now().toEpochMilli() * 1_000_000L;

  @TempDir Path dataDir;

  /** Waits until the trace reads back and is found by search (its rollup trails its spans by a refresh). */
  private static void visible(LuceneSpanStore store, TraceId traceId) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !store.getTrace(Tenants.DEFAULT, traceId, 0, 0).isEmpty()
        && search(store, SpanFilter.all()).contains(traceId));
  }

  private static List<TraceId> search(LuceneSpanStore store, SpanFilter filter) {
    List<TraceMatch> matches =
        store.search(Tenants.DEFAULT, new TraceSearch(new Spansets.Filter(filter), List.of(), 0, 0, 0, 0, 1000, 3, TraceSearch.Order.NEWEST));
    List<TraceId> ids = new ArrayList<>();
    for (TraceMatch m : matches) {
      ids.add(m.summary().traceId());
    }
    ids.sort(null);
    return ids;
  }

  /** Attribute fields in the store's partitions, but the server's own (service.name is always indexed). */
  private static long attributeFields(LuceneSpanStore store) {
    return store.fieldNames().stream().filter(FieldBudget::isAttributeField).filter(f -> !f.equals("r.service.name")).count();
  }

  private static List<Span> manyKeys(int spans, int keysPerSpan, List<TraceId> traceIds) {
    List<Span> out = new ArrayList<>();
    int k = 0;
    for (int s = 0; s < spans; s++) {
      TraceId traceId = randomTraceId();
      traceIds.add(traceId);
      Span.Builder b = span(traceId, "tool", NOW + s, 10);
      for (int i = 0; i < keysPerSpan; i++, k++) {
        b.attribute("user." + k + ".score", (long) k);
      }
      b.attribute("user.name." + s, "name-" + s);
      out.add(b.build());
    }
    return out;
  }

  @Test
  void hundredThousandDistinctKeysKeepTheFieldCountAtTheBudgetAndOverflowKeysStaySearchable() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    List<TraceId> traces = new ArrayList<>();
    try (LuceneSpanStore store = LuceneSpanStore.builder(dataDir.resolve("store")).registry(registry).open()) {
      // 4 spans x 25,000 keys = 100,000 distinct keys, like user.12345.score.
      for (Span s : manyKeys(4, 25_000, traces)) {
        store.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(s))).get();
        // Indexed in order, so the budget goes to the first span's keys whatever the indexing threads do.
        visible(store, s.traceId());
      }
      assertThat(attributeFields(store)).isLessThanOrEqualTo(10_000);
      // A key well past the budget (the 4th span's) is found through the catch-all path.
      assertThat(search(store, new Condition(FieldRef.span("user.99999.score"), Op.EQ, 99_999L)))
          .containsExactly(traces.get(3));
      assertThat(search(store, new Condition(FieldRef.any("user.77777.score"), Op.GT, 77_776.5)))
          .containsExactly(traces.get(3));
      assertThat(search(store, new Condition(FieldRef.span("user.name.3"), Op.REGEX, "name-[0-9]")))
          .containsExactly(traces.get(3));
      assertThat(search(store, new Condition(FieldRef.span("user.60000.score"), Op.EXISTS, null)))
          .containsExactly(traces.get(2));
      // An indexed key still answers through its own field.
      assertThat(search(store, new Condition(FieldRef.span("user.5.score"), Op.EQ, 5L))).containsExactly(traces.get(0));
      // Discovery lists overflow keys and their values.
      assertThat(store.tagNames(Tenants.DEFAULT, 0, 0, 100_000).span()).contains("user.99999.score", "user.5.score");
      assertThat(store.tagValues(Tenants.DEFAULT, FieldRef.span("user.99999.score"), 0, 0, 10)).containsExactly(new TagValue("int", "99999"));
      assertThat(store.tagValues(Tenants.DEFAULT, FieldRef.span("user.name.3"), 0, 0, 10)).containsExactly(new TagValue("string", "name-3"));
      assertThat(registry.scrape().stream()
              .filter(m -> m.getMetadata().getName().equals("tokentrail_store_partition_overflow_attribute_values"))
              .findFirst().orElseThrow().getDataPoints().get(0).getLabels().toString())
          .contains("partition");
    }
  }

  @Test
  void recoveryReplaysThroughTheSameBudget() throws Exception {
    Path crashed = dataDir.resolve("crashed");
    LuceneSpanStore first = LuceneSpanStore.builder(crashed).maxIndexedFields(100).commitInterval(Duration.ofHours(1)).open();
    List<TraceId> traces = new ArrayList<>();
    for (Span s : manyKeys(3, 1_000, traces)) {
      first.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(s))).get();
    }
    Path copy = dataDir.resolve("copy");
    copyTree(crashed, copy);
    try (LuceneSpanStore recovered = LuceneSpanStore.builder(copy).maxIndexedFields(100).open()) {
      visible(recovered, traces.get(2));
      assertThat(attributeFields(recovered)).isLessThanOrEqualTo(100);
      assertThat(search(recovered, new Condition(FieldRef.span("user.2500.score"), Op.EQ, 2_500L)))
          .containsExactly(traces.get(2));
    }
    first.close();
  }

  /** Every operator answers the same whether its key is indexed on its own or past the budget. */
  @Test
  void conditionsOnOverflowKeysAnswerAsOnIndexedKeys() throws Exception {
    List<Span> spans = new ArrayList<>();
    Object[] values = {"alpha", "beta", 3L, -0.0, 0.0, 2.5, true, List.of("x", "y"), List.of(1L, 7L), "Zeta", "é"};
    for (Object v : values) {
      spans.add(span(randomTraceId(), "s", NOW, 10).attribute("k", v).attribute("other", "o").build());
    }
    spans.add(span(randomTraceId(), "none", NOW, 10).attribute("other", "o").build());
    List<Condition> conditions = new ArrayList<>();
    for (Object w : new Object[] {"alpha", "beta", "x", "é", "Zeta"}) {
      for (Op op : List.of(Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE)) {
        conditions.add(new Condition(FieldRef.span("k"), op, w));
      }
    }
    for (Object w : new Object[] {3L, 0.0, -0.0, 2.5, 7L, 1.5}) {
      for (Op op : List.of(Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE)) {
        conditions.add(new Condition(FieldRef.span("k"), op, w));
      }
    }
    for (String pattern : List.of("a.*", ".*e.*", "x|y", "[A-Z].*", "tr.*")) {
      conditions.add(new Condition(FieldRef.any("k"), Op.REGEX, pattern));
      conditions.add(new Condition(FieldRef.span("k"), Op.NOT_REGEX, pattern));
    }
    conditions.add(new Condition(FieldRef.span("k"), Op.EQ, true));
    conditions.add(new Condition(FieldRef.span("k"), Op.NEQ, true));
    conditions.add(new Condition(FieldRef.span("k"), Op.EXISTS, null));
    conditions.add(new Condition(FieldRef.span("k"), Op.NOT_EXISTS, null));
    conditions.add(new Condition(FieldRef.any("k"), Op.NOT_EXISTS, null));
    try (LuceneSpanStore indexed = LuceneSpanStore.builder(dataDir.resolve("indexed")).open();
        LuceneSpanStore overflow = LuceneSpanStore.builder(dataDir.resolve("overflow")).maxIndexedFields(1).open()) {
      // "other" (first key seen) takes the one slot: "k" goes to the catch-all fields.
      indexed.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get();
      Span first = span(randomTraceId(), "first", NOW, 10).attribute("other", "o").build();
      overflow.accept(Tenants.DEFAULT, StoredCalls.ingested(List.of(first))).get();
      visible(overflow, first.traceId());
      overflow.accept(Tenants.DEFAULT, StoredCalls.ingested(spans)).get();
      visible(indexed, spans.get(spans.size() - 1).traceId());
      visible(overflow, spans.get(spans.size() - 1).traceId());
      assertThat(overflow.fieldNames()).doesNotContain("a.k", "an.k");
      Set<TraceId> extra = new TreeSet<>(search(overflow, new Condition(FieldRef.span("other"), Op.EQ, "o")));
      extra.removeAll(search(indexed, new Condition(FieldRef.span("other"), Op.EQ, "o")));
      for (Condition c : conditions) {
        List<TraceId> expected = search(indexed, c);
        List<TraceId> actual = new ArrayList<>(search(overflow, c));
        actual.removeAll(extra);
        assertThat(actual).as(c.toString()).isEqualTo(expected);
      }
    }
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals("write.lock")) {
          Files.copy(p, target);
        }
      }
    }
  }
}
