package dev.tokentrail.benchmarks;

import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import dev.tokentrail.benchmarks.opensearch.OpenSearchSpans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side benchmark's OpenSearch column: starts a node, creates the index, feeds the
 * spans through {@code _bulk} (bodies built before the clock starts when the spans are in memory), refreshes (the spans are then
 * searchable), times the reference searches, flushes and reads the index's store size. Streamed
 * spans are turned into bodies while the bulk requests are in flight.
 */
final class OpenSearchContender {
  private OpenSearchContender() {}

  /** Another contender run against the same node once OpenSearch's own row is measured. */
  interface OnSameNode {
    SideBySide.Row run(String nodeUrl) throws Exception;
  }

  /**
   * OpenSearch's row, then {@code sameNode}'s (null: none); empty with the reason printed when the
   * node cannot start here.
   */
  static List<SideBySide.Row> run(OpenSearchNode.Config config, TraceSource source, ReferenceQueries reference,
      int inflight, int bulkBytes, int warmup, int repetitions, long budgetNanos, OnSameNode sameNode, boolean forceMerge)
      throws Exception {
    if (config == null) {
      return List.of();
    }
    OpenSearchNode node;
    try {
      node = OpenSearchNode.start(config);
    } catch (Exception e) {
      System.out.println("opensearch: skipped: the node did not start: " + e.getMessage());
      return List.of();
    }
    try {
      System.out.printf("opensearch: pid %d at %s, heap %s, data %s%n", node.pid(), node.httpUrl(), config.heap(), node.dataDir());
      OpenSearchSpans spans = new OpenSearchSpans(node.httpUrl());
      spans.createIndex();
      Iterable<byte[]> bodies;
      if (source.isStreamed()) {
        bodies = TraceSource.produced(sink -> OpenSearchSpans.bulkBodies(source.enriched(), bulkBytes, sink));
      } else {
        List<byte[]> built = new ArrayList<>();
        OpenSearchSpans.bulkBodies(source.enriched(), bulkBytes, built::add);
        bodies = built;
      }
      if (!source.isStreamed()) {
        // Unmeasured: a cold node would make OpenSearch's own column the only one run cold.
        spans.warmUp(bodies, inflight);
        System.out.println("opensearch: warmed up (the same documents into a throwaway index, deleted)");
      }
      long start = System.nanoTime();
      OpenSearchSpans.BulkResult bulk = spans.bulk(bodies, inflight, start);
      bodies = null;
      spans.refresh();
      long searchableNanos = System.nanoTime() - start;
      long visible = spans.count();
      System.out.printf(Locale.ROOT, "opensearch: %,d docs acknowledged (%d failed) in %.2f s; after _refresh %,d searchable at %.2f s%n",
          bulk.acked(), bulk.failed(), bulk.nanos() / 1e9, visible, searchableNanos / 1e9);
      Map<ReferenceQueries.Kind, ReferenceQueries.Timing> timings =
          ReferenceQueries.time(kind -> spans.search(reference, kind), warmup, repetitions, budgetNanos);
      long bytes = spans.storeBytesAfterFlush();
      System.out.printf(Locale.ROOT, "opensearch: store %,d bytes after _flush (no force-merge)%n", bytes);
      String note = bulk.failed() > 0 ? bulk.failed() + " docs failed" : visible != bulk.acked() ? visible + " visible of " + bulk.acked() : "";
      List<SideBySide.Row> rows = new ArrayList<>();
      rows.add(new SideBySide.Row("OpenSearch", bulk.acked(), bulk.acked() / (bulk.nanos() / 1e9),
          bulk.acked() / (searchableNanos / 1e9), (double) bytes / bulk.acked(), timings, note));
      if (sameNode != null) {
        rows.add(sameNode.run(node.httpUrl()));
      }
      if (forceMerge) {
        for (SideBySide.Row row : rows) {
          String pattern = row.name().equals("OpenSearch") ? OpenSearchSpans.INDEX : TokenTrailOnOpenSearch.PREFIX + "-*";
          long merged = spans.storeBytesAfterForceMerge(pattern);
          System.out.printf(Locale.ROOT, "%s: store %,d bytes after _forcemerge to one segment: %.1f bytes/span%n",
              row.name(), merged, (double) merged / row.spans());
        }
      }
      return rows;
    } finally {
      node.stop(Duration.ofSeconds(60));
    }
  }
}
