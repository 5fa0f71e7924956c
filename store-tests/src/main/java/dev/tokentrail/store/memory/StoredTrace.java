package dev.tokentrail.store.memory;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
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
 * The stored spans of one trace of one tenant, by span id (a re-sent span replaces its earlier
 * copy), and the trace's rollup computed from them by {@link RollupRow#summarize}.
 */
final class StoredTrace implements EvaluatedTrace {
  /** Start time, then span id: the order spans of a trace are read in. */
  static final Comparator<IngestedSpan> BY_START =
      Comparator.<IngestedSpan>comparingLong(s -> s.span().startEpochNanos()).thenComparing(s -> s.span().spanId());

  private final TraceId traceId;
  private final TreeMap<SpanId, IngestedSpan> spans = new TreeMap<>();
  private TraceSummary summary;

  StoredTrace(TraceId traceId) {
    this.traceId = traceId;
  }

  TraceId traceId() {
    return traceId;
  }

  void put(IngestedSpan span) {
    spans.put(span.span().spanId(), span);
    summary = null;
  }

  /** Drops the spans that started before {@code cutoffNanos}; whether any was dropped. */
  boolean expire(long cutoffNanos) {
    boolean removed = spans.values().removeIf(s -> s.span().startEpochNanos() < cutoffNanos);
    if (removed) {
      summary = null;
    }
    return removed;
  }

  boolean isEmpty() {
    return spans.isEmpty();
  }

  Collection<IngestedSpan> ingested() {
    return spans.values();
  }

  @Override
  public Collection<Span> spans() {
    List<Span> out = new ArrayList<>(spans.size());
    for (IngestedSpan s : spans.values()) {
      out.add(s.span());
    }
    return out;
  }

  /** The spans ordered by start time, then span id. */
  List<IngestedSpan> ordered() {
    List<IngestedSpan> out = new ArrayList<>(spans.values());
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
    for (IngestedSpan s : spans.values()) {
      rows.add(RollupRow.of(s));
    }
    return RollupRow.summarize(traceId, rows);
  }
}
