package dev.tokentrail.store.lucene;

import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.TraceId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;

/**
 * Keeps trace rollups incrementally. Indexing threads add each new span to an in-memory delta of
 * its trace; at each refresh the coordinator, with indexing paused, swaps the deltas out, merges
 * each into the stored rollup (read once from the index, then kept in a bounded cache), writes the
 * result to the partition of the trace's earliest span, and only then refreshes: spans and their
 * rollups become visible together, and every refresh publishes exactly the spans whose deltas were
 * written. A span that replaced a stored copy (the indexing thread checked: the dedup filter's
 * "maybe" alone is not enough) would count twice that way, so its trace is recomputed from its
 * spans instead, from a reader of the paused index: it holds the trace's spans through this
 * refresh and none after, so the next deltas merge onto the recomputed rollup.
 */
final class RollupMaintainer {
  /** Rollups are written once this many traces wait, also during replay. */
  static final int MAX_DIRTY_TRACES = 50_000;
  private static final int MAX_CACHED = 50_000;

  /** A trace of a tenant. */
  record TraceKey(String tenant, TraceId traceId) {}

  /** Deltas and recompute marks swapped out for one write. */
  record Pending(Map<TraceKey, TraceRollups.Accumulator> deltas, Set<TraceKey> recompute) {}

