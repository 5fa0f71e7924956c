package dev.tokentrail.store.opensearch;

import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * What a trace's rollup needs of one span: read from doc values when rollups are maintained, or
 * from a loaded span. {@link #summarize} applies {@link TraceSummary}'s rules to a trace's rows, so
 * both ways give the same rollup. {@code cost} is NaN for an unpriced call, token counts -1 when not
 * reported, the strings null when absent.
 */
record RollupRow(
    String spanId, long start, long end, boolean error, boolean root, String service, String name, boolean call,
    double cost, long input, long output, String model, String team, String project) {

  /** Start time, then span id. */
  static final Comparator<RollupRow> BY_START =
      Comparator.comparingLong(RollupRow::start).thenComparing(RollupRow::spanId);

  /** The rollup of a trace's rows (each span once, in any order); {@code rows} is not empty. */
  static TraceSummary summarize(String traceId, List<RollupRow> rows) {
    List<RollupRow> ordered = new ArrayList<>(rows);
    ordered.sort(BY_START);
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    int errors = 0;
    int calls = 0;
    double cost = 0;
    long input = 0;
    long output = 0;
    TreeSet<String> models = new TreeSet<>();
    RollupRow root = null;
    String team = null;
    String project = null;
    for (RollupRow row : ordered) {
      start = Math.min(start, row.start());
      end = Math.max(end, row.end());
      if (row.error()) {
        errors++;
      }
      if (root == null && row.root()) {
        root = row; // rows are in start order: the first root is the earliest (then smallest id)
      }
      if (!row.call()) {
        continue;
      }
      calls++;
      if (Double.isFinite(row.cost())) {
        cost += row.cost();
      }
      input = Saturating.add(input, Math.max(0, row.input()));
      output = Saturating.add(output, Math.max(0, row.output()));
      if (row.model() != null) {
        models.add(row.model());
      }
      if (team == null) {
        team = row.team();
      }
      if (project == null) {
        project = row.project();
      }
    }
    RollupRow named = root != null ? root : ordered.get(0);
    return new TraceSummary(TraceId.fromHex(traceId), named.service(), named.name(), start, Math.max(0, end - start), ordered.size(),
        calls, errors, cost, input, output, List.copyOf(models), team, project);
  }
}
