package dev.tokentrail.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.benchmarks.lucene.BareLuceneBaseline;
import dev.tokentrail.model.Span;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceQueriesTest {
  @Test
  void pickedFiltersMatchAFewPercentOfSpans() {
    PriceCatalog catalog = PriceCatalog.builtIn();
    List<List<Span>> traces = new ArrayList<>();
    for (List<Span> trace : new Workload(TokenCounts.load(TokenCounts.DEFAULT_FILE), catalog, 3).traces(20_000, 0, 1_000_000_000L)) {
      traces.add(BareLuceneBaseline.enrich(trace, catalog));
    }
    ReferenceQueries queries = ReferenceQueries.pick(traces);
    long spans = traces.stream().mapToLong(List::size).sum();

    for (ReferenceQueries.Kind kind : List.of(ReferenceQueries.Kind.MODEL, ReferenceQueries.Kind.TOKENS)) {
      long matched = traces.stream().flatMap(List::stream).filter(s -> queries.spanMatches(kind, s)).count();
      assertThat((double) matched / spans).as(kind.label).isBetween(0.01, 0.06);
    }
    assertThat(queries.costOver().precision()).isLessThanOrEqualTo(2);
  }

  @Test
  void traceQlSpellsEachSearchAsTokenTrailAcceptsIt() {
    ReferenceQueries queries = new ReferenceQueries("gpt-4o", 1000, 2000, new java.math.BigDecimal("0.05"));

    assertThat(queries.traceQl(ReferenceQueries.Kind.MODEL_AND_TOKENS))
        .isEqualTo("{ span.gen_ai.request.model = \"gpt-4o\" && span.gen_ai.usage.input_tokens > 1000 && span.gen_ai.usage.input_tokens < 2000 }");
    assertThat(queries.traceQl(ReferenceQueries.Kind.TRACE_COST)).isEqualTo("{ } | sum(span.tokentrail.cost.usd) > 0.05");
    assertThat(queries.traceQl(ReferenceQueries.Kind.ANY)).isEqualTo("{ }");
  }

  @Test
  void percentilesAreNearestRankOverTheTimedRuns() {
    long[] nanos = new long[100];
    for (int i = 0; i < nanos.length; i++) {
      nanos[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms, unsorted on purpose
    }
    ReferenceQueries.Timing timing = new ReferenceQueries.Timing(nanos, List.of());

    assertThat(timing.p50Millis()).isEqualTo(50.0);
    assertThat(timing.p99Millis()).isEqualTo(99.0);
  }

  @Test
  void traceIdsTrimmedByTheTempoApiArePaddedBack() {
    assertThat(ReferenceQueries.fullTraceId("abc")).isEqualTo("0".repeat(29) + "abc");
    assertThat(ReferenceQueries.fullTraceId("f".repeat(32))).isEqualTo("f".repeat(32));
  }
}
