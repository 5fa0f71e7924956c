package dev.tokentrail.store;

import dev.tokentrail.model.TraceId;
import java.util.List;

/**
 * A trace's rollup, over every stored span of the trace (each re-sent span once), maintained by the
 * store as spans arrive so trace-level filters and rankings never load spans:
 *
 * <ul>
 *   <li>{@code startEpochNanos}: the earliest span start; {@code durationNanos}: latest span end
 *       minus earliest start.
 *   <li>{@code rootServiceName}, {@code rootSpanName}: of the root span (no parent; of several,
 *       the earliest, on equal starts the smaller span id); while no root has arrived, of the
 *       earliest span (same tie-break). The service is the resource's {@code service.name}
 *       ({@code unknown_service} when it has none).
 *   <li>{@code spanCount}, {@code errorCount} (status error), {@code llmCallCount} (spans ingested
 *       with an {@link dev.tokentrail.model.IngestedSpan#call()}): counts.
 *   <li>{@code costUsd}, {@code inputTokens}, {@code outputTokens}: sums over the LLM calls
 *       (unpriced calls and unreported counts add nothing); sums saturate instead of wrapping. The
 *       cost is the exact sum rounded once ({@link dev.tokentrail.model.ExactSum}): the same double
 *       in every store, whatever order it adds the calls in, so rankings by cost agree.
 *   <li>{@code models}: the distinct billed models ({@link dev.tokentrail.model.LlmCall#billedModel()})
 *       sorted; {@code team}, {@code project}: of the earliest-starting call that names one (on equal starts,
 *       the smaller span id), {@code null} when none does. Calls are read as ingest gave them
 *       ({@link dev.tokentrail.model.IngestedSpan#call()}), never re-derived from attributes.
 * </ul>
 */
public record TraceSummary(
    TraceId traceId,
    String rootServiceName,
    String rootSpanName,
    long startEpochNanos,
    long durationNanos,
    int spanCount,
    int llmCallCount,
    int errorCount,
    double costUsd,
    long inputTokens,
    long outputTokens,
    List<String> models,
    String team,
    String project) {

  /** Input plus output tokens, saturating at {@link Long#MAX_VALUE} rather than wrapping negative. */
  public long totalTokens() {
    return dev.tokentrail.model.Saturating.add(Math.max(0, inputTokens), Math.max(0, outputTokens));
  }
}
