package dev.tokentrail.store.eval;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.ExactSum;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a trace's rollup needs of one span, however a store reads it (an ingested span, stored
 * fields, doc values); {@link #summarize} applies {@link TraceSummary}'s rules to a trace's rows,
 * so every store that computes rollups this way gives the same one. {@code cost} is NaN for an
 * unpriced call, token counts are -1 when not reported, the strings null when absent.
 */
public record RollupRow(
    SpanId spanId, long start, long end, boolean error, boolean root, String service, String name, boolean call,
    double cost, long input, long output, String model, String team, String project) {

  /** Start time, then span id. */
  private static final Comparator<RollupRow> BY_START =
      Comparator.comparingLong(RollupRow::start).thenComparing(RollupRow::spanId);

  /** The row of a span as ingest gave it (its call, never re-derived from attributes). */
  public static RollupRow of(IngestedSpan ingested) {
    Span span = ingested.span();
    LlmCall call = ingested.call();
    boolean priced = call != null && call.cost() != null && call.cost().isPriced()
        && Double.isFinite(call.cost().totalUsd());
    return new RollupRow(span.spanId(), span.startEpochNanos(), span.endEpochNanos(),
        span.statusCode() == StatusCode.ERROR, span.isRoot(), span.resource().serviceName(), span.name(),
        call != null, priced ? call.cost().totalUsd() : Double.NaN, call == null ? -1 : call.inputTokens(),
        call == null ? -1 : call.outputTokens(), call == null ? null : call.billedModel(),
        attribution(call, Attribution::team), attribution(call, Attribution::project));
  }

  private static String attribution(LlmCall call, Function<Attribution, String> part) {
    if (call == null || call.attribution() == null) {
      return null;
    }
    String value = part.apply(call.attribution());
    return value == null || value.isEmpty() ? null : value;
  }

  /** The rollup of a trace's rows (each span once, in any order); {@code rows} is not empty. */
  public static TraceSummary summarize(TraceId traceId, List<RollupRow> rows) {
    List<RollupRow> ordered = new ArrayList<>(rows);
    ordered.sort(BY_START);
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    int errors = 0;
    int calls = 0;
    ExactSum cost = new ExactSum(); // not +=: the same double whatever order another store adds calls in
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
        cost.add(row.cost());
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
    return new TraceSummary(traceId, named.service(), named.name(), start, Math.max(0, end - start), ordered.size(),
        calls, errors, cost.value(), input, output, List.copyOf(models), team, project);
  }
}
