package dev.tokentrail.store.lucene;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * One time partition: a Lucene index holding the spans that started in {@code [start, end)} and
 * the rollups of traces whose earliest span is there. Retention deletes whole partitions.
 */
final class Partition implements Closeable {
  private static final DateTimeFormatter NAME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);

  final long startNanos;
  final long endNanos;
  final Path path;
  final Directory directory;
  final IndexWriter writer;
  final SearcherManager searchers;
  /** The span keys this partition may hold: new spans skip the replacing write. */
  final SpanKeyFilter keys;
  /** Written since the last refresh / commit (set by indexing threads, cleared by the coordinator). */
  volatile boolean needsRefresh;
  volatile boolean needsCommit;

  private Partition(long startNanos, long endNanos, Path path, Directory directory, IndexWriter writer)
      throws IOException {
    this.startNanos = startNanos;
    this.endNanos = endNanos;
    this.path = path;
    this.directory = directory;
    this.writer = writer;
    this.searchers = new SearcherManager(writer, null);
    this.keys = loadKeys(searchers);
  }

  /** The filter of every span key in the index (deleted documents' too: harmless false positives). */
  private static SpanKeyFilter loadKeys(SearcherManager searchers) throws IOException {
    SpanKeyFilter keys = new SpanKeyFilter();
    IndexSearcher searcher = searchers.acquire();
    try {
      for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
        Terms terms = leaf.reader().terms(SpanDocuments.SPAN_KEY);
        if (terms == null) {
          continue;
        }
        TermsEnum it = terms.iterator();
        for (BytesRef key = it.next(); key != null; key = it.next()) {
          long h1 = SpanKeys.hash1(key);
          keys.addIfAbsent(h1, SpanKeyFilter.hash2(h1));
        }
      }
    } finally {
      searchers.release(searcher);
    }
    return keys;
  }

  static String directoryName(long startNanos, long durationNanos) {
    return NAME.format(Instant.ofEpochSecond(0, startNanos)) + "_" + (durationNanos / 1_000_000_000L) + "s";
  }

  /** Parses a partition directory name back to {start, duration} in nanos, or null. */
  static long[] parseName(String name) {
    int underscore = name.indexOf('_');
    if (underscore < 0 || !name.endsWith("s")) {
      return null;
    }
    try {
      Instant start = java.time.ZonedDateTime.parse(name.substring(0, underscore), NAME).toInstant();
      long seconds = Long.parseLong(name.substring(underscore + 1, name.length() - 1));
      long startNanos = start.getEpochSecond() * 1_000_000_000L;
      return new long[] {startNanos, seconds * 1_000_000_000L};
    } catch (RuntimeException e) {
      return null;
    }
  }

  static Partition open(Path root, long startNanos, long durationNanos, double ramBufferMb)
      throws IOException {
    return open(root, startNanos, durationNanos, ramBufferMb, UnaryOperator.identity());
  }

  /** {@code wrapper} sees the directory first: tests substitute one that fails like a full disk. */
  static Partition open(
      Path root, long startNanos, long durationNanos, double ramBufferMb, UnaryOperator<Directory> wrapper)
      throws IOException {
    Path path = root.resolve(directoryName(startNanos, durationNanos));
    Files.createDirectories(path);
    Directory directory = wrapper.apply(FSDirectory.open(path));
    IndexWriterConfig config = new IndexWriterConfig();
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
    config.setRAMBufferSizeMB(ramBufferMb);
    config.setCodec(new SpanCodec());
    // Refreshes flush small segments; merging more of them at once rewrites each span fewer times.
    TieredMergePolicy mergePolicy = new TieredMergePolicy();
    mergePolicy.setSegmentsPerTier(20);
    mergePolicy.setFloorSegmentMB(32);
    config.setMergePolicy(mergePolicy);
    ConcurrentMergeScheduler merges = new ConcurrentMergeScheduler();
    merges.setMaxMergesAndThreads(2, 1);
    config.setMergeScheduler(merges);
    IndexWriter writer;
    try {
      writer = new IndexWriter(directory, config);
    } catch (IOException | RuntimeException e) {
      directory.close();
      throw e;
    }
    try {
      return new Partition(startNanos, startNanos + durationNanos, path, directory, writer);
    } catch (IOException | RuntimeException e) {
      try {
        writer.rollback();
      } finally {
        directory.close();
      }
      throw e;
    }
  }

  boolean overlaps(long fromNanos, long toNanos) {
    return (toNanos <= 0 || startNanos <= toNanos) && (fromNanos <= 0 || endNanos > fromNanos);
  }

  long sizeOnDisk() {
    long total = 0;
    try {
      for (String file : directory.listAll()) {
        try {
          total += directory.fileLength(file);
        } catch (IOException e) {
          // A file merged away between listing and sizing.
        }
      }
    } catch (IOException e) {
      return total;
    }
    return total;
  }

  /**
   * Releases the index. The store commits every partition before closing it, so rolling back here
   * loses nothing and only aborts background merges, which would otherwise delay shutdown; anything
   * not committed is still in the write-ahead log.
   */
  @Override
  public void close() throws IOException {
    // Each step runs even when an earlier one fails (a writer closed by a tragic error), so the
    // write lock is released and the partition can be opened again.
    try {
      searchers.close();
    } finally {
      try {
        writer.rollback();
      } finally {
        directory.close();
      }
    }
  }

  /** Closes without committing and deletes the files: retention. */
  void delete() throws IOException {
    searchers.close();
    writer.rollback();
    directory.close();
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
