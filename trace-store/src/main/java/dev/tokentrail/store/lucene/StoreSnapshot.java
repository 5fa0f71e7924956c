package dev.tokentrail.store.lucene;

import dev.tokentrail.store.QueryCancellation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.ExitableDirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.AlreadyClosedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Searchers over the partitions overlapping a time range, acquired together and released together
 * on close. Under a cancellable request, each searcher's reader stops the read once it is
 * cancelled.
 */
final class StoreSnapshot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreSnapshot.class);

  final List<Partition> parts = new ArrayList<>();
  final List<IndexSearcher> searchers = new ArrayList<>();
  private final List<IndexSearcher> acquired = new ArrayList<>();

  /** The partitions overlapping {@code [from, to]} (0: unbounded). */
  StoreSnapshot(Collection<Partition> partitions, long from, long to) {
    QueryCancellation cancellation = QueryCancellation.current();
    for (Partition p : partitions) {
      if (p.overlaps(from, to)) {
        try {
          IndexSearcher searcher = p.searchers.acquire();
          acquired.add(searcher);
          parts.add(p);
          if (cancellation.isNone()) {
            searchers.add(searcher);
          } else {
            // Terms, points and doc values of this reader stop the read once it is cancelled.
            searchers.add(new IndexSearcher(ExitableDirectoryReader.wrap(
                (DirectoryReader) searcher.getIndexReader(), cancellation::isCancelled)));
          }
        } catch (AlreadyClosedException e) {
          // Deleted by retention meanwhile: nothing to read there.
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < parts.size(); i++) {
      try {
        parts.get(i).searchers.release(acquired.get(i));
      } catch (IOException | AlreadyClosedException e) {
        LOG.debug("releasing searcher: {}", e.toString());
      }
    }
  }
}
