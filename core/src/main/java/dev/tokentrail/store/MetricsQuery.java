package dev.tokentrail.store;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A TraceQL metrics query as the store runs it: spans matching {@code filter} whose start time
 * falls in [{@code startNanos}, {@code endNanos}), grouped by the {@code by} fields, bucketed by
 * {@code stepNanos} (bucket {@code i} covers [start + i*step, start + (i+1)*step)), with the
 * statistics {@code function} needs of {@code field} (null for rate and count_over_time).
 *
 * <p>The store computes per series and bucket the count, sum, minimum and maximum of the field
 * (and every value when {@link #keepValues}: quantiles, histograms), read from doc values; the
 * caller turns them into rates, averages, quantiles. The field is a numeric attribute (the
 * smallest number of a list; unscoped: the span's value, else the resource's) or {@code duration},
 * read in seconds; a span without a number for it is counted but adds no value. Times are epoch
 * nanoseconds. With {@code maxExemplars} above 0 the store keeps per series and bucket a span
 * with the largest field value (any span of the bucket without a field), and returns at most
 * {@code maxExemplars} of them, spread over the series and buckets. Grouping by {@code
 * rootServiceName}, {@code rootName}, a duration or an unknown intrinsic is refused with {@link
 * IllegalArgumentException}.
 */
public record MetricsQuery(
    SpanFilter filter,
    FieldRef field,
    List<FieldRef> by,
    long startNanos,
    long endNanos,
    long stepNanos,
    boolean keepValues,
    int maxExemplars) {

  public MetricsQuery {
    requireNonNull(filter, "filter");
    by = List.copyOf(requireNonNull(by, "by"));
    if (stepNanos <= 0) {
      throw new IllegalArgumentException("stepNanos: " + stepNanos + " (expected: > 0)");
    }
    if (endNanos <= startNanos) {
      throw new IllegalArgumentException("endNanos: " + endNanos + " (expected: > startNanos " + startNanos + ")");
    }
    if (maxExemplars < 0) {
      throw new IllegalArgumentException("maxExemplars: " + maxExemplars + " (expected: >= 0)");
    }
  }

  /** The number of step buckets. */
  public int buckets() {
    return (int) Math.max(1, (endNanos - startNanos + stepNanos - 1) / stepNanos);
  }
}
