package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import static dev.tokentrail.analysis.Calls.millis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.BudgetAnalysis.Budget;
import dev.tokentrail.analysis.BudgetAnalysis.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Budgets at now = 2026-11-20T12:00Z: the month runs 2026-11-01T00:00Z to 2026-12-01T00:00Z, so
 * 10.5 days remain; the burn window is 2026-11-13T12:00Z to now.
 */
class BudgetAnalysisTest {
  private static final double EPS = 1e-9;
  private static final long NOW = millis("2026-11-20T12:00:00Z");
  private static final long DAY = 86_400_000L;

  /**
   * Team "search" spends $20 on Nov 2 and Nov 10 (before the burn window) and $7 on Nov 14 and Nov
   * 18: MTD $54, burn $14 / 7 = $2/day, forecast $54 + $2 x 10.5 = $75. Ignored: October, a call
   * after now, another team.
   */
  private static CallTable searchSpend() {
    return new Calls().trace(1)
        .call("fx-frontier", 1, 1).at("2026-10-31T23:59:59Z").team("search").cost(500)
        .call("fx-frontier", 1, 1).at("2026-11-02T09:00:00Z").team("search").cost(20)
        .call("fx-frontier", 1, 1).at("2026-11-10T09:00:00Z").team("search").cost(20)
        .call("fx-frontier", 1, 1).at("2026-11-14T09:00:00Z").team("search").cost(7)
        .call("fx-frontier", 1, 1).at("2026-11-18T09:00:00Z").team("search").cost(7)
        .call("fx-frontier", 1, 1).at("2026-11-20T13:00:00Z").team("search").cost(300)
        .call("fx-frontier", 1, 1).at("2026-11-15T09:00:00Z").team("ads").cost(1000)
        .table();
  }

  private static Status single(List<Status> statuses) {
    assertThat(statuses).hasSize(1);
    return statuses.get(0);
  }

  @Test
  void forecastWithinBudgetProjectsNoOverrun() {
    Status s = single(BudgetAnalysis.analyze(searchSpend(), List.of(new Budget("team", "search", 100)), NOW));

    assertThat(s.spendMonthToDateUsd()).isCloseTo(54, within(EPS));
    assertThat(s.burnRateUsdPerDay()).isCloseTo(2, within(EPS));
    assertThat(s.forecastMonthEndUsd()).isCloseTo(75, within(EPS));
    assertThat(s.forecastRatio()).isCloseTo(0.75, within(EPS));
    assertThat(s.overrunMillis()).isEqualTo(-1);
    assertThat(s.monthStartMillis()).isEqualTo(millis("2026-11-01T00:00:00Z"));
    assertThat(s.monthEndMillis()).isEqualTo(millis("2026-12-01T00:00:00Z"));
    assertThat(s.burnWindowStartMillis()).isEqualTo(millis("2026-11-13T12:00:00Z"));
    assertThat(s.burnWindowEndMillis()).isEqualTo(NOW);
    assertThat(s.explanation()).doesNotContain("over budget");
  }

  @Test
  void forecastAboveBudgetProjectsTheOverrunDate() {
    // ($60 - $54) / $2 per day = 3 days after now.
    Status s = single(BudgetAnalysis.analyze(searchSpend(), List.of(new Budget("team", "search", 60)), NOW));

    assertThat(s.forecastMonthEndUsd()).isCloseTo(75, within(EPS));
    assertThat(s.overrunMillis()).isEqualTo(NOW + 3 * DAY);
    assertThat(s.overrunMillis()).isEqualTo(millis("2026-11-23T12:00:00Z"));
    assertThat(s.explanation()).contains("projected over budget on 2026-11-23");
  }

  @Test
  void alreadyOverBudgetReportsTheCallThatCrossedIt() {
    // Cumulative $20, $40, $47, $54: the Nov 18 call crosses $50.
    Status s = single(BudgetAnalysis.analyze(searchSpend(), List.of(new Budget("team", "search", 50)), NOW));

    assertThat(s.overrunMillis()).isEqualTo(millis("2026-11-18T09:00:00Z"));
    assertThat(s.explanation()).contains("over budget since 2026-11-18");
  }

