package dev.tokentrail.query.traceql;

import dev.tokentrail.store.AggregateCondition;
import dev.tokentrail.store.FieldRef;
import dev.tokentrail.store.Spansets;
import java.util.List;
import java.util.Locale;

/**
 * A parsed TraceQL metrics query: {@code spansets [| filter stages] | function(...) [by (...)] [|
 * topk(n) | bottomk(n)]}. Parse with {@link TraceQlParser#parseMetrics}.
 *
 * @param field the aggregated field; null for rate() and count_over_time()
 * @param quantiles quantile_over_time's quantiles; empty otherwise
 * @param rank topk/bottomk after the function; null when absent
 */
public record MetricsPipeline(
    Spansets spansets,
    List<AggregateCondition> aggregates,
    Function function,
    FieldRef field,
    List<Double> quantiles,
    List<FieldRef> by,
    Rank rank) {

  public MetricsPipeline {
    aggregates = List.copyOf(aggregates);
    quantiles = List.copyOf(quantiles);
    by = List.copyOf(by);
  }

  /** The metrics functions TokenTrail runs. */
  public enum Function {
    RATE,
    COUNT_OVER_TIME,
    SUM_OVER_TIME,
    AVG_OVER_TIME,
    MIN_OVER_TIME,
    MAX_OVER_TIME,
    QUANTILE_OVER_TIME,
    HISTOGRAM_OVER_TIME;

    /** The TraceQL spelling, e.g. {@code sum_over_time}. */
    public String traceQlName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the function takes a field argument. */
    public boolean takesField() {
      return this != RATE && this != COUNT_OVER_TIME;
    }
  }

  /** {@code topk(k)} ({@code top}) or {@code bottomk(k)}: per step, the k highest (lowest) series. */
  public record Rank(boolean top, int k) {}
}
