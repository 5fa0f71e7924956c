package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import static dev.tokentrail.analysis.Calls.millis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.BudgetAnalysis.Budget;
import dev.tokentrail.analysis.BudgetAnalysis.Status;
import dev.tokentrail.store.CallTable.Text;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Spans stored before ingest bounded counts and amounts can still hold 2^63-1 tokens or an
 * infinite cost: the analysis reads them as unknown, so no sum wraps or becomes infinite.
 */
class ImplausibleStoredValuesTest {
  private static final long NOW = millis("2026-11-20T12:00:00Z");

  private static CallTable table() {
    CallTable t = new Calls().trace(1)
        .call("fx-frontier", 100, 10).at("2026-11-18T09:00:00Z").team("search").cost(7)
        .call("fx-frontier", 100, 10).at("2026-11-18T10:00:00Z").team("search").cost(1)
        .call("fx-frontier", 100, 10).at("2026-11-18T11:00:00Z").team("search").cost(1)
        .table();
    t.setTokens(1, Long.MAX_VALUE, Long.MAX_VALUE, -5, 0, 0);
    t.setCost(1, Double.POSITIVE_INFINITY);
    t.setTokens(2, 3_000_000_000_000L, 10, 0, 0, 0);
    t.setCost(2, -3);
    return t;
  }

  @Test
  void implausibleStoredCountsAndCostsAreReadAsUnknown() {
    CallTable t = table();

    assertThat(t.input(1)).isEqualTo(-1);
    assertThat(t.output(1)).isEqualTo(-1);
    assertThat(t.cacheRead(1)).isEqualTo(-1);
    assertThat(t.input(2)).isEqualTo(-1);
    assertThat(t.cost(1)).isNaN();
    assertThat(t.cost(2)).isNaN();
  }

  @Test
  void budgetsAndForecastsStayFinite() {
    Status s = BudgetAnalysis.analyze(table(), List.of(new Budget("team", "search", 100)), NOW).get(0);

    assertThat(s.spendMonthToDateUsd()).isCloseTo(7, within(1e-9));
    assertThat(s.forecastMonthEndUsd()).isFinite();
    assertThat(s.forecastRatio()).isFinite().isLessThan(1);
  }

  @Test
  void costSeriesTotalsStayFiniteAndNonNegative() {
    List<CostSeries.Point> points = CostSeries.of(table(), 86_400_000L, Text.TEAM);

    assertThat(points).hasSize(1);
    assertThat(points.get(0).costUsd()).isCloseTo(7, within(1e-9));
    assertThat(points.get(0).inputTokens()).isEqualTo(100);
    assertThat(points.get(0).outputTokens()).isEqualTo(20);
  }
}
