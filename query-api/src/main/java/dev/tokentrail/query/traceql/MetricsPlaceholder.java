package dev.tokentrail.query.traceql;

/**
 * PLACEHOLDER (issue 11, streaming branch): the error the placeholder
 * {@code dev.tokentrail.query.metrics.TraceQlMetrics} answers until the TraceQL metrics engine is
 * merged; the merge deletes this file with that placeholder.
 */
public final class MetricsPlaceholder {
  private MetricsPlaceholder() {}

  public static TraceQlException notAvailable() {
    return new TraceQlException("TraceQL metrics are not available yet", 0);
  }
}
