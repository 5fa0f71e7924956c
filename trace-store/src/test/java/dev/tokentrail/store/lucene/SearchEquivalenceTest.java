package dev.tokentrail.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.SpanFilter;
import dev.tokentrail.store.Spansets;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.TestSpans;
import dev.tokentrail.store.TraceMatch;
import dev.tokentrail.store.TraceSearch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store's search paths (newest first by discovery, every trace from the rollups) against
 * evaluating every selected trace, over random seeded data: several partitions and segments,
 * traces crossing partitions and the window's start, tied start times, traces whose rollup is not
 * written yet; random filters, combinations, aggregates, windows, duration bounds and limits.
 */
class SearchEquivalenceTest {
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final long HOUR = 3_600_000_000_000L;
  private static final String[] MODELS = {"gpt-4o", "claude-sonnet-4-0", "gemini-2.5-pro", "o3"};
  private static final String[] NAMES = {"GET /a", "POST /b", "db", "cache"};

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void searchesAnswerAsEvaluatingEveryTraceDoes(long seed) throws Exception {
    Random random = new Random(seed);
    try (TenantIndex index = new TenantIndex(dir)) {
      // Seed 4: some spans that are not LLM calls carry a cost attribute, so rollup costs do not bound it.
      boolean strayCosts = seed == 4;
      write(index, random, 400, strayCosts);
      index.rollUpAndRefresh();
      compare(index, random, seed, 80, true);
      // Traces whose rollups are not written yet: ranked by rollups computed on read, except by a
      // search matching every span, which finds traces through their rollups.
      write(index, random, 15, strayCosts);
      index.refresh();
      compare(index, random, seed, 30, false);
    }
  }

  private static void compare(TenantIndex index, Random random, long seed, int searches, boolean everyTrace) {
    for (int i = 0; i < searches; i++) {
      TraceSearch search = randomSearch(random);
      boolean everySpan = search.spansets() instanceof Spansets.Filter f && f.filter() instanceof SpanFilter.All;
      boolean matchesEverySpan = everySpan && search.aggregates().isEmpty();
      if (everySpan && !everyTrace) {
        continue;
      }
      List<TraceMatch> fast = index.searcher.search(Tenants.DEFAULT, search);
      List<TraceMatch> every = index.searcher.searchExhaustive(Tenants.DEFAULT, search);
      if (matchesEverySpan) {
        // Matching every span, which spans are shown is the store's choice: compare the rest.
        assertThat(project(fast)).as("seed %d search %d: %s", seed, i, search).isEqualTo(project(every));
      } else {
        assertThat(fast).as("seed %d search %d: %s", seed, i, search).isEqualTo(every);
      }
    }
  }

  private static List<String> project(List<TraceMatch> matches) {
    List<String> out = new ArrayList<>();
    for (TraceMatch m : matches) {
      out.add(m.summary() + " matched=" + m.matchedCount() + " shown=" + m.matchedSpans().size());
    }
    return out;
  }

  private static void write(TenantIndex index, Random random, int traces, boolean strayCosts) throws Exception {
    for (int t = 0; t < traces; t++) {
      TraceId traceId = new TraceId(0, random.nextInt(1 << 20) + 1);
      // Starts on a coarse grid so traces tie; spread over three one-hour partitions.
      long start = T0 + (random.nextInt(3 * 60)) * 60_000_000_000L + random.nextInt(3) * 1_000;
      int spans = 1 + random.nextInt(8);
      SpanId root = TestSpans.randomSpanId();
      for (int s = 0; s < spans; s++) {
        long at = start + (s == 0 ? 0 : random.nextInt(s < 3 ? 2_000 : 90) * 1_000_000_000L);
        Span.Builder b;
        if (random.nextInt(3) == 0) {
          String model = MODELS[random.nextInt(MODELS.length)];
          b = TestSpans.llmCall(traceId, s == 0 ? SpanId.NONE : root, model, random.nextInt(1000), random.nextInt(500),
              random.nextInt(100) / 100.0, at);
        } else {
          b = TestSpans.span(traceId, NAMES[random.nextInt(NAMES.length)], at, random.nextInt(1_000_000_000))
              .kind(SpanKind.SERVER);
          if (s > 0) {
            b.parentSpanId(root);
          }
          if (strayCosts && random.nextInt(20) == 0) {
            b.attribute("tokentrail.cost.usd", random.nextInt(100) / 100.0);
          }
        }
        if (s == 0) {
          b.spanId(root);
        }
        index.add(null, b.build());
        if (random.nextInt(150) == 0) {
          index.flush();
        }
      }
    }
  }

  private static TraceSearch randomSearch(Random random) {
    Spansets spansets = randomSpansets(random, 0);
    List<AggregateCondition> aggregates = new ArrayList<>();
    int a = random.nextInt(6);
    if (a == 1) {
      aggregates.add(new AggregateCondition(AggregateCondition.Function.COUNT, null, SpanFilter.Op.GT, random.nextInt(4)));
    } else if (a == 2) {
      aggregates.add(new AggregateCondition(AggregateCondition.Function.SUM, FieldRef.span("tokentrail.cost.usd"),
          SpanFilter.Op.GT, random.nextInt(100) / 100.0));
    } else if (a == 3) {
      aggregates.add(new AggregateCondition(AggregateCondition.Function.MAX, FieldRef.intrinsic(FieldRef.DURATION),
          SpanFilter.Op.LT, random.nextInt(1_000_000_000)));
    }
    long from = 0;
    long to = 0;
    if (random.nextBoolean()) {
      from = T0 + random.nextInt(3 * 60) * 60_000_000_000L;
      to = random.nextBoolean() ? 0 : from + random.nextInt(4 * 60) * 60_000_000_000L;
    }
    long minDuration = random.nextInt(5) == 0 ? random.nextInt(60) * 1_000_000_000L : 0;
    long maxDuration = random.nextInt(5) == 0 ? random.nextInt(600) * 1_000_000_000L : 0;
    int limit = 1 + random.nextInt(random.nextBoolean() ? 5 : 40);
    TraceSearch.Order order = random.nextInt(4) == 0
        ? TraceSearch.Order.values()[random.nextInt(TraceSearch.Order.values().length)]
        : TraceSearch.Order.NEWEST;
    return new TraceSearch(spansets, aggregates, from, to, minDuration, maxDuration, limit, random.nextInt(4), order);
  }

  private static Spansets randomSpansets(Random random, int depth) {
    if (depth < 2 && random.nextInt(4) == 0) {
      return new Spansets.Combine(random.nextBoolean(), randomSpansets(random, depth + 1), randomSpansets(random, depth + 1));
    }
    return Spansets.of(randomFilter(random));
  }

  private static SpanFilter randomFilter(Random random) {
    SpanFilter model = SpanFilter.eq(FieldRef.span("gen_ai.request.model"), MODELS[random.nextInt(MODELS.length)]);
    SpanFilter tokens = new SpanFilter.Condition(FieldRef.span("gen_ai.usage.input_tokens"), SpanFilter.Op.GT,
        (long) random.nextInt(1000));
    return switch (random.nextInt(7)) {
      case 0 -> SpanFilter.all();
      case 1 -> model;
      case 2 -> tokens;
      case 3 -> new SpanFilter.And(List.of(model, tokens));
      case 4 -> SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), NAMES[random.nextInt(NAMES.length)]);
      case 5 -> SpanFilter.eq(FieldRef.intrinsic(FieldRef.SERVICE), "checkout");
      default -> new SpanFilter.Or(List.of(model, SpanFilter.eq(FieldRef.intrinsic(FieldRef.NAME), "db")));
    };
  }
}
