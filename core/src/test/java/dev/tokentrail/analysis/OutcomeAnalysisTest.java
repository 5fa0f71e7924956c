package dev.tokentrail.analysis;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import static dev.tokentrail.analysis.Calls.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.analysis.OutcomeAnalysis.Row;
import dev.tokentrail.store.TraceOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutcomeAnalysisTest {
  private static final double EPS = 1e-12;

  private static Row row(List<Row> rows, String outcome) {
    return rows.stream().filter(r -> r.outcome().equals(outcome)).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + outcome + " in " + rows));
  }

  @Test
  void costPerOutcomeIsTraceCostOverCountWithTheBenchmarkRatio() {
    CallTable t = new Calls()
        .trace(1).call("fx-frontier", 1000, 100).cost(0.40).call("fx-frontier", 1000, 100).cost(0.20)
        .trace(2).call("fx-frontier", 1000, 100).cost(0.40)
        .trace(3).call("fx-frontier", 1000, 100).cost(2.00)
        .trace(4).call("fx-frontier", 1000, 100).cost(0.30)
        .trace(5).call("fx-frontier", 1000, 100).cost(0.10)
        .table();
    Map<TraceId, TraceOutcome> outcomes = Map.of(
        traceId(1), new TraceOutcome("ticket_resolved", 12.0),
        traceId(2), new TraceOutcome("ticket_resolved", Double.NaN),
        traceId(3), new TraceOutcome("escalated", Double.NaN));

    List<Row> rows = OutcomeAnalysis.analyze(t, outcomes, Map.of("ticket_resolved", 5.0));

    Row resolved = row(rows, "ticket_resolved");
    assertThat(resolved.traces()).isEqualTo(2);
    assertThat(resolved.costUsd()).isCloseTo(1.00, within(EPS));
    assertThat(resolved.costPerOutcomeUsd()).isCloseTo(0.50, within(EPS));
    assertThat(resolved.valueUsd()).isCloseTo(12.0, within(EPS));
    assertThat(resolved.ratioToBenchmark()).isCloseTo(0.10, within(EPS));
    Row escalated = row(rows, "escalated");
    assertThat(escalated.costPerOutcomeUsd()).isCloseTo(2.00, within(EPS));
    assertThat(escalated.ratioToBenchmark()).isNaN();
    Row none = row(rows, OutcomeAnalysis.NONE);
    assertThat(none.traces()).isEqualTo(2);
    assertThat(none.costPerOutcomeUsd()).isCloseTo(0.20, within(EPS));
    assertThat(rows.get(0).outcome()).isEqualTo("escalated"); // most USD first
  }

  @Test
  void anOutcomeTraceWithoutLlmCallsInTheWindowCountsAtZeroCost() {
    CallTable t = new Calls().trace(1).call("fx-frontier", 1000, 100).cost(0.60).table();
    Map<TraceId, TraceOutcome> outcomes = Map.of(
        traceId(1), new TraceOutcome("answered", Double.NaN),
        traceId(9), new TraceOutcome("answered", Double.NaN));

    Row answered = row(OutcomeAnalysis.analyze(t, outcomes, Map.of()), "answered");

    assertThat(answered.traces()).isEqualTo(2);
    assertThat(answered.costPerOutcomeUsd()).isCloseTo(0.30, within(EPS));
  }
}
