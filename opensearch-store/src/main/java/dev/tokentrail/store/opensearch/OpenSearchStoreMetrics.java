package dev.tokentrail.store.opensearch;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;

/**
 * The OpenSearch store's Prometheus metrics, registered once per store: the write path's latency
 * and refusals as fields the writer updates, its queue and the rollup backlog as gauges reading
 * the owning piece through callbacks.
 */
final class OpenSearchStoreMetrics {
  final Histogram bulkLatency;
  final Counter spansWritten;
  final Counter refused;
  private final PrometheusRegistry registry;

  OpenSearchStoreMetrics(PrometheusRegistry registry) {
    this.registry = registry;
    bulkLatency = Histogram.builder()
        .name("tokentrail_store_opensearch_bulk_seconds")
        .help("Time of one _bulk request to OpenSearch, from sending to its acknowledgement")
        .register(registry);
    spansWritten = Counter.builder()
        .name("tokentrail_store_spans_written_total")
        .help("Spans written to the store (re-sent duplicates included; they replace)")
        .register(registry);
    refused = Counter.builder()
        .name("tokentrail_store_refused_batches_total")
        .help("Batches refused (reason: overloaded = write queue full or OpenSearch rejected for load, 429;"
            + " unavailable = OpenSearch unreachable or failing, 503; refused = OpenSearch refused items)")
        .labelNames("reason")
        .register(registry);
  }

  /** Gauges of the write queue, bulks in flight and the rollup backlog. */
  void registerGauges(DoubleSupplier queued, DoubleSupplier inFlight, DoubleSupplier rollupsPending) {
    gauge("tokentrail_store_opensearch_bulk_queue", "Batches waiting for a bulk thread (at most store.max_queued_spans / 1000)",
        queued);
    gauge("tokentrail_store_opensearch_bulks_in_flight", "Batches being written to OpenSearch now", inFlight);
    gauge("tokentrail_store_opensearch_rollups_pending",
        "Traces whose spans were acknowledged and whose rollup is not yet rewritten (searches see them after)",
        rollupsPending);
  }

  private void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
  }
}
