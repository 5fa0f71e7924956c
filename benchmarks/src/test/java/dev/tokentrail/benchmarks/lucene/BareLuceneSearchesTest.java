package dev.tokentrail.benchmarks.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.benchmarks.ReferenceQueries;
import dev.tokentrail.benchmarks.TokenCounts;
import dev.tokentrail.benchmarks.Workload;
import dev.tokentrail.model.Span;
import dev.tokentrail.pricing.PriceCatalog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BareLuceneSearchesTest {
  private static final long START = 1_700_000_000_000_000_000L;

  @TempDir Path dir;

  @Test
  void everySearchReturnsTheNewestTracesABruteForceScanFinds() throws Exception {
    PriceCatalog catalog = PriceCatalog.builtIn();
    List<List<Span>> traces = new ArrayList<>();
    for (List<Span> trace : new Workload(TokenCounts.load(TokenCounts.DEFAULT_FILE), catalog, 7).traces(20_000, START, 600_000_000_000L)) {
      traces.add(BareLuceneBaseline.enrich(trace, catalog));
    }
    List<Span> spans = new ArrayList<>();
    traces.forEach(spans::addAll);
    ReferenceQueries queries = ReferenceQueries.pick(traces);

    BareLuceneBaseline.Result result = BareLuceneBaseline.index(spans, dir, 3);
    assertThat(result.docs()).isEqualTo(spans.size());
    assertThat(result.bytes()).isPositive();
    try (BareLuceneSearches searches = BareLuceneSearches.open(dir, queries)) {
      for (ReferenceQueries.Kind kind : ReferenceQueries.Kind.values()) {
        List<String> expected =
            kind == ReferenceQueries.Kind.TRACE_COST
                ? newest(traces, t -> cost(t) > queries.costOver().doubleValue())
                : newest(traces, t -> t.stream().anyMatch(s -> queries.spanMatches(kind, s)));
        assertThat(expected).as(kind.label).hasSize(ReferenceQueries.LIMIT);
        assertThat(searches.run(kind)).as(kind.label).containsExactlyElementsOf(expected);
      }
    }
  }

  private static List<String> newest(List<List<Span>> traces, Predicate<List<Span>> keep) {
    return traces.stream()
        .filter(keep)
        .sorted(Comparator.comparingLong((List<Span> t) -> t.stream().mapToLong(Span::startEpochNanos).min().orElseThrow()).reversed())
        .limit(ReferenceQueries.LIMIT)
        .map(t -> t.get(0).traceId().hex())
        .toList();
  }

  private static double cost(List<Span> trace) {
    return trace.stream().mapToDouble(s -> s.attributes().get("tokentrail.cost.usd") instanceof Double c ? c : 0).sum();
  }
}
