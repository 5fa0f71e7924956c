package dev.tokentrail.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.CallTable.Text;
import dev.tokentrail.analysis.CostSeries.Point;
import dev.tokentrail.genai.FixtureCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostSeriesTest {
  private static final double EPS = 1e-12;
  private static final long FROM = Calls.millis("2026-11-20T00:00:00Z");
  private static final long HOUR = 3_600_000L;
  private static final long TEN = Calls.millis("2026-11-20T10:00:00Z");
  private static final long ELEVEN = Calls.millis("2026-11-20T11:00:00Z");

  private static CallTable calls() {
    return new Calls().trace(1)
        .call("fx-frontier", 100, 10).at("2026-11-20T10:05:00Z").team("a").cost(0.1)
        .call("fx-frontier", 200, 20).at("2026-11-20T10:30:00Z").team("b").cost(0.2)
        .call("fx-frontier", 300, 30).at("2026-11-20T10:59:59.999Z").team("a").cost(0.3)
        .call("fx-frontier", 400, -1).at("2026-11-20T11:00:00Z").cost(0.4)
        .call("fx-frontier", 500, 50).at("2026-11-20T11:15:00Z").team("a").cost(0.5)
        .table();
  }

  @Test
  void bucketsByStepAndGroupsByTeamWithCallsWithoutTeamUnderNone() {
    List<Point> points = CostSeries.of(calls(), FROM, HOUR, Text.TEAM);

    assertThat(points).extracting(Point::timeMillis, Point::group, Point::calls, Point::inputTokens, Point::outputTokens)
        .containsExactly(
            tuple(TEN, "a", 2L, 400L, 40L),
            tuple(TEN, "b", 1L, 200L, 20L),
            tuple(ELEVEN, "a", 1L, 500L, 50L),
            tuple(ELEVEN, "(none)", 1L, 400L, 0L));
    assertThat(points.get(0).costUsd()).isCloseTo(0.4, within(EPS));
    assertThat(points.get(1).costUsd()).isCloseTo(0.2, within(EPS));
    assertThat(points.get(2).costUsd()).isCloseTo(0.5, within(EPS));
    assertThat(points.get(3).costUsd()).isCloseTo(0.4, within(EPS));
  }

  @Test
  void withoutGroupingThereIsOneTotalSeries() {
    List<Point> points = CostSeries.of(calls(), FROM, HOUR, null);

    assertThat(points).extracting(Point::timeMillis, Point::group, Point::calls)
        .containsExactly(
            tuple(TEN, "total", 3L),
            tuple(ELEVEN, "total", 2L));
    assertThat(points.get(0).costUsd()).isCloseTo(0.6, within(EPS));
    assertThat(points.get(1).costUsd()).isCloseTo(0.9, within(EPS));
  }

  @Test
  void bucketsAreAlignedToTheWindowStart() {
    // 40-minute buckets from 00:00: [10:00, 10:40) holds 10:05 and 10:30; [10:40, 11:20) the rest.
    List<Point> points = CostSeries.of(calls(), FROM, 40 * 60_000L, null);

    assertThat(points).extracting(Point::timeMillis, Point::calls)
        .containsExactly(
            tuple(TEN, 2L),
            tuple(TEN + 40 * 60_000L, 3L));
  }

  @Test
  void unpricedCallsCountButCostNothing() {
    CallTable t = new Calls().trace(1).call(FixtureCatalog.PROVIDER, "fx-unlisted", 100, 10).at("2026-11-20T10:05:00Z").table();

    Point p = CostSeries.of(t, FROM, HOUR, Text.TEAM).get(0);

    assertThat(p.calls()).isEqualTo(1);
    assertThat(p.costUsd()).isZero();
    assertThat(p.inputTokens()).isEqualTo(100);
  }

  @Test
  void stepMustBePositive() {
    assertThatThrownBy(() -> CostSeries.of(calls(), FROM, 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step: 0 ms (expected: > 0)");
  }
}
