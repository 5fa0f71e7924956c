package dev.tokentrail.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallFilter;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.MetricsQuery;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import dev.tokentrail.store.memory.InMemorySpanStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Seeded randomized comparison with the reference store: the same random traces are written to
 * the store under test and to {@link InMemorySpanStore}, then random reads must answer alike. The
 * seed is random per run and printed with any failure; {@code -Dtokentrail.conformance.seed=N}
 * replays a run.
 */
public abstract class RandomizedComparison {
  /** The system property that fixes the seed. */
  public static final String SEED_PROPERTY = "tokentrail.conformance.seed";
  private static final String TENANT = Tenants.DEFAULT;
  private static final int TRACES = 120;
  private static final int QUERIES = 150;

  private long seed;
  private Random random;
  private StoreHarness harness;
  private SpanStore store;
  private InMemorySpanStore reference;

  protected abstract StoreHarness harness();

  @BeforeEach
  void open(TestInfo test) {
    Long fixed = Long.getLong(SEED_PROPERTY);
    long base = fixed != null ? fixed : new Random().nextLong();
    seed = base;
    random = new Random(base ^ test.getTestMethod().map(m -> m.getName().hashCode()).orElse(0));
    harness = harness();
    store = harness.open(StoreOptions.defaults());
    reference = InMemorySpanStore.create();
  }

  @AfterEach
  void close() {
    try {
      reference.close();
      store.close();
    } finally {
      harness.close();
    }
  }

  /** Runs {@code comparison}, naming the seed that replays it when it fails. */
  private void withSeed(Runnable comparison) {
    try {
      comparison.run();
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("differs from the reference store (seed " + seed + "; replay with -D" + SEED_PROPERTY
          + "=" + seed + "): " + e.getMessage(), e);
    }
  }

  private List<IngestedSpan> writeBoth(boolean conflicts) {
    RandomTraces data = RandomTraces.generate(random, TRACES, conflicts);
    for (List<IngestedSpan> batch : data.batches()) {
      store.accept(TENANT, batch).join();
      reference.accept(TENANT, batch).join();
    }
    harness.awaitVisible(store, TENANT, data.stored());
    return data.stored();
  }

  /** Both answer alike, or both refuse with {@link IllegalArgumentException}. */
  private <T> void sameOutcome(Supplier<T> expected, Supplier<T> actual, java.util.function.BiConsumer<T, T> compare, Object query) {
    T e;
    try {
      e = expected.get();
    } catch (IllegalArgumentException refused) {
      assertThatThrownBy(actual::get).as("%s is refused by the reference: %s", query, refused.getMessage())
          .isInstanceOf(IllegalArgumentException.class);
      return;
    }
    T a = actual.get();
    try {
      compare.accept(a, e);
    } catch (AssertionError mismatch) {
      throw new AssertionError("for " + query + ": " + mismatch.getMessage(), mismatch);
    }
  }

  private void compareSearches(List<IngestedSpan> stored, Supplier<TraceSearch> searches) {
    int answered = 0;
    for (int i = 0; i < QUERIES; i++) {
      TraceSearch search = searches.get();
      if (!reference.search(TENANT, search).isEmpty()) {
        answered++;
      }
      sameOutcome(() -> reference.search(TENANT, search), () -> store.search(TENANT, search), Comparisons::sameMatches, search);
    }
    // Random searches that all find nothing would prove nothing.
    assertThat(answered).as("searches finding traces").isGreaterThan(QUERIES / 5);
  }

  @Test
  protected void traceReadsAndRollupsAgree() {
    withSeed(() -> compareTraces(writeBoth(false)));
  }

  private void compareTraces(List<IngestedSpan> stored) {
    Set<TraceId> traceIds = new LinkedHashSet<>();
    stored.forEach(s -> traceIds.add(s.span().traceId()));
    for (TraceId traceId : traceIds) {
      assertThat(store.getTrace(TENANT, traceId, 0, 0)).as("trace %s", traceId)
          .containsExactlyElementsOf(reference.getTrace(TENANT, traceId, 0, 0));
    }
    for (TraceSearch.Order order : TraceSearch.Order.values()) {
      TraceSearch all = TraceSearch.of(SpanFilter.all(), 0, 0, traceIds.size()).withOrder(order);
      Comparisons.sameMatches(store.search(TENANT, all), reference.search(TENANT, all));
    }
  }

