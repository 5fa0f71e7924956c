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
 * on close. A read's snapshot shows one tenant's documents only ({@link TenantReaders}). Under a
 * cancellable request, each searcher's reader stops the read once it is cancelled.
 */
final class StoreSnapshot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreSnapshot.class);

  final List<Partition> parts = new ArrayList<>();
  final List<IndexSearcher> searchers = new ArrayList<>();
  private final List<IndexSearcher> acquired = new ArrayList<>();

  /** Every tenant's documents in the partitions overlapping {@code [from, to]} (0: unbounded). */
  StoreSnapshot(Collection<Partition> partitions, long from, long to) {
    this(partitions, null, from, to);
  }

  /** What {@code tenant} sees of the partitions overlapping {@code [from, to]} (0: unbounded). */
  static StoreSnapshot of(Partitions partitions, String tenant, long from, long to) {
    return new StoreSnapshot(partitions.all(), java.util.Objects.requireNonNull(tenant, "tenant"), from, to);
  }

  private StoreSnapshot(Collection<Partition> partitions, String tenant, long from, long to) {
    QueryCancellation cancellation = QueryCancellation.current();
    for (Partition p : partitions) {
      if (p.overlaps(from, to)) {
        try {
          IndexSearcher searcher = p.searchers.acquire();
          acquired.add(searcher);
          parts.add(p);
          DirectoryReader reader = (DirectoryReader) searcher.getIndexReader();
          DirectoryReader view = tenant == null ? reader : TenantReaders.view(reader, tenant);
          if (cancellation.isNone()) {
            searchers.add(view == reader ? searcher : new IndexSearcher(view));
          } else {
            // Terms, points and doc values of this reader stop the read once it is cancelled.
            searchers.add(new IndexSearcher(ExitableDirectoryReader.wrap(view, cancellation::isCancelled)));
          }
        } catch (AlreadyClosedException e) {
          // Deleted by retention meanwhile: nothing to read there.
        } catch (IOException e) {
          close();
          throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
          close();
          throw e;
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
