package dev.tokentrail.store.lucene;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;

/**
 * Keeps trace rollups up to date: remembers the traces whose spans were indexed since the last
 * refresh, and at the refresh recomputes each one's rollup from its spans in every partition and
 * writes it to the partition of its earliest span (deleting copies elsewhere). Indexing side only.
 */
final class RollupMaintainer {
  /** Rollups are recomputed (in a refresh) once this many traces are waiting, also during replay. */
  static final int MAX_DIRTY_TRACES = 50_000;

  private final Partitions partitions;
  private final Set<String> dirtyTraces = new LinkedHashSet<>();

  RollupMaintainer(Partitions partitions) {
    this.partitions = partitions;
  }

  void markDirty(String traceId) {
    dirtyTraces.add(traceId);
  }

  boolean hasDirty() {
    return !dirtyTraces.isEmpty();
  }

  /** Whether so many traces wait that their rollups should be written now. */
  boolean isFull() {
    return dirtyTraces.size() >= MAX_DIRTY_TRACES;
  }

  /** Refreshes the changed partitions, rewrites the waiting rollups, and refreshes again. */
  void refreshAndRollup() throws IOException {
    partitions.refreshChanged();
    if (dirtyTraces.isEmpty()) {
      return;
    }
    List<IndexSearcher> searchers = new ArrayList<>();
    List<Partition> open = new ArrayList<>(partitions.all());
    try {
      for (Partition p : open) {
        searchers.add(p.searchers.acquire());
      }
      for (String traceId : dirtyTraces) {
        TraceRollups.Accumulator acc = new TraceRollups.Accumulator(traceId);
        for (int i = 0; i < open.size(); i++) {
          TraceRollups.collect(searchers.get(i), open.get(i), acc);
        }
        if (acc.isEmpty()) {
          continue;
        }
        Term key = TraceRollups.rollupKey(traceId);
        for (Partition p : open) {
          if (p == acc.home) {
            p.writer.updateDocument(key, TraceRollups.toDocument(acc.toSummary()));
          } else {
            p.writer.deleteDocuments(key);
          }
          p.needsRefresh = true;
          p.needsCommit = true;
        }
      }
      dirtyTraces.clear();
    } finally {
      for (int i = 0; i < searchers.size(); i++) {
        open.get(i).searchers.release(searchers.get(i));
      }
    }
    partitions.refreshChanged();
  }
}
