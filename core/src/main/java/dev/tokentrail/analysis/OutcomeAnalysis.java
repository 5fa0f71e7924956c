package dev.tokentrail.analysis;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.TraceOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost per outcome (docs/waste.md). A trace's outcome is the {@code tokentrail.outcome} on any
 * of its spans; cost per outcome = sum of trace cost with that outcome / count. Traces without an
 * outcome are reported as {@code (none)}. With a benchmark cost per outcome the ratio is reported.
 */
public final class OutcomeAnalysis {
  public static final String NONE = "(none)";

  /** One outcome's numbers. */
  public record Row(
      String outcome, int traces, double costUsd, double costPerOutcomeUsd, double valueUsd,
      double benchmarkUsd, double ratioToBenchmark) {}

  private OutcomeAnalysis() {}

  /**
   * @param outcomes outcome per trace id from the store
   * @param benchmarks configured benchmark cost per outcome (what a human or outsourced
   *     completion costs), by outcome name
   */
  public static List<Row> analyze(CallTable t, Map<TraceId, TraceOutcome> outcomes, Map<String, Double> benchmarks) {
    // Cost per trace: rows grouped by trace id in linear time.
    RowGroups traces = RowGroups.unordered(t, row -> true,
        t::traceHi, t::traceLo, row -> 0);
    Map<TraceId, double[]> traceCost = new HashMap<>(Math.max(16, traces.groups() * 2));
    for (int g = 0; g < traces.groups(); g++) {
      double cost = 0;
      for (int k = traces.starts[g]; k < traces.starts[g + 1]; k++) {
        cost += t.costOrZero(traces.rows[k]);
      }
      int first = traces.rows[traces.starts[g]];
      traceCost.put(t.traceId(first), new double[] {cost});
    }
    // Traces with an outcome but no LLM call in the window cost nothing and still count.
    for (TraceId traceId : outcomes.keySet()) {
      traceCost.computeIfAbsent(traceId, k -> new double[1]);
    }
    Map<String, double[]> byOutcome = new HashMap<>();
    for (Map.Entry<TraceId, double[]> e : traceCost.entrySet()) {
      TraceOutcome outcome = outcomes.isEmpty() ? null : outcomes.get(e.getKey());
      String name = outcome == null ? NONE : outcome.outcome();
      double[] acc = byOutcome.computeIfAbsent(name, k -> new double[3]);
      acc[0]++;
      acc[1] += e.getValue()[0];
      if (outcome != null && !Double.isNaN(outcome.valueUsd())) {
        acc[2] += outcome.valueUsd();
      }
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, double[]> e : byOutcome.entrySet()) {
      double[] acc = e.getValue();
      double perOutcome = acc[1] / acc[0];
      double benchmark = benchmarks.getOrDefault(e.getKey(), Double.NaN);
      rows.add(new Row(e.getKey(), (int) acc[0], acc[1], perOutcome, acc[2], benchmark,
          Double.isNaN(benchmark) || benchmark == 0 ? Double.NaN : perOutcome / benchmark));
    }
    rows.sort(Comparator.comparingDouble(Row::costUsd).reversed().thenComparing(Row::outcome));
    return rows;
  }
}