  @Test
  void burnWindowReachesIntoThePreviousMonth() {
    // now = Nov 3 12:00: window from Oct 27 12:00. $7 on Oct 30 (burn only) and $7 on Nov 2:
    // MTD $7, rate $2/day, 27.5 days left: forecast $62; a $50 budget is reached after
    // ($50 - $7) / 2 = 21.5 days, on Nov 25 00:00.
    long now = millis("2026-11-03T12:00:00Z");
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1, 1).at("2026-10-30T09:00:00Z").team("search").cost(7)
        .call("fx-frontier", 1, 1).at("2026-11-02T09:00:00Z").team("search").cost(7)
        .table();

    Status s = single(BudgetAnalysis.analyze(t, List.of(new Budget("team", "search", 50)), now));

    assertThat(BudgetAnalysis.windowStartMillis(now)).isEqualTo(millis("2026-10-27T12:00:00Z"));
    assertThat(s.spendMonthToDateUsd()).isCloseTo(7, within(EPS));
    assertThat(s.burnRateUsdPerDay()).isCloseTo(2, within(EPS));
    assertThat(s.forecastMonthEndUsd()).isCloseTo(62, within(EPS));
    assertThat(s.overrunMillis()).isEqualTo(millis("2026-11-25T00:00:00Z"));
  }

  @Test
  void windowStartIsTheMonthStartWhenTheBurnWindowFitsInTheMonth() {
    assertThat(BudgetAnalysis.windowStartMillis(NOW)).isEqualTo(millis("2026-11-01T00:00:00Z"));
  }

  @Test
  void projectBudgetsCountTheProjectsCallsAndTheMostStretchedComesFirst() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 1, 1).at("2026-11-19T09:00:00Z").project("chatbot").team("search").cost(14)
        .table();

    List<Status> statuses = BudgetAnalysis.analyze(t,
        List.of(new Budget("team", "search", 1000), new Budget("project", "chatbot", 10)), NOW);

    // Both spent $14 at $2/day: forecast $35, 3.5 x the $10 budget and 0.035 x the $1000 one.
    assertThat(statuses).extracting(Status::name).containsExactly("chatbot", "search");
    assertThat(statuses.get(0).scope()).isEqualTo("project");
    assertThat(statuses.get(0).forecastRatio()).isCloseTo(3.5, within(EPS));
    assertThat(statuses.get(0).overrunMillis()).isEqualTo(millis("2026-11-19T09:00:00Z"));
    assertThat(statuses.get(1).forecastRatio()).isCloseTo(0.035, within(EPS));
  }

  @Test
  void budgetWithoutSpendForecastsZero() {
    Status s = single(BudgetAnalysis.analyze(new CallTable(), List.of(new Budget("team", "search", 100)), NOW));

    assertThat(s.spendMonthToDateUsd()).isZero();
    assertThat(s.burnRateUsdPerDay()).isZero();
    assertThat(s.forecastMonthEndUsd()).isZero();
    assertThat(s.overrunMillis()).isEqualTo(-1);
  }

  @Test
  void invalidBudgetsAreRejectedWithTheReason() {
    assertThatThrownBy(() -> new Budget("org", "search", 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("budget scope: org (expected: team or project)");
    assertThatThrownBy(() -> new Budget("team", " ", 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("budget name: missing");
    assertThatThrownBy(() -> new Budget("team", null, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("budget name: missing");
    assertThatThrownBy(() -> new Budget("team", "search", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("budget team/search: monthly_usd 0.0 (expected: > 0)");
    assertThatThrownBy(() -> new Budget("project", "chatbot", Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("budget project/chatbot: monthly_usd NaN (expected: > 0)");
  }
}
