package dev.tokentrail.analysis;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.pricing.CatalogModel;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.Tier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Overkill model use (docs/waste.md). A task class is (service, {@code tokentrail.task} or else
 * the span name, operation). Calls of a class on a frontier model are flagged when the class is
 * simple (median output and input under the thresholds, no tool calls) or when a cheaper model
 * serves the same class in the window with a success rate at least as high.
 */
public final class OverkillAnalysis {
  /** Frontier-model calls of one task class that a cheaper model could do. */
  public record Finding(
      String service,
      String task,
      String operation,
      String model,
      String provider,
      int calls,
      double successRate,
      long medianInput,
      long medianOutput,
      boolean simple,
      boolean usesTools,
      String recommendedModel,
      String recommendationSource,
      double costUsd,
      double recommendedCostUsd,
      double savingsUsd,
      List<TraceId> exampleTraceIds,
      String reason) {}

  public record Result(List<Finding> findings) {
    public double savingsUsd() {
      return findings.stream().mapToDouble(Finding::savingsUsd).sum();
    }
  }

  private OverkillAnalysis() {}

  public static Result analyze(CallTable t, PriceCatalog catalog, WasteThresholds thresholds) {
    CallPrices prices = new CallPrices(t, catalog);
    RowGroups classes = RowGroups.unordered(t, row -> true,
        row -> t.textId(row, Text.SERVICE),
        row -> t.textId(row, Text.TASK) >= 0 ? t.textId(row, Text.TASK) : t.textId(row, Text.SPAN_NAME),
        row -> t.textId(row, Text.OPERATION));
    List<Finding> findings = new ArrayList<>();
    for (int g = 0; g < classes.groups(); g++) {
      int first = classes.rows[classes.starts[g]];
      int task = t.textId(first, Text.TASK) >= 0 ? t.textId(first, Text.TASK) : t.textId(first, Text.SPAN_NAME);
      TaskClass key = new TaskClass(t.textId(first, Text.SERVICE), task, t.textId(first, Text.OPERATION));
      List<Integer> rows = new ArrayList<>(classes.starts[g + 1] - classes.starts[g]);
      for (int k = classes.starts[g]; k < classes.starts[g + 1]; k++) {
        rows.add(classes.rows[k]);
      }
      analyzeClass(t, key, rows, prices, thresholds, findings);
    }
    findings.sort(Comparator.comparingDouble(Finding::savingsUsd).reversed().thenComparing(Finding::model));
    return new Result(findings);
  }

  /** (service, task or span name, operation) as dictionary ids. */
  private record TaskClass(int service, int task, int operation) {}

  private record ModelStats(String model, String provider, CatalogModel entry, List<Integer> rows, double successRate) {}

  private static void analyzeClass(
      CallTable t, TaskClass key, List<Integer> rows, CallPrices prices, WasteThresholds thresholds, List<Finding> out) {
    long medianInput = median(t, rows, true);
    long medianOutput = median(t, rows, false);
    boolean tools = false;
    Map<String, List<Integer>> byModel = new LinkedHashMap<>();
    for (int row : rows) {
      tools |= t.tools(row);
      String model = t.text(row, Text.MODEL);
      if (model != null) {
        byModel.computeIfAbsent(model, m -> new ArrayList<>()).add(row);
      }
    }
    boolean simple = medianOutput >= 0 && medianInput >= 0
        && medianOutput <= thresholds.overkillMaxMedianOutput()
        && medianInput <= thresholds.overkillMaxMedianInput()
        && !tools;
    List<ModelStats> models = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> m : byModel.entrySet()) {
      List<Integer> modelRows = m.getValue();
      int ok = 0;
      for (int row : modelRows) {
        ok += t.isError(row) ? 0 : 1;
      }
      int first = modelRows.get(0);
      models.add(new ModelStats(m.getKey(), t.text(first, Text.PROVIDER), prices.model(first), modelRows,
          (double) ok / modelRows.size()));
    }
    for (ModelStats frontier : models) {
      if (frontier.entry() == null || frontier.entry().tier() != Tier.FRONTIER) {
        continue;
      }
      ModelStats cheaper = null;
      for (ModelStats other : models) {
        if (other == frontier || other.entry() == null) {
          continue;
        }
        if (CallPrices.blended(other.entry()) < CallPrices.blended(frontier.entry())
            && other.successRate() >= frontier.successRate()
            && (cheaper == null || CallPrices.blended(other.entry()) < CallPrices.blended(cheaper.entry()))) {
          cheaper = other;
        }
      }
      if (!simple && cheaper == null) {
        continue;
      }
      CatalogModel recommended;
      String source;
      if (cheaper != null) {
        recommended = cheaper.entry();
        source = "observed";
      } else {
        recommended = prices.catalog().cheapestOneTierDown(frontier.entry().provider(), Tier.FRONTIER);
        source = "catalog";
      }
      if (recommended == null) {
        continue;
      }
      double cost = 0;
      double alternative = 0;
      Set<TraceId> traces = new LinkedHashSet<>();
      for (int row : frontier.rows()) {
        if (!t.hasUsage(row)) {
          continue;
        }
        cost += t.costOrZero(row);
        alternative += prices.costOn(row, recommended);
        if (traces.size() < 5) {
          traces.add(t.traceId(row));
        }
      }
      double savings = cost - alternative;
      if (savings <= 0) {
        continue;
      }
      String service = t.string(key.service());
      String task = t.string(key.task());
      String operation = t.string(key.operation());
      String why = simple
          ? String.format(Locale.ROOT, "the task is simple (median output %d <= %d tokens, median input %d <= %d, no tool calls)",
              medianOutput, thresholds.overkillMaxMedianOutput(), medianInput, thresholds.overkillMaxMedianInput())
          : "";
      if (cheaper != null) {
        why += (why.isEmpty() ? "" : " and ") + String.format(Locale.ROOT,
            "%s serves the same task with a success rate of %.0f%% (>= %.0f%% on %s)",
            cheaper.model(), cheaper.successRate() * 100, frontier.successRate() * 100, frontier.model());
      }
      String reason = String.format(Locale.ROOT, "%d calls of '%s' (%s) ran on frontier model %s although %s; on %s (%s) they would cost $%.6f instead of $%.6f",
          frontier.rows().size(), task, service, frontier.model(), why, recommended.id(),
          source.equals("observed") ? "observed in the same task" : "cheapest " + recommended.tier().id() + " model of " + recommended.provider(),
          alternative, cost);
      out.add(new Finding(service, task, operation, frontier.model(), frontier.provider(), frontier.rows().size(),
          frontier.successRate(), medianInput, medianOutput, simple, tools, recommended.id(), source, cost,
          alternative, savings, List.copyOf(traces), reason));
    }
  }

  private static long median(CallTable t, List<Integer> rows, boolean input) {
    long[] values = new long[rows.size()];
    int n = 0;
    for (int row : rows) {
      long v = input ? t.input(row) : t.output(row);
      if (v >= 0) {
        values[n++] = v;
      }
    }
    if (n == 0) {
      return -1;
    }
    Arrays.sort(values, 0, n);
    return (n & 1) == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
}
