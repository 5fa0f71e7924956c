package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnalyticsApiTest {
  @Test
  void grafanaAllValuesMeanNoFilter() {
    assertThat(AnalyticsApi.filterValue(".*")).isNull();
    assertThat(AnalyticsApi.filterValue("$__all")).isNull();
    assertThat(AnalyticsApi.filterValue("All")).isNull();
    assertThat(AnalyticsApi.filterValue(" ")).isNull();
    assertThat(AnalyticsApi.filterValue(null)).isNull();
  }

  @Test
  void aConcreteValueFiltersAsGiven() {
    assertThat(AnalyticsApi.filterValue("customer-care")).isEqualTo("customer-care");
    assertThat(AnalyticsApi.filterValue(".*-care")).isEqualTo(".*-care");
  }

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

  @Test
  void stepsTakeGrafanasIntervalUnits() {
    assertThat(AnalyticsApi.StepDuration.parse("30s").millis()).isEqualTo(30_000L);
    assertThat(AnalyticsApi.StepDuration.parse("5m").millis()).isEqualTo(300_000L);
    assertThat(AnalyticsApi.StepDuration.parse("1d").millis()).isEqualTo(86_400_000L);
    assertThat(AnalyticsApi.StepDuration.parse("2w").millis()).isEqualTo(14 * 86_400_000L);
    assertThat(AnalyticsApi.StepDuration.parse("1y").millis()).isEqualTo(365 * 86_400_000L);
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> AnalyticsApi.StepDuration.parse("5"));
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> AnalyticsApi.StepDuration.parse("5x"));
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> AnalyticsApi.StepDuration.parse("500ms"));
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException().as("overflow")
        .isThrownBy(() -> AnalyticsApi.StepDuration.parse("99999999999y"));
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException().as("too many digits")
        .isThrownBy(() -> AnalyticsApi.StepDuration.parse("99999999999999999999s"));
  }
}
