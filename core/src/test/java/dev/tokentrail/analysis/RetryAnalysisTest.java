package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import static dev.tokentrail.analysis.Calls.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.RetryAnalysis.Result;
import dev.tokentrail.analysis.RetryAnalysis.RetryGroup;
import dev.tokentrail.analysis.RetryAnalysis.Rollup;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known answers for docs/waste.md, "Wasted retries". Prices from the fixture catalog
 * (src/test/resources/fixture-catalog.yaml) on 2026-11-20:
 * fx-frontier $2.50 in / $10.00 out, fx-small $0.15 / $0.60 per 1M tokens. So a fx-frontier call of
 * 1000 in + 100 out costs 0.0025 + 0.001 = $0.0035.
 */
class RetryAnalysisTest {
  private static final double EPS = 1e-12;
  private static final double FRONTIER_1000_100 = 0.0035;

  @Test
  void twoRateLimitsThenSuccessWithoutHashAreOneGroupWithTwoUnbilledRetries() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("429").took(200)
        .call("fx-frontier", 0, 0).noUsage().error("429").took(300)
        .call("fx-frontier", 1000, 100)
        .table();

    Result result = RetryAnalysis.analyze(t);

    assertThat(result.groups()).hasSize(1);
    RetryGroup g = result.groups().get(0);
    assertThat(g.traceId()).isEqualTo(traceId(1));
    assertThat(g.service()).isEqualTo("svc");
    assertThat(g.model()).isEqualTo("fx-frontier");
    assertThat(g.errorType()).isEqualTo("429");
    assertThat(g.attempts()).isEqualTo(3);
    assertThat(g.wastedAttempts()).isEqualTo(2);
    assertThat(g.unbilledRetries()).isEqualTo(2);
    assertThat(g.unbilledNanos()).isEqualTo(500_000_000L);
    assertThat(g.wastedTokens()).isZero();
    assertThat(g.wastedUsd()).isZero();
    assertThat(g.totalUsd()).isCloseTo(FRONTIER_1000_100, within(EPS));
    assertThat(g.firstTrySucceeded()).isFalse();
    assertThat(g.succeeded()).isTrue();
    assertThat(result.finalAttempt()).containsExactly(false, false, true);
    assertThat(result.findings()).containsExactly(g);
  }

  @Test
  void billedWastedAttemptsCostMoneyAndUnbilledOnesOnlyTime() {
    // 429 without usage (100 ms), a timeout that reported 1000 in + 50 out ($0.0025 + $0.0005),
    // then the success ($0.0035).
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("429").took(100)
        .call("fx-frontier", 1000, 50).error("timeout").took(30_000)
        .call("fx-frontier", 1000, 100)
        .table();

    RetryGroup g = single(RetryAnalysis.analyze(t));

    assertThat(g.attempts()).isEqualTo(3);
    assertThat(g.wastedAttempts()).isEqualTo(2);
    assertThat(g.unbilledRetries()).isEqualTo(1);
    assertThat(g.unbilledNanos()).isEqualTo(100_000_000L);
    assertThat(g.wastedTokens()).isEqualTo(1050);
    assertThat(g.wastedUsd()).isCloseTo(0.003, within(EPS));
    assertThat(g.totalUsd()).isCloseTo(0.0065, within(EPS));
    assertThat(g.errorType()).isEqualTo("429");
    assertThat(g.reason()).contains("3 attempts", "2 wasted", "1 billed", "1 unbilled");
  }

  @Test
  void serverErrorThenSuccessWithTheSameRequestHashIsOneGroupEvenWithACallBetween() {
    // 500 after 1200 in ($0.003), an unrelated fx-frontier call, then the retry: 1200 in + 80 out ($0.0038).
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1200, 0).error("500").hash("h1")
        .call("fx-frontier", 300, 20).hash("other")
        .call("fx-frontier", 1200, 80).hash("h1")
        .table();

    Result result = RetryAnalysis.analyze(t);

    assertThat(result.groups()).hasSize(2);
    RetryGroup g = result.findings().get(0);
    assertThat(result.findings()).hasSize(1);
    assertThat(g.attempts()).isEqualTo(2);
    assertThat(g.wastedAttempts()).isEqualTo(1);
    assertThat(g.wastedTokens()).isEqualTo(1200);
    assertThat(g.wastedUsd()).isCloseTo(0.003, within(EPS));
    assertThat(g.totalUsd()).isCloseTo(0.0068, within(EPS));
    assertThat(g.unbilledRetries()).isZero();
    assertThat(g.errorType()).isEqualTo("500");
    assertThat(result.finalAttempt()).containsExactly(false, true, true);
  }

  @Test
  void groupWhereEveryAttemptFailedWastesEveryAttempt() {
    // Two unbilled 429s, then a 500 that reported 1000 in ($0.0025).
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("429")
        .call("fx-frontier", 0, 0).noUsage().error("429")
        .call("fx-frontier", 1000, 0).error("500")
        .table();

    Result result = RetryAnalysis.analyze(t);

    RetryGroup g = single(result);
    assertThat(g.attempts()).isEqualTo(3);
    assertThat(g.wastedAttempts()).isEqualTo(3);
    assertThat(g.unbilledRetries()).isEqualTo(2);
    assertThat(g.wastedUsd()).isCloseTo(0.0025, within(EPS));
    assertThat(g.succeeded()).isFalse();
    assertThat(g.reason()).contains("no attempt succeeded");
    assertThat(result.finalAttempt()).containsExactly(false, false, true);
  }

  @Test
  void earlierOfTwoHashEqualSuccessesIsWasted() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 100).hash("h2")
        .call("fx-frontier", 1000, 100).hash("h2")
        .table();

    Result result = RetryAnalysis.analyze(t);

    RetryGroup g = single(result);
    assertThat(g.attempts()).isEqualTo(2);
    assertThat(g.wastedAttempts()).isEqualTo(1);
    assertThat(g.wastedTokens()).isEqualTo(1100);
    assertThat(g.wastedUsd()).isCloseTo(FRONTIER_1000_100, within(EPS));
    assertThat(g.firstTrySucceeded()).isTrue();
    assertThat(g.errorType()).isNull();
    assertThat(result.finalAttempt()).containsExactly(false, true);
  }

  @Test
  void siblingsOnDifferentModelsAreNotOneGroup() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("429")
        .call("fx-small", 1000, 100)
        .table();

    Result result = RetryAnalysis.analyze(t);

    assertThat(result.groups()).extracting(RetryGroup::model, RetryGroup::attempts, RetryGroup::wastedAttempts)
        .containsExactlyInAnyOrder(
            tuple("fx-frontier", 1, 1),
            tuple("fx-small", 1, 0));
    assertThat(result.finalAttempt()).containsExactly(true, true);
  }

  @Test
  void siblingsWithDifferentOperationsAreNotOneGroup() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("429")
        .call("fx-frontier", 1000, 100).operation("text_completion")
        .table();

    assertThat(RetryAnalysis.analyze(t).groups()).hasSize(2);
  }

  @Test
  void callsUnderDifferentParentsAreNotOneGroup() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("429").parent(0xB)
        .call("fx-frontier", 1000, 100).parent(0xC)
        .table();

    Result result = RetryAnalysis.analyze(t);

    assertThat(result.groups()).hasSize(2);
    assertThat(result.groups()).allSatisfy(g -> assertThat(g.attempts()).isEqualTo(1));
  }

  @Test
  void callsInDifferentTracesAreNotOneGroup() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 0, 0).noUsage().error("429").hash("h")
        .trace(2).call("fx-frontier", 1000, 100).hash("h")
        .table();

    assertThat(RetryAnalysis.analyze(t).groups()).hasSize(2);
  }

  @Test
  void successfulSiblingsWithoutHashAreSeparateRequests() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 100)
        .call("fx-frontier", 1000, 100)
        .table();

    Result result = RetryAnalysis.analyze(t);

    assertThat(result.groups()).hasSize(2);
    assertThat(result.findings()).isEmpty();
    assertThat(result.wastedUsd()).isZero();
  }

  @Test
  void attemptsAreOrderedByStartNotByArrival() {
    // The success arrives first but started last: the 429 before it is the wasted attempt.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 100).at(Calls.BASE_MILLIS + 5000)
        .call("fx-frontier", 0, 0).noUsage().error("429").at(Calls.BASE_MILLIS)
        .table();

    Result result = RetryAnalysis.analyze(t);

    RetryGroup g = single(result);
    assertThat(g.attempts()).isEqualTo(2);
    assertThat(g.wastedAttempts()).isEqualTo(1);
    assertThat(g.firstTrySucceeded()).isFalse();
    assertThat(result.finalAttempt()).containsExactly(true, false);
  }

  /**
   * The mix, by (service, model, error type):
   * <ul>
   *   <li>trace 1: fx-frontier succeeds first try ($0.0035)
   *   <li>trace 2: fx-frontier 429 (unbilled), then success ($0.0035)
   *   <li>trace 3: fx-frontier success ($0.0035), then a duplicate with the same hash rejected by 429
   *   <li>trace 4: fx-frontier 429, 429 (unbilled), 500 after 1000 in ($0.0025): no success
   *   <li>trace 5: service "other", fx-frontier succeeds ($0.0035)
   *   <li>trace 6: fx-small 429, then 1000 in + 100 out ($0.00015 + $0.00006 = $0.00021)
   * </ul>
   * Rolled up by service and model, (svc, fx-frontier) holds traces 1-4: 4 groups, 8 attempts, 5 wasted
   * (4 unbilled), wasted $0.0025 and 1000 tokens; the first try succeeded in 2 of 4 (p = 1/2); total
   * $0.0035 x 3 + $0.0025 = $0.013 over 3 successes. Rolled up by error type, 429 holds traces 2, 3,
   * 4 and 6: 4 groups, 9 attempts, 6 wasted (5 unbilled), p = 1/4, $0.00971 over 3 successes.
   */
  @Test
  void rollupsByServiceModelAndErrorTypeHaveFirstTrySuccessRateAndEffectiveCostPerSuccess() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 100)
        .trace(2).call("fx-frontier", 0, 0).noUsage().error("429").call("fx-frontier", 1000, 100)
        .trace(3).call("fx-frontier", 1000, 100).hash("h").call("fx-frontier", 0, 0).noUsage().error("429").hash("h")
        .trace(4).call("fx-frontier", 0, 0).noUsage().error("429")
            .call("fx-frontier", 0, 0).noUsage().error("429")
            .call("fx-frontier", 1000, 0).error("500")
        .inService("other").trace(5).call("fx-frontier", 1000, 100)
        .inService("svc").trace(6).call("fx-small", 0, 0).noUsage().error("429").call("fx-small", 1000, 100)
        .table();

    Result result = RetryAnalysis.analyze(t);
    List<Rollup> rollups = result.rollups();

    assertThat(rollups).hasSize(4);
    Rollup frontier = rollup(rollups, "svc", "fx-frontier", "*");
    assertThat(frontier.groups()).isEqualTo(4);
    assertThat(frontier.attempts()).isEqualTo(8);
    assertThat(frontier.wastedAttempts()).isEqualTo(5);
    assertThat(frontier.unbilledRetries()).isEqualTo(4);
    assertThat(frontier.wastedTokens()).isEqualTo(1000);
    assertThat(frontier.wastedUsd()).isCloseTo(0.0025, within(EPS));
    assertThat(frontier.firstTrySuccessRate()).isCloseTo(0.5, within(EPS));
    assertThat(frontier.effectiveCostPerSuccess()).isCloseTo(0.013 / 3, within(EPS));

    Rollup r429 = rollups.get(0); // ties on wasted USD with (svc, fx-frontier); "*" sorts first
    assertThat(r429.service()).isEqualTo("*");
    assertThat(r429.errorType()).isEqualTo("429");
    assertThat(r429.groups()).isEqualTo(4);
    assertThat(r429.attempts()).isEqualTo(9);
    assertThat(r429.wastedAttempts()).isEqualTo(6);
    assertThat(r429.unbilledRetries()).isEqualTo(5);
    assertThat(r429.firstTrySuccessRate()).isCloseTo(0.25, within(EPS));
    assertThat(r429.effectiveCostPerSuccess()).isCloseTo(0.00971 / 3, within(EPS));

    Rollup other = rollup(rollups, "other", "fx-frontier", "*");
    assertThat(other.groups()).isEqualTo(1);
    assertThat(other.firstTrySuccessRate()).isEqualTo(1.0);

    Rollup mini = rollup(rollups, "svc", "fx-small", "*");
    assertThat(mini.groups()).isEqualTo(1);
    assertThat(mini.attempts()).isEqualTo(2);
    assertThat(mini.wastedAttempts()).isEqualTo(1);
    assertThat(mini.wastedUsd()).isZero();
    assertThat(mini.firstTrySuccessRate()).isZero();
    assertThat(mini.effectiveCostPerSuccess()).isCloseTo(0.00021, within(EPS));

    assertThat(result.wastedUsd()).isCloseTo(0.0025, within(EPS));
    // Trace 4 (wasted $0.0025) leads the findings; trace 2, 3 and 6 wasted only unbilled attempts.
    assertThat(result.findings()).extracting(RetryGroup::traceId)
        .containsExactly(traceId(4), traceId(2), traceId(3), traceId(6));
  }

  @Test
  void effectiveCostPerSuccessIsUndefinedWithoutAnySuccess() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("429")
        .call("fx-frontier", 0, 0).noUsage().error("429")
        .table();

    Rollup r = rollup(RetryAnalysis.analyze(t).rollups(), "svc", "fx-frontier", "*");

    assertThat(r.firstTrySuccessRate()).isZero();
    assertThat(r.effectiveCostPerSuccess()).isNaN();
  }

  private static RetryGroup single(Result result) {
    assertThat(result.groups()).hasSize(1);
    return result.groups().get(0);
  }

  private static Rollup rollup(List<Rollup> rollups, String service, String model, String errorType) {
    return rollups.stream()
        .filter(r -> r.service().equals(service) && r.model().equals(model) && r.errorType().equals(errorType))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no rollup " + service + "/" + model + "/" + errorType + " in " + rollups));
  }

  @Test
  void manyGroupsArrivingInAnyOrderAreEachFound() {
    // 40 traces of (429 unbilled, success), rows added newest trace first and success first.
    Calls calls = new Calls();
    for (int trace = 40; trace >= 1; trace--) {
      long start = Calls.BASE_MILLIS + trace * 10_000L;
      calls.trace(trace)
          .call("fx-frontier", 1000, 100).at(start + 1000)
          .call("fx-frontier", 0, 0).noUsage().error("429").at(start);
    }

    Result result = RetryAnalysis.analyze(calls.table());

    assertThat(result.groups()).hasSize(40);
    assertThat(result.groups()).allSatisfy(g -> {
      assertThat(g.attempts()).isEqualTo(2);
      assertThat(g.wastedAttempts()).isEqualTo(1);
      assertThat(g.unbilledRetries()).isEqualTo(1);
    });
    for (int row = 0; row < 80; row++) {
      assertThat(result.finalAttempt()[row]).as("row %d", row).isEqualTo(row % 2 == 0);
    }
    Rollup r = rollup(result.rollups(), "svc", "fx-frontier", "*");
    assertThat(r.firstTrySuccessRate()).isZero();
    assertThat(r.effectiveCostPerSuccess()).isCloseTo(FRONTIER_1000_100, within(EPS));
    assertThat(rollup(result.rollups(), "*", "*", "429").groups()).isEqualTo(40);
  }

  @Test
  void retriesInsideTheClientSdkAreUnbilledWastedAttemptsOfTheCall() {
    // openai-java retried two 429s inside one call span: the agent reports attempt 2.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1000, 100).answeredOnAttempt(2)
        .call("fx-small", 1000, 100)
        .table();

    Result result = RetryAnalysis.analyze(t);

    RetryGroup g = result.findings().get(0);
    assertThat(result.findings()).hasSize(1);
    assertThat(g.model()).isEqualTo("fx-frontier");
    assertThat(g.attempts()).isEqualTo(3);
    assertThat(g.wastedAttempts()).isEqualTo(2);
    assertThat(g.unbilledRetries()).isEqualTo(2);
    assertThat(g.unbilledNanos()).isZero();
    assertThat(g.wastedUsd()).isZero();
    assertThat(g.firstTrySucceeded()).isFalse();
    assertThat(g.succeeded()).isTrue();
    assertThat(g.reason()).isEqualTo("3 attempts of one fx-frontier request inside the client SDK; 2 retried unbilled");
    assertThat(result.finalAttempt()).containsExactly(true, true);
    assertThat(result.rollups()).filteredOn(r -> r.model().equals("fx-frontier")).singleElement()
        .satisfies(r -> assertThat(r.firstTrySuccessRate()).isZero());
  }

  @Test
  void sdkRetriesAddToAnApplicationRetryGroup() {
    // The application retried after a 500 that the SDK had already retried once.
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 0, 0).noUsage().error("500").answeredOnAttempt(1).hash("h")
        .call("fx-frontier", 1000, 100).hash("h")
        .table();

    RetryGroup g = RetryAnalysis.analyze(t).findings().get(0);
    assertThat(g.attempts()).isEqualTo(3);
    assertThat(g.wastedAttempts()).isEqualTo(2);
    assertThat(g.unbilledRetries()).isEqualTo(2);
    assertThat(g.reason()).contains("1 of them retried inside the client SDK");
  }
}
