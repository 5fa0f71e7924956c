package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes what the log acknowledged. {@code indexThreads} threads take durable batches and index
 * them concurrently (Lucene's writer is built for that); one coordinator thread writes rollups and
 * refreshes at the refresh interval, commits, and applies retention. The coordinator pauses
 * indexing only to swap the rollup deltas out (a read-write lock: a slice of a batch is indexed
 * under the read lock, so a swap falls between slices), then writes the rollups and refreshes while
 * indexing goes on: a refresh publishes every span with its rollup, except spans indexed since the
 * swap, whose rollups follow at the next refresh. It also pauses indexing while it retries after an
 * index failure, which reopens the partitions and replays the log (spans indexed twice meanwhile
 * are deduplicated).
 */
final class Indexer {
  private static final Logger LOG = LoggerFactory.getLogger(Indexer.class);

  /** Test seams on the indexing threads and the coordinator. */
  interface WriteHooks {
    WriteHooks NONE = new WriteHooks() {};

    /** Before an indexing thread indexes an acknowledged batch. */
    default void beforeIndex(List<Span> spans) {}

    /** After it indexed it (rollups follow at the next refresh). */
    default void afterIndex(List<Span> spans) {}

    /** After the coordinator wrote the swapped rollups and refreshed. */
    default void afterRefresh() {}
  }

  private final Partitions partitions;
  private final RollupMaintainer rollups;
  private final IndexCommitter committer;
  private final Recovery recovery;
  private final WriteHealth health;
  private final WriteQueue queue;
  private final StoreMetrics metrics;
  private final WriteHooks hooks;
  private final long refreshIntervalNanos;
  private final long commitIntervalNanos;
  private final long retentionCheckNanos;
  /**
   * One queue per indexing thread. A batch is cut into slices by trace id, so that every span of a
   * trace (and every copy of a re-sent span) is indexed by the same thread in log order: a later
   * copy always replaces an earlier one, and two copies never race past the span-key filter.
   */
  private final List<BlockingQueue<Slice>> indexQueues = new ArrayList<>();
  private final ReentrantReadWriteLock pause = new ReentrantReadWriteLock();
  private final Thread coordinator;
  private final List<Thread> workers = new ArrayList<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean stopWorkers;
  /** Set before the threads start. */
  private IngestLog log;
  private IndexProgress progress;

  Indexer(Partitions partitions, RollupMaintainer rollups, IndexCommitter committer, WriteAheadLog wal,
      WriteHealth health, WriteQueue queue, StoreMetrics metrics, WriteHooks hooks, int indexThreads,
      long refreshIntervalNanos, long commitIntervalNanos, long retentionCheckNanos) {
    this.partitions = partitions;
    this.rollups = rollups;
    this.committer = committer;
    this.health = health;
    this.queue = queue;
    this.metrics = metrics;
    this.hooks = hooks;
    this.refreshIntervalNanos = refreshIntervalNanos;
    this.commitIntervalNanos = commitIntervalNanos;
    this.retentionCheckNanos = retentionCheckNanos;
    this.recovery = new Recovery(wal, partitions, rollups, committer, new SpanIndexing(partitions, rollups, metrics));
    this.coordinator = new Thread(this::coordinate, "tokentrail-store-writer");
    for (int i = 0; i < indexThreads; i++) {
      BlockingQueue<Slice> own = new LinkedBlockingQueue<>();
      indexQueues.add(own);
      Thread t = new Thread(() -> index(own), "tokentrail-store-index-" + (i + 1));
      t.setDaemon(false);
      workers.add(t);
    }
  }

  Recovery recovery() {
    return recovery;
  }

  /** Starts indexing what {@code ingestLog} hands over, the log being indexed through {@code position}. */
  void start(IngestLog ingestLog, WriteAheadLog.Position position) {
    this.log = ingestLog;
    this.progress = new IndexProgress(position);
    workers.forEach(Thread::start);
    coordinator.start();
  }

  /** The spans of a batch one indexing thread indexes: those whose trace hashes to it. */
  private record Slice(PendingBatch batch, int[] rows) {}

  /** Hands over a durable batch (the log thread, in log order). */
  void enqueue(PendingBatch batch) {
    batch.seq = progress.enqueued(batch.end);
    int n = indexQueues.size();
    if (n == 1) {
      batch.slicesLeft.set(1);
      indexQueues.get(0).add(new Slice(batch, null));
      return;
    }
    int[] counts = new int[n];
    int[] owner = new int[batch.spans.size()];
    for (int i = 0; i < owner.length; i++) {
      owner[i] = Math.floorMod(batch.spans.get(i).traceId().hashCode(), n);
      counts[owner[i]]++;
    }
    int[][] rows = new int[n][];
    int slices = 0;
    for (int q = 0; q < n; q++) {
      if (counts[q] > 0) {
        rows[q] = new int[counts[q]];
        slices++;
      }
    }
    int[] filled = new int[n];
    for (int i = 0; i < owner.length; i++) {
      rows[owner[i]][filled[owner[i]]++] = i;
    }
    batch.slicesLeft.set(slices);
    for (int q = 0; q < n; q++) {
      if (rows[q] != null) {
        indexQueues.get(q).add(new Slice(batch, rows[q]));
      }
    }
  }

  private boolean queuesEmpty() {
    for (BlockingQueue<Slice> q : indexQueues) {
      if (!q.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  boolean isStopped() {
    return stopped.getCount() == 0;
  }

  private void index(BlockingQueue<Slice> own) {
    SpanIndexing indexing = new SpanIndexing(partitions, rollups, metrics);
    try {
      while (health.fatal == null) {
        Slice slice = own.poll(50, TimeUnit.MILLISECONDS);
        if (slice == null) {
          if (stopWorkers) {
            return;
          }
          continue;
        }
        indexSlice(indexing, slice);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (VirtualMachineError e) {
      health.fatal(e, "indexing");
    } catch (Throwable t) {
      health.fatal(t, "an indexing thread");
    }
  }

  private void indexSlice(SpanIndexing indexing, Slice slice) throws InterruptedException {
    PendingBatch batch = slice.batch();
    // Marked done only when indexed or when a failure leaves it to the replay: never past a fatal
    // error, so that no commit moves the checkpoint past a batch that is not in the index.
    boolean settled = false;
    pause.readLock().lock();
    try {
      // While a failure is retried the batch waits: the replay may or may not cover it. Closing
      // with the fault unresolved leaves it unsettled, for the next start's replay.
      while (health.indexFault != null && health.fatal == null && !stopWorkers) {
        pause.readLock().unlock();
        try {
          TimeUnit.MILLISECONDS.sleep(20);
        } finally {
          pause.readLock().lock();
        }
      }
      if (health.fatal != null || health.indexFault != null) {
        return;
      }
      if (slice.rows() == null) {
        hooks.beforeIndex(batch.spans);
        indexing.index(batch.tenant, batch.spans, batch.calls, batch.receivedNanos, true, batch.recordSpans(), null);
        hooks.afterIndex(batch.spans);
      } else {
        int[] rows = slice.rows();
        List<Span> spans = new ArrayList<>(rows.length);
        dev.tokentrail.model.LlmCall[] calls = batch.calls == null ? null : new dev.tokentrail.model.LlmCall[rows.length];
        for (int r = 0; r < rows.length; r++) {
          spans.add(batch.spans.get(rows[r]));
          if (calls != null) {
            calls[r] = batch.calls[rows[r]];
          }
        }
        hooks.beforeIndex(spans);
        indexing.index(batch.tenant, spans, calls, batch.receivedNanos, true, batch.recordSpans(), rows);
        hooks.afterIndex(spans);
      }
      settled = true;
    } catch (IOException | RuntimeException e) {
      // The batch is in the log; the retry replays it from there.
      fail(e);
      settled = true;
    } finally {
      if (!settled) {
        batch.unsettled = true;
      }
      if (batch.slicesLeft.decrementAndGet() == 0) {
        queue.release(batch);
        if (!batch.unsettled) {
          progress.done(batch.seq, batch.end);
        }
      }
      pause.readLock().unlock();
    }
  }

  private synchronized void fail(Exception e) {
    if (health.indexFault == null) {
      metrics.writeFailures.labelValues("index").inc();
      health.indexFault = health.nextFault(null, "index", e);
      LOG.error("index write failed: {}; refusing writes (503) and retrying with backoff. Acknowledged spans are safe in the write-ahead log.", e.toString(), e);
    }
  }

  private void coordinate() {
    long nextRefresh = System.nanoTime() + refreshIntervalNanos;
    long nextCommit = System.nanoTime() + commitIntervalNanos;
    long nextRetention = System.nanoTime();
    boolean clean = false;
    try {
      while (health.fatal == null) {
        if (health.indexFault != null) {
          if (!health.accepting && log.isDone()) {
            LOG.warn("closing while the index cannot be written ({}); the next start replays the write-ahead log", health.indexFault.cause().toString());
            break;
          }
          retry();
          continue;
        }
        TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(20, (nextRefresh - System.nanoTime()) / 1_000_000)));
        try {
          long now = System.nanoTime();
          boolean closing = !health.accepting && health.fatal == null && log.isDone() && queuesEmpty()
              && progress.allDone();
          if (closing || now >= nextCommit) {
            cycle(true);
            nextCommit = System.nanoTime() + commitIntervalNanos;
            nextRefresh = System.nanoTime() + refreshIntervalNanos;
          } else if (now >= nextRefresh || rollups.isFull()) {
            cycle(false);
            nextRefresh = System.nanoTime() + refreshIntervalNanos;
          }
          if (now >= nextRetention) {
            retention();
            nextRetention = System.nanoTime() + retentionCheckNanos;
          }
          if (closing && health.indexFault == null) {
            clean = true;
            break;
          }
        } catch (IOException | RuntimeException e) {
          fail(e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (VirtualMachineError e) {
      health.fatal(e, "indexing");
    } catch (Throwable t) {
      health.fatal(t, "the index writer thread");
    } finally {
      stopWorkers = true;
      for (Thread t : workers) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (!clean) {
        for (BlockingQueue<Slice> q : indexQueues) {
          Slice left;
          while ((left = q.poll()) != null) {
            queue.release(left.batch());
          }
        }
      }
      stopped.countDown();
    }
  }

  /**
   * Swaps the rollup deltas out with indexing paused, then writes them and refreshes while indexing
   * goes on. Commits when asked.
   */
  private void cycle(boolean commit) throws IOException {
    WriteAheadLog.Position through;
    RollupMaintainer.Pending pending;
    pause.writeLock().lock();
    try {
      if (health.indexFault != null || health.fatal != null) {
        return;
      }
      pending = rollups.swap();
      through = progress.indexedThrough();
    } finally {
      pause.writeLock().unlock();
    }
    rollups.write(pending);
    hooks.afterRefresh();
    if (commit) {
      committer.commit(through);
    }
  }

  private void retention() throws IOException {
    pause.writeLock().lock();
    try {
      if (partitions.applyRetention()) {
        rollups.partitionsDeleted();
      }
    } finally {
      pause.writeLock().unlock();
    }
  }

  /**
   * After an index failure: waits out the backoff, then, with indexing paused, reopens the
   * partitions from their last commits and replays the log through the last batch handed over.
   * Batches still queued are indexed afterwards: their spans are found in the filters and replace.
   */
  private void retry() throws InterruptedException {
    WriteHealth.Fault fault = health.indexFault;
    long wait = fault.retryAtNanos() - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
      return;
    }
    pause.writeLock().lock();
    try {
      WriteAheadLog.Position upTo = progress.lastEnqueued();
      long[] replayed = recovery.reopenAndReplay(upTo);
      progress.replayedThrough(upTo);
      health.indexFault = null;
      LOG.info("index writable again after {} failed attempt(s) in {} ms; replayed {} spans from {} log records",
          fault.failures(), (System.nanoTime() - fault.sinceNanos()) / 1_000_000, replayed[0], replayed[1]);
    } catch (IOException | RuntimeException e) {
      metrics.writeFailures.labelValues("recovery").inc();
      health.indexFault = health.nextFault(fault, "index", e);
      LOG.warn("index still failing (attempt {}): {}; next try in {} ms", health.indexFault.failures(), e.toString(),
          health.backoffNanos(health.indexFault.failures()) / 1_000_000);
    } finally {
      pause.writeLock().unlock();
    }
  }
}
