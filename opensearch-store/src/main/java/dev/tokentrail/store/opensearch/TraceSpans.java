package dev.tokentrail.store.opensearch;

import dev.tokentrail.model.Span;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import dev.tokentrail.store.eval.EvaluatedTrace;
import dev.tokentrail.store.eval.RollupRow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * The stored spans of one trace as a read loaded them (every index, each span once by span id),
 * and the trace's rollup: either read from its rollup document (searches, which load only the
 * spans that may match) or computed from all of the trace's spans by {@link RollupRow#summarize}.
 */
final class TraceSpans implements EvaluatedTrace {
  /** Start time, then span id: the order spans of a trace are read in. */
  static final Comparator<StoredSpan> BY_START =
      Comparator.<StoredSpan>comparingLong(s -> s.span().startEpochNanos()).thenComparing(s -> s.span().spanId());

  private final String traceId;
  private final TreeMap<String, StoredSpan> spans = new TreeMap<>();
  private TraceSummary summary;
  private boolean fixedSummary;

  TraceSpans(String traceId) {
    this.traceId = traceId;
  }

  /** A trace whose rollup was read from its rollup document; {@link #put} keeps it. */
  TraceSpans(TraceSummary rollup) {
    this.traceId = rollup.traceId().hex();
    this.summary = rollup;
    this.fixedSummary = true;
  }

  String traceId() {
    return traceId;
  }

  void put(StoredSpan span) {
    spans.put(span.span().spanId().hex(), span);
    if (!fixedSummary) {
      summary = null;
    }
  }

  Collection<StoredSpan> stored() {
    return spans.values();
  }

  @Override
  public Collection<Span> spans() {
    List<Span> out = new ArrayList<>(spans.size());
    for (StoredSpan s : spans.values()) {
      out.add(s.span());
    }
    return out;
  }

  /** The spans ordered by start time, then span id. */
  List<StoredSpan> ordered() {
    List<StoredSpan> out = new ArrayList<>(spans.values());
    out.sort(BY_START);
    return out;
  }

  @Override
  public TraceSummary summary() {
    if (summary == null) {
      summary = summarize();
    }
    return summary;
  }

  private TraceSummary summarize() {
    List<RollupRow> rows = new ArrayList<>(spans.size());
    for (StoredSpan stored : spans.values()) {
      Span span = stored.span();
      rows.add(new RollupRow(span.spanId(), span.startEpochNanos(), span.endEpochNanos(),
          span.statusCode() == StatusCode.ERROR, span.isRoot(), span.resource().serviceName(), span.name(),
          stored.llmCall(), stored.costUsd(), stored.inputTokens(), stored.outputTokens(), stored.model(),
          stored.team(), stored.project()));
    }
    return RollupRow.summarize(TraceId.fromHex(traceId), rows);
  }
}
