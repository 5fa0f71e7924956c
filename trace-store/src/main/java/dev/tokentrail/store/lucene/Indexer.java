package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.document.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The indexing thread: indexes the acknowledged batches into their partitions, then at its
 * intervals writes rollups and refreshes, commits and applies retention. An index failure refuses
 * writes and is retried with backoff by reopening the partitions and replaying the log.
 */
final class Indexer {
  private static final Logger LOG = LoggerFactory.getLogger(Indexer.class);

  /** Test seams on the indexing thread. */
  interface WriteHooks {
    WriteHooks NONE = new WriteHooks() {};

    /** Before the indexer indexes an acknowledged batch. */
    default void beforeIndex(List<Span> spans) {}

    /** After the indexer indexed it (rollups follow at the next refresh). */
    default void afterIndex(List<Span> spans) {}
  }

  private final Partitions partitions;
  private final RollupMaintainer rollups;
  private final IndexCommitter committer;
  private final Recovery recovery;
  private final WriteHealth health;
  private final WriteQueue queue;
  private final StoreMetrics metrics;
  private final WriteHooks hooks;
  /** Set before the thread starts. */
  private IngestLog log;
  private final long refreshIntervalNanos;
  private final long commitIntervalNanos;
  private final long retentionCheckNanos;
  /** Durable and acknowledged, waiting for the indexing thread. */
  private final BlockingQueue<PendingBatch> indexQueue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** Log position after the last batch indexed (indexing thread only). */
  private WriteAheadLog.Position indexedThrough;
  /** Log position after the last batch taken from the queue (indexing thread only). */
  private WriteAheadLog.Position takenThrough;
  /** The batches taken in the current cycle (indexing thread only). */
  private final List<PendingBatch> cycle = new ArrayList<>();

  Indexer(Partitions partitions, RollupMaintainer rollups, IndexCommitter committer, WriteAheadLog wal,
      WriteHealth health, WriteQueue queue, StoreMetrics metrics, WriteHooks hooks,
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
    this.recovery = new Recovery(wal, partitions, rollups, committer, new SpanIndexing(partitions, rollups, metrics)::index);
    this.thread = new Thread(this::run, "tokentrail-store-writer");
    this.thread.setDaemon(false);
  }

  Recovery recovery() {
    return recovery;
  }

  /** Starts indexing what {@code log} acknowledges, from {@code position} on. */
  void start(IngestLog ingestLog, WriteAheadLog.Position position) {
    this.log = ingestLog;
    this.indexedThrough = position;
    this.takenThrough = position;
    thread.start();
  }

  /** Hands over a durable batch. */
  void enqueue(PendingBatch batch) {
    indexQueue.add(batch);
  }

  void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  boolean isStopped() {
    return stopped.getCount() == 0;
  }

  private void run() {
    SpanIndexing indexing = new SpanIndexing(partitions, rollups, metrics);
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
        cycle.clear();
        try {
          PendingBatch batch = indexQueue.poll(Math.max(1, (nextRefresh - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
          int spans = 0;
          while (batch != null) {
            cycle.add(batch);
            takenThrough = batch.end;
            hooks.beforeIndex(batch.spans);
            indexing.index(batch.spans, batch.documents, batch.receivedNanos);
            indexedThrough = batch.end;
            queue.release(batch);
            hooks.afterIndex(batch.spans);
            spans += batch.spans.size();
            batch = spans < IngestLog.MAX_SPANS_PER_GROUP ? indexQueue.poll() : null;
          }
          long now = System.nanoTime();
          if (now >= nextRefresh || rollups.isFull()) {
            rollups.refreshAndRollup();
            nextRefresh = System.nanoTime() + refreshIntervalNanos;
          }
          if (now >= nextCommit) {
            committer.commit(indexedThrough);
            nextCommit = System.nanoTime() + commitIntervalNanos;
          }
          if (now >= nextRetention) {
            partitions.applyRetention();
            nextRetention = System.nanoTime() + retentionCheckNanos;
          }
          if (!health.accepting && log.isDone() && indexQueue.isEmpty()) {
            rollups.refreshAndRollup();
            committer.commit(indexedThrough);
            clean = true;
            break;
          }
        } catch (IOException | RuntimeException e) {
          // The batches of this cycle are in the log; the retry replays them from there.
          for (PendingBatch b : cycle) {
            queue.release(b);
          }
          metrics.writeFailures.labelValues("index").inc();
          health.indexFault = health.nextFault(null, "index", e);
          LOG.error("index write failed: {}; refusing writes (503) and retrying with backoff. Acknowledged spans are safe in the write-ahead log.", e.toString(), e);
        }
      }
    } catch (VirtualMachineError e) {
      health.fatal(e, "indexing");
    } catch (Throwable t) {
      health.fatal(t, "the index writer thread");
    } finally {
      if (!clean) {
        for (PendingBatch b : cycle) {
          queue.release(b);
        }
        PendingBatch b;
        while ((b = indexQueue.poll()) != null) {
          queue.release(b);
        }
      }
      stopped.countDown();
    }
  }

  /**
   * After an index failure: waits out the backoff, then replays the log through the last
   * acknowledged batch (the pending batches' prebuilt documents are dropped: the log has them).
   */
  private void retry() throws InterruptedException {
    WriteHealth.Fault fault = health.indexFault;
    long wait = fault.retryAtNanos() - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
      return;
    }
    try {
      List<PendingBatch> taken = new ArrayList<>();
      indexQueue.drainTo(taken);
      if (!taken.isEmpty()) {
        takenThrough = taken.get(taken.size() - 1).end;
      }
      WriteAheadLog.Position upTo = takenThrough;
      for (PendingBatch b : taken) {
        queue.release(b);
      }
      long[] replayed = recovery.reopenAndReplay(upTo);
      indexedThrough = upTo;
      health.indexFault = null;
      LOG.info("index writable again after {} failed attempt(s) in {} ms; replayed {} spans from {} log records",
          fault.failures(), (System.nanoTime() - fault.sinceNanos()) / 1_000_000, replayed[0], replayed[1]);
    } catch (IOException | RuntimeException e) {
      metrics.writeFailures.labelValues("recovery").inc();
      health.indexFault = health.nextFault(fault, "index", e);
      LOG.warn("index still failing (attempt {}): {}; next try in {} ms", health.indexFault.failures(), e.toString(),
          health.backoffNanos(health.indexFault.failures()) / 1_000_000);
    }
  }
}
