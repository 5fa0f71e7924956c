package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnalyticsApiTest {
  @Test
  void budgetsFollowTheTeamFilterOnTeamBudgetsAndTheProjectFilterOnProjectBudgets() {
    // No filter: every budget.
    assertThat(AnalyticsApi.budgetSelected("team", "support", null, null)).isTrue();
    assertThat(AnalyticsApi.budgetSelected("project", "checkout-assistant", null, null)).isTrue();
    // A team selects that team's budget among team budgets and leaves project budgets to $project.
    assertThat(AnalyticsApi.budgetSelected("team", "support", "support", null)).isTrue();
    assertThat(AnalyticsApi.budgetSelected("team", "research", "support", null)).isFalse();
    assertThat(AnalyticsApi.budgetSelected("project", "checkout-assistant", "support", null)).isTrue();
    assertThat(AnalyticsApi.budgetSelected("project", "checkout-assistant", null, "checkout-assistant")).isTrue();
    assertThat(AnalyticsApi.budgetSelected("project", "search", null, "checkout-assistant")).isFalse();
    assertThat(AnalyticsApi.budgetSelected("team", "research", null, "checkout-assistant")).isTrue();
  }
}