  @Test
  protected void filteredSearchesAgree() {
    withSeed(() -> {
      List<IngestedSpan> stored = writeBoth(false);
      RandomQueries queries = new RandomQueries(random, stored);
      compareSearches(stored, () -> queries.search(queries.spansets(false), queries.aggregates()));
    });
  }

  @Test
  protected void combinedSpansetsAgree() {
    withSeed(() -> {
      List<IngestedSpan> stored = writeBoth(false);
      RandomQueries queries = new RandomQueries(random, stored);
      compareSearches(stored, () -> queries.search(queries.spansets(true), queries.aggregates()));
    });
  }

  @Test
  protected void searchesOfEverySpanInAWindowAgree() {
    withSeed(() -> {
      List<IngestedSpan> stored = writeBoth(false);
      RandomQueries queries = new RandomQueries(random, stored);
      compareSearches(stored, () -> queries.search(Spansets.of(SpanFilter.all()), List.of()));
    });
  }

  @Test
  protected void callsAgree() {
    withSeed(() -> {
      RandomQueries queries = new RandomQueries(random, writeBoth(false));
      Comparator<CallRow> order = Comparator.comparing(CallRow::traceId).thenComparingLong(CallRow::spanId);
      for (int i = 0; i < QUERIES; i++) {
        CallFilter filter = queries.callFilter();
        List<CallRow> actual = new ArrayList<>(CallRow.all(store.llmCalls(TENANT, filter)));
        List<CallRow> expected = new ArrayList<>(CallRow.all(reference.llmCalls(TENANT, filter)));
        actual.sort(order);
        expected.sort(order);
        assertThat(actual).as("calls for %s", filter).containsExactlyElementsOf(expected);
      }
    });
  }

  @Test
  protected void outcomesAgree() {
    withSeed(() -> {
      RandomQueries queries = new RandomQueries(random, writeBoth(false));
      for (int i = 0; i < QUERIES; i++) {
        long[] window = queries.window();
        assertThat(store.outcomes(TENANT, window[0], window[1])).as("outcomes in [%d, %d]", window[0], window[1])
            .isEqualTo(reference.outcomes(TENANT, window[0], window[1]));
      }
    });
  }

  @Test
  protected void tagsAgree() {
    withSeed(() -> {
      writeBoth(false);
      assertThat(store.tagNames(TENANT, 0, 0, 1000)).isEqualTo(reference.tagNames(TENANT, 0, 0, 1000));
      List<FieldRef> fields = new ArrayList<>(List.of(FieldRef.intrinsic(FieldRef.NAME), FieldRef.intrinsic(FieldRef.STATUS),
          FieldRef.intrinsic(FieldRef.KIND), FieldRef.intrinsic(FieldRef.SERVICE), FieldRef.intrinsic(FieldRef.ROOT_NAME)));
      var names = reference.tagNames(TENANT, 0, 0, 1000);
      names.span().forEach(n -> fields.add(FieldRef.span(n)));
      names.resource().forEach(n -> fields.add(FieldRef.resource(n)));
      names.resource().forEach(n -> fields.add(FieldRef.any(n)));
      for (FieldRef field : fields) {
        assertThat(store.tagValues(TENANT, field, 0, 0, 10_000)).as("values of %s", field)
            .containsExactlyInAnyOrderElementsOf(reference.tagValues(TENANT, field, 0, 0, 10_000));
      }
    });
  }

  @Test
  protected void metricsAgree() {
    withSeed(() -> {
      RandomQueries queries = new RandomQueries(random, writeBoth(false));
      for (int i = 0; i < QUERIES; i++) {
        MetricsQuery query = queries.metricsQuery();
        sameOutcome(() -> reference.metrics(TENANT, query), () -> store.metrics(TENANT, query), Comparisons::sameMetrics, query);
      }
    });
  }

  @Test
  protected void tiesAndConflictsAgree() {
    withSeed(() -> {
      List<IngestedSpan> stored = writeBoth(true);
      compareTraces(stored);
      assertThat(store.outcomes(TENANT, 0, 0)).as("outcomes").isEqualTo(reference.outcomes(TENANT, 0, 0));
      RandomQueries queries = new RandomQueries(random, stored);
      compareSearches(stored, () -> queries.search(queries.spansets(false), List.of()));
    });
  }
}
