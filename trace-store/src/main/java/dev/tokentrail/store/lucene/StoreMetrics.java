package dev.tokentrail.store.lucene;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;

/**
 * The store's Prometheus metrics, registered once. The counters are fields the writing pieces
 * increment; the gauges read the state of the piece that owns it through callbacks.
 */
final class StoreMetrics {
  final Histogram writeLatency;
  final Counter spansStored;
  final Counter clockSkewed;
  final Counter indexErrors;
  final Counter overflowValues;
  final Counter queriesCancelled;
  final Counter writeFailures;
  final Counter refused;
  final Counter rollupRecomputes;
  private final PrometheusRegistry registry;

  StoreMetrics(PrometheusRegistry registry) {
    this.registry = registry;
    writeLatency =
        Histogram.builder()
            .name("tokentrail_store_write_seconds")
            .help("Time to make a group of batches durable: log append and fsync, from the log thread's view")
            .register(registry);
    spansStored =
        Counter.builder()
            .name("tokentrail_store_spans_written_total")
            .help("Spans written to the store (re-sent duplicates included; they replace)")
            .register(registry);
    clockSkewed =
        Counter.builder()
            .name("tokentrail_store_clock_skew_spans_total")
            .help("Spans whose start time was outside the retention window or too far in the future, partitioned by receive time")
            .register(registry);
    indexErrors =
        Counter.builder()
            .name("tokentrail_store_index_errors_total")
            .help("Spans acknowledged but refused by the index (see the log for each)")
            .register(registry);
    overflowValues =
        Counter.builder()
            .name("tokentrail_store_overflow_attribute_values_total")
            .help("Attribute values indexed through the catch-all fields because their partition's attribute field budget (store.max_indexed_fields) was spent; still stored and searchable, more slowly")
            .register(registry);
    queriesCancelled =
        Counter.builder()
            .name("tokentrail_store_queries_cancelled_total")
            .help("Reads stopped because their request was cancelled or timed out")
            .register(registry);
    writeFailures =
        Counter.builder()
            .name("tokentrail_store_write_failures_total")
            .help("Failed writes (stage: log = append/fsync, index = indexing/refresh/commit, recovery = a retry that failed again); the store retries with backoff")
            .labelNames("stage")
            .register(registry);
    refused =
        Counter.builder()
            .name("tokentrail_store_refused_batches_total")
            .help("Batches refused by accept (reason: overloaded = queue full, 429; unavailable = a write failure being retried, 503; closed = shut down or failed for good)")
            .labelNames("reason")
            .register(registry);
    rollupRecomputes =
        Counter.builder()
            .name("tokentrail_store_rollup_recomputes_total")
            .help("Trace rollups recomputed from their spans because a re-sent span replaced a stored copy (other rollups are kept incrementally)")
            .register(registry);
  }

  /** Per-partition gauges of the attribute field budgets. */
  void registerFieldBudgets(Partitions partitions) {
    GaugeWithCallback.builder()
        .name("tokentrail_store_indexed_attribute_fields")
        .help("Attribute fields indexed as their own Lucene fields, per partition (at most store.max_indexed_fields plus the server's own)")
        .labelNames("partition")
        .callback(cb -> partitions.forEachBudget((name, budget) -> cb.call(budget.indexedFields(), name)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("tokentrail_store_partition_overflow_attribute_values")
        .help("Attribute values this process indexed through the catch-all fields, per partition")
        .labelNames("partition")
        .callback(cb -> partitions.forEachBudget((name, budget) -> cb.call(budget.overflowValues(), name)))
        .register(registry);
  }

  void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
  }
}
