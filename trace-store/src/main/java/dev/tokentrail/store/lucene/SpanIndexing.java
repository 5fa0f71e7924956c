package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import java.io.IOException;
import java.util.List;
import org.apache.lucene.document.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes spans into their partitions: one document per span, replacing an earlier copy of the
 * same span (a re-send), and marks their traces for a rollup rewrite. A document Lucene refuses is
 * counted and logged; the others go on.
 */
final class SpanIndexing {
  private static final Logger LOG = LoggerFactory.getLogger(SpanIndexing.class);

  private final Partitions partitions;
  private final RollupMaintainer rollups;
  private final StoreMetrics metrics;

  SpanIndexing(Partitions partitions, RollupMaintainer rollups, StoreMetrics metrics) {
    this.partitions = partitions;
    this.rollups = rollups;
    this.metrics = metrics;
  }

  /** Indexes {@code spans}, with their prebuilt documents or (null) documents built here. */
  void index(List<Span> spans, Document[] documents, long receivedNanos) throws IOException {
    for (int i = 0; i < spans.size(); i++) {
      Span span = spans.get(i);
      long at = span.startEpochNanos();
      boolean skewed = partitions.skewed(at, receivedNanos);
      if (skewed) {
        at = receivedNanos;
        metrics.clockSkewed.inc();
      }
      Partition partition = partitions.forTime(at);
      try {
        Document document = documents != null ? documents[i] : SpanDocuments.toDocument(span, SpanDocuments.encode(span), partitions.fieldBudget(partition.startNanos));
        partition.writer.updateDocument(SpanDocuments.spanKeyTerm(span), document);
        if (skewed) {
          // Partitioned by receive time, a span written again on a later day (re-sent, or rewritten
          // by a reprice) lands in another partition: remove the copy an earlier receive left.
          for (Partition other : partitions.all()) {
            if (other != partition) {
              other.writer.deleteDocuments(SpanDocuments.spanKeyTerm(span));
              other.needsRefresh = true;
              other.needsCommit = true;
            }
          }
        }
      } catch (IllegalArgumentException e) {
        // Lucene refused this one document (a limit we did not foresee); the others go on. The
        // span stays in the write-ahead log until the next commit, so the log has the evidence.
        metrics.indexErrors.inc();
        LOG.error("span {} of trace {} could not be indexed: {}", span.spanId(), span.traceId(), e.getMessage());
        continue;
      }
      partition.needsRefresh = true;
      partition.needsCommit = true;
      rollups.markDirty(span.traceId());
    }
    metrics.spansStored.inc(spans.size());
  }
}
