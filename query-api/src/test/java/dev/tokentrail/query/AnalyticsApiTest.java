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
}
