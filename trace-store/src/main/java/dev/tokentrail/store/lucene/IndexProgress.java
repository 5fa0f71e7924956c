package dev.tokentrail.store.lucene;

import java.util.TreeMap;

/**
 * How far the log is indexed when several threads index batches out of order: batches are
 * numbered as the log hands them over, and the checkpoint may only move past a batch once every
 * batch before it is indexed too.
 */
final class IndexProgress {
  private long nextSeq;
  private long contiguous = -1;
  private WriteAheadLog.Position indexedThrough;
  private long lastEnqueuedSeq = -1;
  private WriteAheadLog.Position lastEnqueuedEnd;
  private final TreeMap<Long, WriteAheadLog.Position> done = new TreeMap<>();

  IndexProgress(WriteAheadLog.Position start) {
    this.indexedThrough = start;
    this.lastEnqueuedEnd = start;
  }

  /** Numbers a durable batch ending at {@code end}, in log order. */
  synchronized long enqueued(WriteAheadLog.Position end) {
    long seq = nextSeq++;
    lastEnqueuedSeq = seq;
    lastEnqueuedEnd = end;
    return seq;
  }

  /** The batch is indexed (or its spans will be replayed from the log). */
  synchronized void done(long seq, WriteAheadLog.Position end) {
    if (seq <= contiguous) {
      return;
    }
    done.put(seq, end);
    WriteAheadLog.Position next;
    while ((next = done.remove(contiguous + 1)) != null) {
      contiguous++;
      indexedThrough = next;
    }
  }

  /** The log position every batch before which is indexed. */
  synchronized WriteAheadLog.Position indexedThrough() {
    return indexedThrough;
  }

  synchronized boolean allDone() {
    return contiguous == nextSeq - 1;
  }

  /** End of the last batch handed over: a replay through it covers every batch handed over. */
  synchronized WriteAheadLog.Position lastEnqueued() {
    return lastEnqueuedEnd;
  }

  /** A replay covered every batch handed over up to {@code end}. */
  synchronized void replayedThrough(WriteAheadLog.Position end) {
    if (lastEnqueuedSeq > contiguous) {
      contiguous = lastEnqueuedSeq;
      done.headMap(contiguous, true).clear();
    }
    indexedThrough = end;
  }
}