  private final Partitions partitions;
  private final StoreMetrics metrics;
  private volatile ConcurrentHashMap<TraceKey, TraceRollups.Accumulator> deltas = new ConcurrentHashMap<>();
  private volatile Set<TraceKey> recompute = ConcurrentHashMap.newKeySet();
  /** Counts the swaps: indexing threads start their per-refresh state afresh when it changes. */
  private volatile int generation;
  /** Rollups as last written (coordinator only). */
  private final LinkedHashMap<TraceKey, TraceRollups.Accumulator> written =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TraceKey, TraceRollups.Accumulator> eldest) {
          return size() > MAX_CACHED;
        }
      };

  RollupMaintainer(Partitions partitions, StoreMetrics metrics) {
    this.partitions = partitions;
    this.metrics = metrics;
  }

  /** Which deltas spans go to now; changes only while nothing is indexed. */
  int generation() {
    return generation;
  }

  /**
   * Adds an indexed span (indexing threads, under the indexer's read lock). {@code replaced}: it
   * replaced a copy its trace's rollup (or delta) already counts; the trace is recomputed.
   */
  void add(String tenant, Span span, LlmCall call, Partition partition, boolean replaced) {
    TraceKey key = new TraceKey(tenant, span.traceId());
    if (replaced) {
      recompute.add(key);
    }
    deltas.compute(key, (k, acc) -> {
      TraceRollups.Accumulator a = acc != null ? acc : new TraceRollups.Accumulator(k.traceId());
      long spanId = span.spanId().value();
      long start = span.startEpochNanos();
      a.addSpan(start, start + span.durationNanos(), spanId, span.isRoot(), SpanDocuments.truncate(span.resource().serviceName()),
          SpanDocuments.truncate(span.name()), "error".equals(span.statusCode().traceQlName()), partition);
      if (call != null) {
        boolean priced = call.cost() != null && call.cost().isPriced() && !Double.isNaN(call.cost().totalUsd());
        String team = call.attribution() == null ? null : call.attribution().team();
        String project = call.attribution() == null ? null : call.attribution().project();
        a.addCall(start, spanId, priced ? call.cost().totalUsd() : 0, call.inputTokens(), call.outputTokens(),
            SpanDocuments.truncate(String.valueOf(call.billedModel())),
            team == null ? null : SpanDocuments.truncate(team), project == null ? null : SpanDocuments.truncate(project));
      }
      return a;
    });
  }

  /** Whether so many traces wait that their rollups should be written now. */
  boolean isFull() {
    return deltas.size() >= MAX_DIRTY_TRACES;
  }

  /** Takes the waiting deltas (the coordinator, with indexing paused). */
  Pending swap() {
    Pending pending = new Pending(deltas, recompute);
    deltas = new ConcurrentHashMap<>();
    recompute = ConcurrentHashMap.newKeySet();
    generation++;
    return pending;
  }

  /** Writes everything waiting now; for replay and recovery, where nothing indexes concurrently. */
  void flush() throws IOException {
    write(swap());
  }

  /** Forgets everything: the index went back to its last commit, which a replay continues. */
  void reset() {
    deltas = new ConcurrentHashMap<>();
    recompute = ConcurrentHashMap.newKeySet();
    generation++;
    written.clear();
  }

  /** A partition was deleted: cached rollups may point at it. */
  void partitionsDeleted() {
    written.clear();
  }

  /**
   * Writes the rollups of {@code pending}, then refreshes the changed partitions. Called while
   * nothing is indexed (the indexer paused, or a replay), so the refresh publishes the spans of
   * {@code pending} with their rollups and nothing else.
   */
  void write(Pending pending) throws IOException {
    Set<TraceKey> full = new HashSet<>(pending.recompute());
    List<Partition> open = new ArrayList<>(partitions.all());
    // The published searchers see every rollup written before and none of the spans pending.
    List<IndexSearcher> published = new ArrayList<>(open.size());
    try {
      for (Partition p : open) {
        published.add(p.searchers.acquire());
      }
      for (Map.Entry<TraceKey, TraceRollups.Accumulator> e : pending.deltas().entrySet()) {
        TraceKey key = e.getKey();
        if (!full.contains(key)) {
          TraceRollups.Accumulator stored = stored(key, open, published);
          if (stored != null && stored.isEmpty()) {
            full.add(key);
          } else {
            merge(key, stored, e.getValue());
          }
        }
      }
      if (!full.isEmpty()) {
        recompute(full, open, published);
      }
    } finally {
      for (int i = 0; i < published.size(); i++) {
        open.get(i).searchers.release(published.get(i));
      }
    }
    partitions.refreshChanged();
  }

  /** Recomputes {@code keys} from their spans, read through readers of the paused index. */
  private void recompute(Set<TraceKey> keys, List<Partition> open, List<IndexSearcher> published) throws IOException {
    List<DirectoryReader> readers = new ArrayList<>(open.size());
    try {
      List<IndexSearcher> current = new ArrayList<>(open.size());
      for (int i = 0; i < open.size(); i++) {
        DirectoryReader reader = DirectoryReader.openIfChanged(
            (DirectoryReader) published.get(i).getIndexReader(), open.get(i).writer);
        if (reader == null) {
          current.add(published.get(i));
        } else {
          readers.add(reader);
          current.add(new IndexSearcher(reader));
        }
      }
      for (TraceKey key : keys) {
        recomputeTrace(key, open, current);
      }
      metrics.rollupRecomputes.inc(keys.size());
    } finally {
      IOUtils.close(readers);
    }
  }

  private void merge(TraceKey key, TraceRollups.Accumulator stored, TraceRollups.Accumulator delta) throws IOException {
    Term term = TraceRollups.rollupKey(key.tenant(), key.traceId());
    if (stored == null) {
      // No rollup anywhere (the searchers see every rollup written before): a plain add.
      write(delta.home, TraceRollups.toDocument(key.tenant(), delta), null);
      written.put(key, delta);
      return;
    }
    Partition oldHome = stored.home;
    stored.merge(delta);
    if (oldHome != stored.home && oldHome != null) {
      oldHome.writer.deleteDocuments(term);
      oldHome.needsRefresh = true;
      oldHome.needsCommit = true;
    }
    write(stored.home, TraceRollups.toDocument(key.tenant(), stored), term);
    written.put(key, stored);
  }

  private static void write(Partition home, org.apache.lucene.document.Document doc, Term replacing) throws IOException {
    if (replacing == null) {
      home.writer.addDocument(doc);
    } else {
      home.writer.updateDocument(replacing, doc);
    }
    home.needsRefresh = true;
    home.needsCommit = true;
  }

  /**
   * The stored rollup of {@code key}: cached, else read from the index; null when there is none;
   * an empty accumulator when one exists without the state a merge needs.
   */
  private TraceRollups.Accumulator stored(TraceKey key, List<Partition> open, List<IndexSearcher> searchers) throws IOException {
    TraceRollups.Accumulator cached = written.get(key);
    if (cached != null) {
      return cached;
    }
    TermQuery query = new TermQuery(TraceRollups.rollupKey(key.tenant(), key.traceId()));
    for (int i = 0; i < open.size(); i++) {
      IndexSearcher searcher = searchers.get(i);
      TopDocs top = searcher.search(query, 1);
      if (top.scoreDocs.length > 0) {
        BytesRef blob = searcher.storedFields().document(top.scoreDocs[0].doc).getBinaryValue(TraceRollups.T_SUMMARY);
        TraceRollups.Accumulator acc = TraceRollups.decodeState(blob, open.get(i));
        return acc != null ? acc : new TraceRollups.Accumulator(key.traceId());
      }
    }
    return null;
  }

  private void recomputeTrace(TraceKey key, List<Partition> open, List<IndexSearcher> searchers) throws IOException {
    TraceRollups.Accumulator acc = new TraceRollups.Accumulator(key.traceId());
    for (int i = 0; i < open.size(); i++) {
      TraceRollups.collect(searchers.get(i), open.get(i), acc, key.tenant());
    }
    Term term = TraceRollups.rollupKey(key.tenant(), key.traceId());
    for (Partition p : open) {
      if (p == acc.home) {
        p.writer.updateDocument(term, TraceRollups.toDocument(key.tenant(), acc));
      } else {
        p.writer.deleteDocuments(term);
      }
      p.needsRefresh = true;
      p.needsCommit = true;
    }
    if (acc.isEmpty()) {
      written.remove(key);
    } else {
      written.put(key, acc);
    }
  }
}
