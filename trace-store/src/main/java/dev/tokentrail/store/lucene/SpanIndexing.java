package dev.tokentrail.store.lucene;

import dev.tokentrail.genai.StoredCalls;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.SpanWireEncoder;
import java.io.IOException;
import java.util.List;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes spans into their partitions, one per indexing thread: it owns a reusable document and a
 * buffer for the stored form of a span, copied from the batch's log record ({@link RecordSpans}),
 * or encoded here when the record does not line up with the spans. A span the
 * partition's {@link SpanKeyFilter} has certainly not seen is added; one it may have seen replaces
 * the stored copy by its key. A span partitioned by receive time (a skewed clock) also removes
 * copies other partitions may hold (as does any span another partition's filter may have seen).
 * Each span goes to its trace's rollup delta, marked for a recompute only when it really replaced
 * a copy: one in the published index, or one this thread indexed in this or the last rollup
 * generation (between swaps of the deltas; those may not be published yet). A
 * document Lucene refuses is logged (and counted when indexed live, not on replay); the others go
 * on.
 */
final class SpanIndexing {
  private static final Logger LOG = LoggerFactory.getLogger(SpanIndexing.class);

  private final Partitions partitions;
  private final RollupMaintainer rollups;
  private final StoreMetrics metrics;
  private final SpanDocumentBuilder documents = new SpanDocumentBuilder();
  private final SpanWireEncoder encoder = SpanWireEncoder.create();
  private byte[] stored = new byte[4096];
  // The span keys indexed in the current rollup generation and the one before: a span indexed
  // before the last swap may still be unpublished (the refresh after a swap runs while indexing
  // goes on), and everything indexed before the swap before is published.
  private RefreshSpanKeys indexedThisGeneration = new RefreshSpanKeys();
  private RefreshSpanKeys indexedLastGeneration = new RefreshSpanKeys();
  private int generation = -1;

  SpanIndexing(Partitions partitions, RollupMaintainer rollups, StoreMetrics metrics) {
    this.partitions = partitions;
    this.rollups = rollups;
    this.metrics = metrics;
  }

  /**
   * Indexes {@code spans} of {@code tenant}. {@code calls} may be null (replay): the calls are then
   * read back from the stored attributes. {@code record}: the spans of their log record (null:
   * encode each), where span {@code i} is record span {@code rows[i]} ({@code rows} null: {@code i}).
   */
  void index(String tenant, List<Span> spans, LlmCall[] calls, long receivedNanos, boolean live,
      RecordSpans record, int[] rows) throws IOException {
    int current = rollups.generation();
    if (current != generation) {
      RefreshSpanKeys older = indexedLastGeneration;
      older.clear();
      if (current == generation + 1) {
        indexedLastGeneration = indexedThisGeneration;
        indexedThisGeneration = older;
      } else {
        indexedThisGeneration.clear();
      }
      generation = current;
    }
    for (int i = 0; i < spans.size(); i++) {
      Span span = spans.get(i);
      long at = span.startEpochNanos();
      boolean skewed = partitions.skewed(at, receivedNanos);
      Partition partition = partitions.forTime(skewed ? receivedNanos : at);
      LlmCall call = calls != null ? calls[i] : StoredCalls.read(span);
      long h1 = SpanKeys.hash1(tenant, span);
      long h2 = SpanKeyFilter.hash2(h1);
      Term key = null;
      boolean indexedRecently = !indexedThisGeneration.add(h1) || indexedLastGeneration.contains(h1);
      boolean replaced = false;
      try {
        int length = -1;
        byte[] blob = stored;
        if (record != null) {
          int row = rows == null ? i : rows[i];
          int room = record.storedLength(row);
          if (stored.length < room) {
            stored = new byte[Math.max(room, stored.length * 2)];
          }
          blob = stored;
          length = record.storedForm(row, span, blob);
        }
        if (length < 0) {
          length = encoder.resourceSpans(span);
          blob = encoder.buffer();
        }
        var document = documents.build(tenant, span, call, blob, length, partitions.fieldBudget(partition.startNanos));
        if (partition.keys.addIfAbsent(h1, h2)) {
          partition.writer.addDocument(document);
        } else {
          key = new Term(SpanDocuments.SPAN_KEY, SpanKeys.spanKeyBytes(tenant, span));
          replaced = indexedRecently || published(partition, key);
          partition.writer.updateDocument(key, document);
        }
        // A copy in another partition (the span re-sent with another start time, or partitioned
        // by receive time under a skewed clock and written again on a later day) is removed: a
        // span is stored once, wherever its earlier copy went.
        for (Partition other : partitions.all()) {
          if (other != partition && other.keys.mightContain(h1, h2)) {
            if (key == null) {
              key = new Term(SpanDocuments.SPAN_KEY, SpanKeys.spanKeyBytes(tenant, span));
            }
            replaced |= indexedRecently || published(other, key);
            other.writer.deleteDocuments(key);
            other.needsRefresh = true;
            other.needsCommit = true;
          }
        }
      } catch (IllegalArgumentException e) {
        // Lucene refused this one document (a limit we did not foresee); the others go on. The
        // span stays in the write-ahead log until the next commit, so the log has the evidence.
        if (live) {
          metrics.indexErrors.inc();
        }
        LOG.error("span {} of trace {} could not be indexed: {}", span.spanId(), span.traceId(), e.getMessage());
        continue;
      }
      partition.needsRefresh = true;
      partition.needsCommit = true;
      rollups.add(tenant, span, call, partition, replaced);
    }
  }

  /**
   * Whether the published index holds {@code key}: it holds every span whose rollup was written
   * (and perhaps spans of the last two generations, which the thread's own sets catch anyway), so
   * a copy there is counted, or about to be, and this one replaces it. The filter's "maybe" alone
   * is a false positive now and then, which must not cost a recompute.
   */
  private static boolean published(Partition partition, Term key) throws IOException {
    IndexSearcher searcher = partition.searchers.acquire();
    try {
      return searcher.count(new TermQuery(key)) > 0;
    } finally {
      partition.searchers.release(searcher);
    }
  }
}
