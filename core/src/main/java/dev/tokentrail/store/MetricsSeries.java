package dev.tokentrail.store;

import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import java.util.List;

/**
 * One series of a {@link MetricsQuery} answer, in no particular order among the answer's series.
 * {@code groupValues} holds the value of each {@code by} field in order (String, Long, Double or
 * Boolean, typed as the attribute is; a number is a Long when whole and below 1e15; null where
 * the span lacks it; a list groups by one of its elements). The
 * arrays have one slot per bucket: matching spans, and over those carrying a numeric {@code
 * field}: how many ({@code fieldCounts}), their sum, minimum and maximum (NaN when none). {@code
 * values} holds per bucket every field value (unsorted) when the query asked to keep them, else
 * null. Without a field ({@code rate}, {@code count_over_time}) only {@code counts} is set; the
 * field arrays are null.
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
   * A span behind a bucket: its trace and span ids, start time, bucket and field value (NaN for
   * rate and count_over_time).
   */
  public record Exemplar(TraceId traceId, SpanId spanId, long startNanos, int bucket, double value) {}
}
