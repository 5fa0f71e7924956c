package dev.tokentrail.store.opensearch;

import dev.tokentrail.store.conformance.AggregateContract;
import dev.tokentrail.store.conformance.CallContract;
import dev.tokentrail.store.conformance.CancellationContract;
import dev.tokentrail.store.conformance.ClosedStoreContract;
import dev.tokentrail.store.conformance.MetricsContract;
import dev.tokentrail.store.conformance.OutcomeContract;
import dev.tokentrail.store.conformance.RandomizedComparison;
import dev.tokentrail.store.conformance.RankingContract;
import dev.tokentrail.store.conformance.RetentionContract;
import dev.tokentrail.store.conformance.SearchOperatorContract;
import dev.tokentrail.store.conformance.SpansPerTraceContract;
import dev.tokentrail.store.conformance.SpansetContract;
import dev.tokentrail.store.conformance.StoreHarness;
import dev.tokentrail.store.conformance.TagContract;
import dev.tokentrail.store.conformance.TenancyContract;
import dev.tokentrail.store.conformance.TraceByIdContract;
import dev.tokentrail.store.conformance.TraceLevelContract;
import dev.tokentrail.store.conformance.WriteContract;
import org.junit.jupiter.api.Nested;

/**
 * The OpenSearch store runs the whole conformance suite, unchanged, against a real OpenSearch node
 * started once for the test JVM ({@link TestNode}); each test's harness has its own index prefix.
 */
class OpenSearchSpanStoreConformanceTest {

  @Nested class Writes extends WriteContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class TracesById extends TraceByIdContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class SearchOperators extends SearchOperatorContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Spansets extends SpansetContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Aggregates extends AggregateContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class TraceLevel extends TraceLevelContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Ranking extends RankingContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class SpansPerTrace extends SpansPerTraceContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Tags extends TagContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Calls extends CallContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Outcomes extends OutcomeContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Metrics extends MetricsContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Retention extends RetentionContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class ClosedStore extends ClosedStoreContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Cancellation extends CancellationContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Tenancy extends TenancyContract {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }

  @Nested class Randomized extends RandomizedComparison {
    @Override protected StoreHarness harness() { return new OpenSearchHarness(); }
  }
}
