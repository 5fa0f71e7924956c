package dev.tokentrail.query.metrics;

import dev.tokentrail.store.SpanStore;
import java.util.Objects;

/** The TraceQL metrics engine over a {@link SpanStore}. */
final class MetricsEngine implements TraceQlMetrics {
  private final SpanStore store;

  MetricsEngine(SpanStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public MetricsResult queryRange(String q, long startNanos, long endNanos, long stepNanos, int maxExemplars) {
    throw new UnsupportedOperationException("TraceQL metrics: not implemented yet");
  }

  @Override
  public MetricsResult instant(String q, long startNanos, long endNanos) {
    throw new UnsupportedOperationException("TraceQL metrics: not implemented yet");
  }
}
