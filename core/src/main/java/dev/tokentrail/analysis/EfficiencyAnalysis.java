package dev.tokentrail.analysis;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.store.TraceOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Team efficiency (docs/waste.md): cost per outcome per team (or project, feature) for the same
 * outcome type. A group's outcomes are the traces with that outcome in which the group made at
 * least one call; its cost is the cost of its own calls in those traces. For each outcome the most
 * efficient group (lowest cost per outcome among groups with at least {@code minOutcomes}) sets
 * the benchmark; a group's gap = (its cost per outcome − the best) × its outcomes, what it would
 * have saved at the best group's cost per outcome. Calls without the attribute form the group
 * {@code (none)}; traces without an outcome are left out.
 */
public final class EfficiencyAnalysis {
  public static final String NONE = "(none)";

  /** One group's numbers for one outcome type. */
  public record Row(
      String group,
      String outcome,
      int outcomes,
      double costUsd,
      double costPerOutcomeUsd,
      String bestGroup,
      double bestCostPerOutcomeUsd,
      double ratioToBest,
      double gapUsd,
      double spreadUsd,
      boolean ranked) {}

  private EfficiencyAnalysis() {}

  /**
   * @param by the attribution column: {@link Text#TEAM}, {@link Text#PROJECT} or {@link Text#FEATURE}
   * @param minOutcomes outcomes a group needs to be ranked (set the benchmark, count a gap)
   */
  public static List<Row> analyze(CallTable t, Map<TraceId, TraceOutcome> outcomes, Text by, int minOutcomes) {
    if (by != Text.TEAM && by != Text.PROJECT && by != Text.FEATURE && by != Text.COST_CENTER) {
      throw new IllegalArgumentException("by: " + by + " (expected: TEAM, PROJECT, FEATURE or COST_CENTER)");
    }
    if (minOutcomes < 1) {
      throw new IllegalArgumentException("minOutcomes: " + minOutcomes + " (expected: >= 1)");
    }
    if (outcomes.isEmpty()) {
      return List.of();
    }
    // One group per (trace, attribute value): its cost, then one outcome of that value.
    RowGroups traceGroups = RowGroups.unordered(t, row -> true,
        t::traceHi, t::traceLo, row -> t.textId(row, by));
    Map<String, Map<String, double[]>> byOutcome = new HashMap<>();
    for (int g = 0; g < traceGroups.groups(); g++) {
      int first = traceGroups.rows[traceGroups.starts[g]];
      TraceOutcome outcome = outcomes.get(t.traceId(first));
      if (outcome == null) {
        continue;
      }
      double cost = 0;
      for (int k = traceGroups.starts[g]; k < traceGroups.starts[g + 1]; k++) {
        cost += t.costOrZero(traceGroups.rows[k]);
      }
      String group = t.text(first, by);
      double[] acc = byOutcome.computeIfAbsent(outcome.outcome(), k -> new HashMap<>())
          .computeIfAbsent(group == null ? NONE : group, k -> new double[2]);
      acc[0]++;
      acc[1] += cost;
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, Map<String, double[]>> o : byOutcome.entrySet()) {
      String bestGroup = null;
      double best = Double.NaN;
      double worst = Double.NaN;
      for (Map.Entry<String, double[]> e : o.getValue().entrySet()) {
        double[] acc = e.getValue();
        if (acc[0] < minOutcomes) {
          continue;
        }
        double perOutcome = acc[1] / acc[0];
        if (bestGroup == null || perOutcome < best || (perOutcome == best && e.getKey().compareTo(bestGroup) < 0)) {
          best = perOutcome;
          bestGroup = e.getKey();
        }
        worst = Double.isNaN(worst) ? perOutcome : Math.max(worst, perOutcome);
      }
      double spread = bestGroup == null ? Double.NaN : worst - best;
      for (Map.Entry<String, double[]> e : o.getValue().entrySet()) {
        double[] acc = e.getValue();
        double perOutcome = acc[1] / acc[0];
        boolean ranked = acc[0] >= minOutcomes;
        double gap = ranked ? Math.max(0, perOutcome - best) * acc[0] : Double.NaN;
        rows.add(new Row(e.getKey(), o.getKey(), (int) acc[0], acc[1], perOutcome, bestGroup, best,
            best > 0 ? perOutcome / best : Double.NaN, gap, spread, ranked));
      }
    }
    rows.sort(Comparator.comparing(Row::outcome)
        .thenComparing(Comparator.comparingDouble((Row r) -> Double.isNaN(r.gapUsd()) ? -1 : r.gapUsd()).reversed())
        .thenComparing(Row::group));
    return rows;
  }

  /** Σ gap over ranked rows: what the window would have cost less at each outcome's best group. */
  public static double gapUsd(List<Row> rows) {
    double total = 0;
    for (Row r : rows) {
      if (r.ranked()) {
        total += r.gapUsd();
      }
    }
    return total;
  }
}
