package dev.tokentrail.store.memory;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Saturating;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.StatusCode;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.TraceSummary;
import dev.tokentrail.store.eval.EvaluatedTrace;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The stored spans of one trace of one tenant, by span id (a re-sent span replaces its earlier
 * copy), and the trace's rollup computed from them as {@link TraceSummary} defines it.
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
    List<IngestedSpan> ordered = ordered();
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
    for (IngestedSpan ingested : ordered) {
      Span span = ingested.span();
      start = Math.min(start, span.startEpochNanos());
      end = Math.max(end, span.endEpochNanos());
      if (span.statusCode() == StatusCode.ERROR) {
        errors++;
      }
      if (root == null && span.isRoot()) {
        root = span; // spans are in start order: the first root is the earliest (then smallest id)
      }
      LlmCall call = ingested.call();
      if (call == null) {
        continue;
      }
      calls++;
      if (call.cost() != null && call.cost().isPriced() && Double.isFinite(call.cost().totalUsd())) {
        cost += call.cost().totalUsd();
      }
      input = Saturating.add(input, Math.max(0, call.inputTokens()));
      output = Saturating.add(output, Math.max(0, call.outputTokens()));
      if (call.billedModel() != null) {
        models.add(call.billedModel());
      }
      if (team == null) {
        team = attribution(call, Attribution::team);
      }
      if (project == null) {
        project = attribution(call, Attribution::project);
      }
    }
    Span named = root != null ? root : ordered.get(0).span();
    return new TraceSummary(traceId, named.resource().serviceName(), named.name(), start, Math.max(0, end - start),
        ordered.size(), calls, errors, cost, input, output, List.copyOf(models), team, project);
  }

  private static String attribution(LlmCall call, Function<Attribution, String> part) {
    if (call.attribution() == null) {
      return null;
    }
    String value = part.apply(call.attribution());
    return value == null || value.isEmpty() ? null : value;
  }
}
