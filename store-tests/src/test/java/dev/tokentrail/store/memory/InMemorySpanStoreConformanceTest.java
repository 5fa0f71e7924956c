package dev.tokentrail.store.memory;

import dev.tokentrail.store.SpanStore;
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
import dev.tokentrail.store.conformance.StoreOptions;
import dev.tokentrail.store.conformance.TagContract;
import dev.tokentrail.store.conformance.TenancyContract;
import dev.tokentrail.store.conformance.TraceByIdContract;
import dev.tokentrail.store.conformance.TraceLevelContract;
import dev.tokentrail.store.conformance.WriteContract;
import java.time.Duration;
import org.junit.jupiter.api.Nested;

/** The reference store passes the whole conformance suite (and compared with itself, trivially agrees). */
class InMemorySpanStoreConformanceTest {

  /** Opens in-memory stores; nothing to restart, nothing to clean up. */
  static final class InMemoryHarness implements StoreHarness {
    @Override
    public SpanStore open(StoreOptions options) {
      InMemorySpanStore.Builder builder = InMemorySpanStore.builder().clock(options.clock());
      if (options.retention() != null) {
        builder.retention(options.retention());
      }
      return builder.build();
    }

    @Override
    public Duration visibilityBound() {
      return Duration.ofMillis(100);
    }
  }

  @Nested class Writes extends WriteContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class TracesById extends TraceByIdContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class SearchOperators extends SearchOperatorContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Spansets extends SpansetContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Aggregates extends AggregateContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class TraceLevel extends TraceLevelContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Ranking extends RankingContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class SpansPerTrace extends SpansPerTraceContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Tags extends TagContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Calls extends CallContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Outcomes extends OutcomeContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Metrics extends MetricsContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Retention extends RetentionContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class ClosedStore extends ClosedStoreContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Cancellation extends CancellationContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Tenancy extends TenancyContract {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }

  @Nested class Randomized extends RandomizedComparison {
    @Override protected StoreHarness harness() { return new InMemoryHarness(); }
  }
}
