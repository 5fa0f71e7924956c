package dev.tokentrail.analysis;

import static dev.tokentrail.analysis.Calls.BASE_MILLIS;
import static dev.tokentrail.analysis.Calls.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.DuplicateAnalysis.Finding;
import dev.tokentrail.analysis.DuplicateAnalysis.Result;
import dev.tokentrail.store.CallTable;
import org.junit.jupiter.api.Test;

/**
 * Known answers for docs/waste.md, "Duplicate requests". A fx-frontier call of 1000 in + 100 out
 * costs $0.0035 (fixture catalog, 2026-11-20).
 */
class DuplicateAnalysisTest {
  private static final double EPS = 1e-12;
  private static final double CALL_USD = 0.0035;
  private static final long MINUTE = 60_000L;
  private static final long WINDOW = 10 * MINUTE * 1_000_000L;

  private static Result analyze(CallTable t) {
    return DuplicateAnalysis.analyze(t, RetryAnalysis.analyze(t).finalAttempt(), WINDOW);
  }

  @Test
  void repeatsWithinTheWindowAreDuplicatesAndTheirCostIsTheWaste() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .trace(2).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS + MINUTE)
        .trace(3).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS + 2 * MINUTE)
        .trace(4).call("fx-frontier", 1000, 100).hash("other").at(BASE_MILLIS + 3 * MINUTE)
        .table();
    Result r = analyze(t);
    assertThat(r.findings()).hasSize(1);
    Finding f = r.findings().get(0);
    assertThat(f.requestHash()).isEqualTo("h");
    assertThat(f.service()).isEqualTo("svc");
    assertThat(f.calls()).isEqualTo(3);
    assertThat(f.duplicates()).isEqualTo(2);
    assertThat(f.duplicateTokens()).isEqualTo(2200);
    assertThat(f.wastedUsd()).isCloseTo(2 * CALL_USD, within(EPS));
    assertThat(f.exampleTraceIds()).containsExactly(traceId(2), traceId(3));
    assertThat(r.duplicate()).containsExactly(false, true, true, false);
    assertThat(r.wastedUsd()).isCloseTo(2 * CALL_USD, within(EPS));
  }

  @Test
  void aDuplicateThatIsALaterTurnOfItsConversationAlsoCountsInTheCacheKind() {
    // The same question sent again in one conversation (a reload): the duplicate kind counts the
    // whole call, the cache kind its re-sent 1000 tokens at input minus cache-read price
    // (docs/waste.md, "Metrics": the kinds are views, not a partition).
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 100).hash("h").conversation("c").at(BASE_MILLIS)
        .trace(2).call("fx-frontier", 1000, 100).hash("h").conversation("c").at(BASE_MILLIS + MINUTE)
        .table();
    boolean[] finalAttempt = RetryAnalysis.analyze(t).finalAttempt();

    Result duplicates = DuplicateAnalysis.analyze(t, finalAttempt, WINDOW);
    ContextGrowthAnalysis.Result context =
        ContextGrowthAnalysis.analyze(t, finalAttempt, Calls.CATALOG, WasteThresholds.DEFAULT);

    assertThat(duplicates.wastedUsd()).isCloseTo(CALL_USD, within(EPS));
    assertThat(context.cacheOpportunityUsd()).isCloseTo(1000 * (2.50 - 1.25) / 1e6, within(EPS));
  }

  @Test
  void theWindowEndIsInclusive() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .trace(2).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS + 10 * MINUTE)
        .table();
    assertThat(analyze(t).duplicate()).containsExactly(false, true);
    CallTable later = new Calls()
        .trace(1).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .trace(2).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS + 10 * MINUTE + 1)
        .table();
    assertThat(analyze(later).findings()).isEmpty();
  }

  @Test
  void theWindowRunsFromTheOriginalNotFromTheLastDuplicate() {
    // 0: original; 6 min: duplicate; 12 min: 12 min after the original, so a new original; 13: duplicate of it.
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .trace(2).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS + 6 * MINUTE)
        .trace(3).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS + 12 * MINUTE)
        .trace(4).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS + 13 * MINUTE)
        .table();
    assertThat(analyze(t).duplicate()).containsExactly(false, true, false, true);
  }

  @Test
  void theSameRequestFromAnotherServiceIsNotADuplicate() {
    CallTable t = new Calls()
        .trace(1).inService("a").call("fx-frontier", 1000, 100).hash("h")
        .trace(2).inService("b").call("fx-frontier", 1000, 100).hash("h")
        .table();
    assertThat(analyze(t).findings()).isEmpty();
  }

  @Test
  void retriesAndFailuresAreNotDuplicates() {
    // A retry group (same trace, parent, hash): the failed attempt is retry waste, the answer one call.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 0).hash("h").error("timeout")
        .call("fx-frontier", 1000, 100).hash("h")
        .trace(2).call("fx-frontier", 1000, 0).hash("h").error("500")
        .trace(3).call("fx-frontier", -1, -1).noUsage().hash("h")
        .table();
    assertThat(analyze(t).findings()).isEmpty();
  }

  @Test
  void callsStartingTogetherAreOrderedByTraceIdThenSpanId() {
    CallTable t = new Calls()
        .trace(9).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .trace(5).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .trace(5).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS).parent(0xB)
        .table();
    Result r = analyze(t);
    // Trace 5's first span (the lower span id) is the original; its sibling and trace 9 repeat it.
    assertThat(r.duplicate()).containsExactly(true, false, true);
    assertThat(r.findings().get(0).exampleTraceIds()).containsExactly(traceId(5), traceId(9));
  }

  @Test
  void rowOrderDoesNotChangeTheFindings() {
    CallTable forward = new Calls()
        .trace(1).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .trace(2).call("fx-frontier", 1000, 200).hash("h").at(BASE_MILLIS + MINUTE)
        .table();
    CallTable backward = new Calls()
        .trace(2).call("fx-frontier", 1000, 200).hash("h").at(BASE_MILLIS + MINUTE)
        .trace(1).call("fx-frontier", 1000, 100).hash("h").at(BASE_MILLIS)
        .table();
    assertThat(analyze(backward).findings().get(0).wastedUsd())
        .isCloseTo(analyze(forward).findings().get(0).wastedUsd(), within(EPS))
        .isCloseTo(0.0025 + 0.002, within(EPS));
  }
}
