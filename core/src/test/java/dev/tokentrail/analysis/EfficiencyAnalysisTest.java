package dev.tokentrail.analysis;

import static dev.tokentrail.analysis.Calls.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.EfficiencyAnalysis.Row;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.store.TraceOutcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Known answers for docs/waste.md, "Team efficiency". */
class EfficiencyAnalysisTest {
  private static final double EPS = 1e-12;

  private static Row row(List<Row> rows, String group, String outcome) {
    return rows.stream().filter(r -> r.group().equals(group) && r.outcome().equals(outcome)).findFirst().orElseThrow();
  }

  @Test
  void eachTeamsCostPerOutcomeIsComparedWithTheBestTeamsForTheSameOutcome() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 10, 1).cost(1.0).team("lean")
        .trace(2).call("fx-frontier", 10, 1).cost(1.0).team("lean")
        .trace(3).call("fx-frontier", 10, 1).cost(2.0).team("heavy")
        .call("fx-frontier", 10, 1).cost(1.0).team("heavy")
        .trace(4).call("fx-frontier", 10, 1).cost(3.0).team("heavy")
        .trace(5).call("fx-frontier", 10, 1).cost(9.0).team("heavy") // no outcome: left out
        .table();
    Map<TraceId, TraceOutcome> outcomes = new HashMap<>();
    for (long n = 1; n <= 4; n++) {
      outcomes.put(traceId(n), new TraceOutcome("resolved", Double.NaN));
    }
    List<Row> rows = EfficiencyAnalysis.analyze(t, outcomes, Text.TEAM, 1);
    assertThat(rows).extracting(Row::group).containsExactly("heavy", "lean");
    Row heavy = row(rows, "heavy", "resolved");
    assertThat(heavy.outcomes()).isEqualTo(2);
    assertThat(heavy.costUsd()).isCloseTo(6.0, within(EPS));
    assertThat(heavy.costPerOutcomeUsd()).isCloseTo(3.0, within(EPS));
    assertThat(heavy.bestGroup()).isEqualTo("lean");
    assertThat(heavy.bestCostPerOutcomeUsd()).isCloseTo(1.0, within(EPS));
    assertThat(heavy.ratioToBest()).isCloseTo(3.0, within(EPS));
    assertThat(heavy.gapUsd()).isCloseTo((3.0 - 1.0) * 2, within(EPS));
    assertThat(heavy.spreadUsd()).isCloseTo(2.0, within(EPS));
    assertThat(row(rows, "lean", "resolved").gapUsd()).isZero();
    assertThat(EfficiencyAnalysis.gapUsd(rows)).isCloseTo(4.0, within(EPS));
  }

  @Test
  void aTraceSharedByTwoTeamsCountsForEachWithItsOwnCalls() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 10, 1).cost(1.0).team("a")
        .call("fx-frontier", 10, 1).cost(4.0).team("b")
        .call("fx-frontier", 10, 1).cost(0.5)
        .table();
    List<Row> rows = EfficiencyAnalysis.analyze(t, Map.of(traceId(1), new TraceOutcome("done", 2.0)), Text.TEAM, 1);
    assertThat(row(rows, "a", "done").costUsd()).isCloseTo(1.0, within(EPS));
    assertThat(row(rows, "b", "done").costUsd()).isCloseTo(4.0, within(EPS));
    assertThat(row(rows, EfficiencyAnalysis.NONE, "done").costUsd()).isCloseTo(0.5, within(EPS));
  }

  @Test
  void outcomeTypesAreNotComparedWithEachOther() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 10, 1).cost(1.0).project("x")
        .trace(2).call("fx-frontier", 10, 1).cost(5.0).project("y")
        .table();
    List<Row> rows = EfficiencyAnalysis.analyze(t,
        Map.of(traceId(1), new TraceOutcome("ticket", Double.NaN), traceId(2), new TraceOutcome("refund", Double.NaN)),
        Text.PROJECT, 1);
    assertThat(rows).allSatisfy(r -> assertThat(r.gapUsd()).isZero());
  }

  @Test
  void groupsWithFewerOutcomesThanTheMinimumAreShownButNotRanked() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 10, 1).cost(0.1).feature("rare")
        .trace(2).call("fx-frontier", 10, 1).cost(2.0).feature("common")
        .trace(3).call("fx-frontier", 10, 1).cost(2.0).feature("common")
        .table();
    Map<TraceId, TraceOutcome> outcomes = Map.of(traceId(1), new TraceOutcome("ok", Double.NaN),
        traceId(2), new TraceOutcome("ok", Double.NaN), traceId(3), new TraceOutcome("ok", Double.NaN));
    List<Row> rows = EfficiencyAnalysis.analyze(t, outcomes, Text.FEATURE, 2);
    assertThat(row(rows, "rare", "ok").ranked()).isFalse();
    assertThat(row(rows, "rare", "ok").gapUsd()).isNaN();
    assertThat(row(rows, "common", "ok").bestGroup()).isEqualTo("common");
    assertThat(row(rows, "common", "ok").gapUsd()).isZero();
  }

  @Test
  void onlyAttributionColumnsCanGroup() {
    assertThatThrownBy(() -> EfficiencyAnalysis.analyze(new Calls().table(), Map.of(), Text.MODEL, 1))
        .hasMessage("by: MODEL (expected: TEAM, PROJECT, FEATURE or COST_CENTER)");
  }
}
