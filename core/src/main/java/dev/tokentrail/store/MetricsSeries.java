package dev.tokentrail.store;

import java.util.List;

/**
 * One series of a {@link MetricsQuery} answer. {@code groupValues} holds the value of each
 * {@code by} field in order (String, Long, Double or Boolean; null where the span lacks it). The
 * arrays have one slot per bucket: matching spans, and over those carrying a numeric {@code
 * field}: how many ({@code fieldCounts}), their sum, minimum and maximum (NaN when none). {@code
 * values} holds per bucket every field value (unsorted) when the query asked to keep them, else
 * null.
 */
public record MetricsSeries(
    List<Object> groupValues,
    long[] counts,
    long[] fieldCounts,
    double[] sums,
    double[] mins,
    double[] maxs,
    double[][] values,
    List<Exemplar> exemplars) {

  /**
   * A span behind a bucket: its trace and span ids (hex), start time, bucket and field value (NaN
   * for rate and count_over_time).
   */
  public record Exemplar(String traceId, String spanId, long startNanos, int bucket, double value) {}
}
