package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.apache.lucene.store.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The set of time partitions: which partition a span goes to (its start time, or its receive time
 * when that is skewed), opening and creating partitions, their attribute field budgets, and
 * retention, which deletes whole partitions. Readers iterate the open partitions concurrently;
 * only the indexing side opens, refreshes, commits and deletes them.
 */
final class Partitions {
  private static final Logger LOG = LoggerFactory.getLogger(Partitions.class);

  private final Path root;
  private final long partitionNanos;
  private final long retentionNanos;
  private final long maxFutureSkewNanos;
  private final double ramBufferMb;
  private final int maxIndexedFields;
  private final UnaryOperator<Directory> directoryWrapper;
  private final LongSupplier nowNanos;
  private final Runnable onOverflow;
  private final ConcurrentSkipListMap<Long, Partition> open = new ConcurrentSkipListMap<>();
  /** Attribute field budgets by partition start; created before the partition when a batch is built. */
  private final ConcurrentHashMap<Long, FieldBudget> fieldBudgets = new ConcurrentHashMap<>();

  Partitions(Path root, long partitionNanos, long retentionNanos, long maxFutureSkewNanos, double ramBufferMb,
      int maxIndexedFields, UnaryOperator<Directory> directoryWrapper, LongSupplier nowNanos, Runnable onOverflow) {
    this.root = root;
    this.partitionNanos = partitionNanos;
    this.retentionNanos = retentionNanos;
    this.maxFutureSkewNanos = maxFutureSkewNanos;
    this.ramBufferMb = ramBufferMb;
    this.maxIndexedFields = maxIndexedFields;
    this.directoryWrapper = directoryWrapper;
    this.nowNanos = nowNanos;
    this.onOverflow = onOverflow;
  }

  /** The open partitions, oldest first (a live view). */
  Collection<Partition> all() {
    return open.values();
  }

  /** Searchers over the partitions overlapping {@code [from, to]} (0: unbounded); close it. */
  StoreSnapshot snapshot(long from, long to) {
    return new StoreSnapshot(open.values(), from, to);
  }

  int size() {
    return open.size();
  }

  /**
   * Whether the span's start time is outside what its receive time allows (before the retention
   * window or too far in the future): such a span is partitioned by receive time.
   */
  boolean skewed(long startNanos, long receivedNanos) {
    return startNanos < receivedNanos - retentionNanos + partitionNanos || startNanos > receivedNanos + maxFutureSkewNanos;
  }

  /** The instant a span is partitioned by. */
  long placement(Span span, long receivedNanos) {
    long at = span.startEpochNanos();
    return skewed(at, receivedNanos) ? receivedNanos : at;
  }

  long startOf(long epochNanos) {
    return Math.floorDiv(epochNanos, partitionNanos) * partitionNanos;
  }

  /** The partition holding {@code epochNanos}, created when missing. */
  Partition forTime(long epochNanos) throws IOException {
    long start = startOf(epochNanos);
    Partition partition = open.get(start);
    return partition != null ? partition : create(start);
  }

  /** Indexing threads may ask for a new partition at once: one opens it. */
  private synchronized Partition create(long start) throws IOException {
    Partition partition = open.get(start);
    if (partition == null) {
      partition = Partition.open(root, start, partitionNanos, ramBufferMb, directoryWrapper);
      open.put(start, partition);
    }
    return partition;
  }

  /** The field budget of the partition the span goes to. */
  FieldBudget fieldBudget(Span span, long receivedNanos) {
    return fieldBudget(startOf(placement(span, receivedNanos)));
  }

  FieldBudget fieldBudget(long partitionStart) {
    FieldBudget budget = fieldBudgets.get(partitionStart);
    if (budget != null) {
      return budget;
    }
    // Budgets of partitions retention deleted go with them.
    long cutoff = nowNanos.getAsLong() - retentionNanos - partitionNanos;
    fieldBudgets.keySet().removeIf(start -> start < cutoff && !open.containsKey(start));
    return fieldBudgets.computeIfAbsent(partitionStart, start -> {
      Partition p = open.get(start);
      return new FieldBudget(maxIndexedFields, p == null ? List.of() : p.writer.getFieldNames(), onOverflow);
    });
  }

  void forEachBudget(BiConsumer<String, FieldBudget> action) {
    fieldBudgets.forEach((start, budget) -> action.accept(Partition.directoryName(start, partitionNanos), budget));
  }

  /** Opens the partitions found on disk that are not open yet. */
  void openExisting() throws IOException {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        long[] bounds = Partition.parseName(dir.getFileName().toString());
        if (bounds == null) {
          LOG.warn("ignoring unexpected directory {}", dir);
          continue;
        }
        if (!open.containsKey(bounds[0])) {
          open.put(bounds[0], Partition.open(root, bounds[0], bounds[1], ramBufferMb, directoryWrapper));
        }
      }
    }
  }

  /** Closes every partition (after a failure: the next open starts from their last commits). */
  void closeAllQuietly() {
    for (Partition p : new ArrayList<>(open.values())) {
      try {
        p.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("closing partition {} after a failure: {}", p.path, e.toString());
      }
      open.remove(p.startNanos);
    }
  }

  void refreshChanged() throws IOException {
    for (Partition p : open.values()) {
      if (p.needsRefresh) {
        p.needsRefresh = false;
        p.searchers.maybeRefreshBlocking();
      }
    }
  }

  void markAllForCommit() {
    for (Partition p : open.values()) {
      p.needsCommit = true;
    }
  }

  /** Deletes the partitions past retention; true when any was deleted. */
  boolean applyRetention() throws IOException {
    long cutoff = nowNanos.getAsLong() - retentionNanos;
    boolean deleted = false;
    for (Partition p : new ArrayList<>(open.values())) {
      if (p.endNanos <= cutoff) {
        deleted = true;
        open.remove(p.startNanos);
        LOG.info("retention: deleting partition {} (ended before the {} retention window)", p.path.getFileName(), Duration.ofNanos(retentionNanos));
        p.delete();
      }
    }
    return deleted;
  }

  /** Every field name of every open partition's writer (tests bound it). */
  Set<String> fieldNames() {
    Set<String> names = new TreeSet<>();
    for (Partition p : open.values()) {
      names.addAll(p.writer.getFieldNames());
    }
    return names;
  }

  long sizeOnDisk() {
    long total = 0;
    for (Partition p : open.values()) {
      total += p.sizeOnDisk();
    }
    return total;
  }

  List<String> names() {
    List<String> names = new ArrayList<>();
    for (Partition p : open.values()) {
      names.add(p.path.getFileName().toString());
    }
    return names;
  }

  boolean isEmpty() {
    return open.isEmpty();
  }

  void close() {
    for (Partition p : open.values()) {
      try {
        p.close();
      } catch (IOException | RuntimeException e) {
        LOG.error("closing partition {}: {}", p.path, e.toString());
      }
    }
    open.clear();
  }
}
