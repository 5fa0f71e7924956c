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
 * its trace; at each refresh the coordinator swaps the deltas out (indexing paused for the swap
 * only), merges each into the stored rollup (read once from the index, then kept in a bounded
 * cache), writes the result to the partition of the trace's earliest span, and then refreshes,
 * while indexing goes on: the refresh publishes every span of the swapped deltas with its rollup,
 * and may publish spans indexed since the swap a refresh before their rollups (the bounded lag).
 * A span that replaced a stored copy (the indexing thread checked: the dedup filter's "maybe"
 * alone is not enough) would count twice that way, so its trace is recomputed from its spans
 * instead, from readers opened at the swap: they hold the trace's spans through the swap and none
 * after, so the next deltas merge onto the recomputed rollup.
 */
final class RollupMaintainer {
  /** Rollups are written once this many traces wait, also during replay. */
  static final int MAX_DIRTY_TRACES = 50_000;
  private static final int MAX_CACHED = 50_000;

  /** A trace of a tenant. */
  record TraceKey(String tenant, TraceId traceId) {}

  /**
   * Deltas and recompute marks swapped out for one write; when a trace is to be recomputed, the
   * partitions open at the swap and a reader of each opened then, else null.
   */
  record Pending(Map<TraceKey, TraceRollups.Accumulator> deltas, Set<TraceKey> recompute,
      List<Partition> openAtSwap, List<DirectoryReader> atSwap) {}

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

  /**
   * Takes the waiting deltas (the coordinator, with indexing paused). When traces are to be
   * recomputed it also opens readers of the index as it is now (a flush; only then): they hold
   * exactly the spans of these deltas and before.
   */
  Pending swap() throws IOException {
    List<Partition> openAtSwap = null;
    List<DirectoryReader> atSwap = null;
    if (!recompute.isEmpty()) {
      openAtSwap = new ArrayList<>(partitions.all());
      atSwap = new ArrayList<>();
      try {
        for (Partition p : openAtSwap) {
          atSwap.add(DirectoryReader.open(p.writer));
        }
      } catch (IOException | RuntimeException e) {
        IOUtils.closeWhileHandlingException(atSwap);
        throw e;
      }
    }
    Pending pending = new Pending(deltas, recompute, openAtSwap, atSwap);
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
   * Writes the rollups of {@code pending}, then refreshes the changed partitions: the spans of
   * {@code pending} become visible with their rollups (the coordinator, indexing going on; or a
   * replay). Closes the readers of {@code pending}.
   */
  void write(Pending pending) throws IOException {
    try {
      writeRollups(pending);
    } finally {
      if (pending.atSwap() != null) {
        IOUtils.close(pending.atSwap());
      }
    }
    partitions.refreshChanged();
  }

  private void writeRollups(Pending pending) throws IOException {
    Set<TraceKey> full = new HashSet<>(pending.recompute());
    List<Partition> open = new ArrayList<>(partitions.all());
    // The published searchers see every rollup written before (the last write refreshed).
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
            // A rollup without the state a merge needs (written by an older version): recomputed
            // from readers opened at a swap; without them now, at the next swap, whose readers
            // hold the spans of these deltas too.
            if (pending.atSwap() != null) {
              full.add(key);
            } else {
              recompute.add(key);
            }
          } else {
            merge(key, stored, e.getValue());
          }
        }
      }
      if (!full.isEmpty()) {
        recompute(full, pending);
      }
    } finally {
      for (int i = 0; i < published.size(); i++) {
        open.get(i).searchers.release(published.get(i));
      }
    }
  }

  /**
   * Recomputes {@code keys} from their spans, read through the readers opened at the swap. The
   * partitions open then hold every rollup of these traces: a partition opened since holds only
   * spans indexed after the swap, which the next deltas carry, and no rollup (only this thread
   * writes rollups, into partitions of spans indexed before the swap).
   */
  private void recompute(Set<TraceKey> keys, Pending pending) throws IOException {
    if (pending.atSwap() == null) {
      throw new IllegalStateException("traces to recompute without readers opened at the swap");
    }
    List<Partition> open = pending.openAtSwap();
    List<IndexSearcher> current = new ArrayList<>(open.size());
    for (DirectoryReader reader : pending.atSwap()) {
      current.add(new IndexSearcher(reader));
    }
    for (TraceKey key : keys) {
      recomputeTrace(key, open, current);
    }
    metrics.rollupRecomputes.inc(keys.size());
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
