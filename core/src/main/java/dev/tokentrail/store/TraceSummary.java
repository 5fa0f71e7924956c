package dev.tokentrail.store;

import java.util.List;

/**
 * A trace's rollup: maintained by the store as spans arrive, so trace-level filters and rankings
 * never load spans. Cost and tokens sum the trace's LLM calls; {@code models} are the billed ones.
 */
public record TraceSummary(
    String traceId,
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
