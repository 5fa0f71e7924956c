package dev.tokentrail.store.opensearch;

import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The stored spans of one trace as a read loaded them (every index, each span once by span id),
 * and the trace's rollup computed from them as {@link TraceSummary} defines it. Rollups are
 * computed when read, from all of the trace's spans, so late and re-sent spans are always counted
 * right: there is no rollup document to keep in step.
 */
final class TraceSpans {
  /** Start time, then span id: the order spans of a trace are read in. */
  static final Comparator<StoredSpan> BY_START =
      Comparator.<StoredSpan>comparingLong(s -> s.span().startEpochNanos()).thenComparing(s -> s.span().spanId());

  private final String traceId;
  private final TreeMap<String, StoredSpan> spans = new TreeMap<>();
  private TraceSummary summary;

  TraceSpans(String traceId) {
    this.traceId = traceId;
  }

  String traceId() {
    return traceId;
  }

  void put(StoredSpan span) {
    spans.put(span.span().spanId().hex(), span);
    summary = null;
  }

  Collection<StoredSpan> spans() {
    return spans.values();
  }

  /** The spans ordered by start time, then span id. */
  List<StoredSpan> ordered() {
    List<StoredSpan> out = new ArrayList<>(spans.values());
    out.sort(BY_START);
    return out;
  }

  TraceSummary summary() {
    if (summary == null) {
      summary = summarize();
    }
    return summary;
  }

  private TraceSummary summarize() {
    List<StoredSpan> ordered = ordered();
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    int errors = 0;
    int calls = 0;
    double cost = 0;
    long input = 0;
    long output = 0;
    TreeSet<String> models = new TreeSet<>();
    Span root = null;
    String team = null;
    String project = null;
    for (StoredSpan stored : ordered) {
      Span span = stored.span();
      start = Math.min(start, span.startEpochNanos());
      end = Math.max(end, span.endEpochNanos());
      if (span.statusCode() == StatusCode.ERROR) {
        errors++;
      }
      if (root == null && span.isRoot()) {
        root = span; // spans are in start order: the first root is the earliest (then smallest id)
      }
      if (!stored.llmCall()) {
        continue;
      }
      calls++;
      if (Double.isFinite(stored.costUsd())) {
        cost += stored.costUsd();
      }
      input = Saturating.add(input, Math.max(0, stored.inputTokens()));
      output = Saturating.add(output, Math.max(0, stored.outputTokens()));
      if (stored.model() != null) {
        models.add(stored.model());
      }
      if (team == null) {
        team = stored.team();
      }
      if (project == null) {
        project = stored.project();
      }
    }
    Span named = root != null ? root : ordered.get(0).span();
    return new TraceSummary(TraceId.fromHex(traceId), named.resource().serviceName(), named.name(), start, Math.max(0, end - start),
        ordered.size(), calls, errors, cost, input, output, List.copyOf(models), team, project);
  }
}
