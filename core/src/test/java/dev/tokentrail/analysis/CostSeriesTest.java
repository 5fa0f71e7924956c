package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.analysis.CostSeries.Point;
import dev.tokentrail.genai.FixtureCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostSeriesTest {
  private static final double EPS = 1e-12;
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
    List<Point> points = CostSeries.of(calls(), HOUR, Text.TEAM);

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
    List<Point> points = CostSeries.of(calls(), HOUR, null);

    assertThat(points).extracting(Point::timeMillis, Point::group, Point::calls)
        .containsExactly(
            tuple(TEN, "total", 3L),
            tuple(ELEVEN, "total", 2L));
    assertThat(points.get(0).costUsd()).isCloseTo(0.6, within(EPS));
    assertThat(points.get(1).costUsd()).isCloseTo(0.9, within(EPS));
  }

  @Test
  void bucketsStartAtMultiplesOfTheStepSinceTheEpochAsPrometheusAligns() {
    // 40-minute buckets since the epoch (UTC midnight is one: 36 a day): [10:00, 10:40) holds 10:05
    // and 10:30, [10:40, 11:20) the rest, whatever window the calls were read for.
    long step = 40 * 60_000L;
    List<Point> points = CostSeries.of(calls(), step, null);

    assertThat(points).extracting(Point::timeMillis, Point::calls)
        .containsExactly(
            tuple(TEN, 2L),
            tuple(TEN + step, 3L));

    // A step that does not divide a day: 7 minutes. Every bucket start is a multiple of it, and
    // each call lies in [start, start + step).
    long seven = 7 * 60_000L;
    List<Point> sevens = CostSeries.of(calls(), seven, null);
    assertThat(sevens).allSatisfy(p -> assertThat(p.timeMillis() % seven).isZero());
    assertThat(sevens).extracting(Point::timeMillis).containsExactly(
        Calls.millis("2026-11-20T10:04:00Z"), Calls.millis("2026-11-20T10:25:00Z"), Calls.millis("2026-11-20T10:53:00Z"),
        Calls.millis("2026-11-20T11:00:00Z"), Calls.millis("2026-11-20T11:14:00Z"));
    assertThat(sevens).extracting(Point::calls).containsExactly(1L, 1L, 1L, 1L, 1L);
  }

  @Test
  void unpricedCallsCountButCostNothing() {
    CallTable t = new Calls().trace(1).call(FixtureCatalog.PROVIDER, "fx-unlisted", 100, 10).at("2026-11-20T10:05:00Z").table();

    Point p = CostSeries.of(t, HOUR, Text.TEAM).get(0);

    assertThat(p.calls()).isEqualTo(1);
    assertThat(p.costUsd()).isZero();
    assertThat(p.inputTokens()).isEqualTo(100);
  }

  @Test
  void stepMustBePositive() {
    assertThatThrownBy(() -> CostSeries.of(calls(), 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step: 0 ms (expected: > 0)");
  }
}
