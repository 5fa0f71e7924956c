package dev.tokentrail.store.lucene;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes the index durable: commits every changed partition, then moves the write-ahead log's
 * checkpoint to what was indexed, so the log before it can go. The caller writes the rollups of
 * every span before the checkpoint first: a replay after the checkpoint would not recompute them.
 * Coordinator only.
 */
final class IndexCommitter {
  private final WriteAheadLog wal;
  private final Path checkpointFile;
  private final Partitions partitions;
  private final AtomicLong lastDiskSize = new AtomicLong();

  IndexCommitter(WriteAheadLog wal, Path checkpointFile, Partitions partitions) {
    this.wal = wal;
    this.checkpointFile = checkpointFile;
    this.partitions = partitions;
  }

  /** Commits what changed, with the log indexed through {@code indexedThrough}. */
  void commit(WriteAheadLog.Position indexedThrough) throws IOException {
    boolean any = false;
    for (Partition p : partitions.all()) {
      any |= p.needsCommit;
    }
    if (!any) {
      return;
    }
    WriteAheadLog.Position checkpoint = wal.rollForCheckpoint(indexedThrough);
    long size = 0;
    for (Partition p : partitions.all()) {
      if (p.needsCommit) {
        p.writer.commit();
        p.needsCommit = false;
      }
      size += p.sizeOnDisk();
    }
    lastDiskSize.set(size);
    WriteAheadLog.writeCheckpoint(checkpointFile, checkpoint);
    wal.deleteBefore(checkpoint);
  }

  /** Where replay starts: the last checkpoint written. */
  WriteAheadLog.Position checkpoint() throws IOException {
    return WriteAheadLog.readCheckpoint(checkpointFile);
  }

  /** Bytes of index files on disk at the last commit. */
  long lastDiskSize() {
    return lastDiskSize.get();
  }
}
