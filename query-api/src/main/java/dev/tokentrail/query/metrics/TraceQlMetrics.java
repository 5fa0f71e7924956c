package dev.tokentrail.query.metrics;

import dev.tokentrail.store.SpanStore;

/**
 * TraceQL metrics queries ({@code { ... } | rate() by (...)}) over the span store.
 *
 * <p>PLACEHOLDER (issue 11, streaming branch): a copy of the API the TraceQL metrics engine
 * provides in its own branch, so the gRPC MetricsQueryRange service compiles against it. The merge
 * replaces this file with the engine's; {@link #create} here answers every query with a
 * {@link dev.tokentrail.query.traceql.TraceQlException}.
 */
public interface TraceQlMetrics {
  /** A range query: one sample per step in [startNanos, endNanos); bad queries throw TraceQlException. */
  MetricsResult queryRange(String q, long startNanos, long endNanos, long stepNanos, int maxExemplars);

  /** An instant query over [startNanos, endNanos); bad queries throw TraceQlException. */
  MetricsResult instant(String q, long startNanos, long endNanos);

  static TraceQlMetrics create(SpanStore store) {
    return new TraceQlMetrics() {
      @Override
      public MetricsResult queryRange(String q, long startNanos, long endNanos, long stepNanos, int maxExemplars) {
        throw dev.tokentrail.query.traceql.MetricsPlaceholder.notAvailable();
      }

      @Override
      public MetricsResult instant(String q, long startNanos, long endNanos) {
        throw dev.tokentrail.query.traceql.MetricsPlaceholder.notAvailable();
      }
    };
  }
}
