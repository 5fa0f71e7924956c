package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import dev.tokentrail.otlp.SpanWireEncoder;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.Tenants;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log thread: appends queued batches to the write-ahead log in groups, fsyncs each group once
 * and acknowledges its batches (group commit). An acknowledgement never waits for indexing: a
 * durable batch is handed to the indexer, and its future is completed on a small executor, so the
 * callers' continuations (ingest metrics, responses) never run on the log thread. Spans are
 * counted here, once, when acknowledged: a replay never counts them again. A failed append undoes
 * the group and refuses writes until a retry after backoff repairs the log's tail.
 */
final class IngestLog {
  private static final Logger LOG = LoggerFactory.getLogger(IngestLog.class);
  static final int MAX_SPANS_PER_GROUP = 20_000;

  private final WriteAheadLog wal;
  private final WriteHealth health;
  private final WriteQueue queue;
  private final StoreMetrics metrics;
  private final Consumer<PendingBatch> durable;
  /** Accepted, waiting for the log thread. */
  private final BlockingQueue<PendingBatch> appendQueue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final ExecutorService acks;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean done;
  /** Set before the log thread's last drain of the append queue. */
  private volatile boolean draining;
  /** Where the failed group started: the log repair truncates back to it (log thread only). */
  private WriteAheadLog.Position failedGroupMark;

  IngestLog(WriteAheadLog wal, WriteHealth health, WriteQueue queue, StoreMetrics metrics, Consumer<PendingBatch> durable) {
    this.wal = wal;
    this.health = health;
    this.queue = queue;
    this.metrics = metrics;
    this.durable = durable;
    this.thread = new Thread(this::run, "tokentrail-store-log");
    this.thread.setDaemon(false);
    AtomicInteger ackThreads = new AtomicInteger();
    this.acks = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "tokentrail-store-ack-" + ackThreads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    thread.start();
  }

  /** Queues a batch; its future completes once it is durable (or refused). */
  void submit(PendingBatch batch) {
    appendQueue.add(batch);
    // The log thread may have drained its queue for the last time (close, a fatal error) between
    // the caller's check and the add: then nobody would answer this batch.
    if (draining && appendQueue.remove(batch)) {
      queue.refuse(batch, new StoreClosedException("span store is closed", health.fatal));
    }
  }

  /** Whether the log thread has stopped and answered every batch queued to it. */
  boolean isDone() {
    return done;
  }

  /** Waits for the log thread to stop and every acknowledgement to be completed. */
  void awaitStopped() throws InterruptedException {
    stopped.await();
    acks.shutdown();
    acks.awaitTermination(1, TimeUnit.MINUTES);
  }

  private void run() {
    List<PendingBatch> group = new ArrayList<>();
    try {
      while (health.fatal == null) {
        PendingBatch first = appendQueue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (!health.accepting && appendQueue.isEmpty()) {
            break;
          }
          continue;
        }
        group.add(first);
        int spans = first.spans.size();
        PendingBatch more;
        while (spans < MAX_SPANS_PER_GROUP && (more = appendQueue.poll()) != null) {
          group.add(more);
          spans += more.spans.size();
        }
        appendGroup(group);
        group.clear();
      }
    } catch (VirtualMachineError e) {
      health.fatal(e, "appending to the write-ahead log");
    } catch (Throwable t) {
      // Not expected (appendGroup handles I/O failures); stop for good rather than spin.
      health.fatal(t, "the write-ahead log thread");
    } finally {
      draining = true;
      StoreClosedException closed = new StoreClosedException("span store is closed", health.fatal);
      for (PendingBatch b : group) {
        queue.refuse(b, closed);
      }
      PendingBatch b;
      while ((b = appendQueue.poll()) != null) {
        queue.refuse(b, closed);
      }
      done = true;
      stopped.countDown();
    }
  }

  private void appendGroup(List<PendingBatch> group) {
    WriteHealth.Fault fault = health.logFault;
    if (fault != null && !repair(fault)) {
      WriteHealth.Fault current = health.logFault;
      StoreClosedException error = new StoreClosedException(current.describe(), current.cause());
      for (PendingBatch b : group) {
        queue.refuse(b, error);
      }
      return;
    }
    WriteAheadLog.Position mark = wal.position();
    long start = System.nanoTime();
    try {
      for (PendingBatch batch : group) {
        wal.append(batch.receivedNanos, batch.payload);
        batch.end = wal.position();
      }
      wal.sync();
    } catch (IOException | RuntimeException e) {
      // Nothing of the group was acknowledged: undo it and refuse writes until the log works.
      metrics.writeFailures.labelValues("log").inc();
      WriteHealth.Fault next = health.nextFault(health.logFault, "write-ahead log", e);
      health.logFault = next;
      if (next.failures() == 1) {
        LOG.error("write-ahead log append failed: {}; refusing writes (503) and retrying with backoff. Acknowledged spans are safe.", e.toString());
      } else {
        LOG.warn("write-ahead log still failing (attempt {}): {}", next.failures(), e.toString());
      }
      failedGroupMark = mark;
      try {
        wal.truncateTo(mark);
      } catch (IOException | RuntimeException repair) {
        LOG.debug("write-ahead log: undoing the failed group failed too ({}); retrying later", repair.toString());
      }
      StoreClosedException error = new StoreClosedException(next.describe(), e);
      for (PendingBatch b : group) {
        queue.refuse(b, error);
      }
      PendingBatch b;
      while ((b = appendQueue.poll()) != null) {
        queue.refuse(b, error);
      }
      return;
    }
    metrics.writeLatency.observe((System.nanoTime() - start) / 1e9);
    if (health.logFault != null) {
      WriteHealth.Fault recovered = health.logFault;
      health.logFault = null;
      LOG.info("write-ahead log writable again after {} failed attempt(s) in {} ms", recovered.failures(),
          (System.nanoTime() - recovered.sinceNanos()) / 1_000_000);
    }
    for (PendingBatch batch : group) {
      metrics.spansStored.inc(batch.spans.size());
      if (batch.skewedSpans > 0) {
        metrics.clockSkewed.inc(batch.skewedSpans);
      }
      durable.accept(batch);
      complete(batch);
    }
  }

  private void complete(PendingBatch batch) {
    try {
      acks.execute(() -> batch.done.complete(null));
    } catch (RejectedExecutionException e) {
      batch.done.complete(null);
    }
  }

  /** Undoes what a failed group left once the backoff passed; false while the cause lasts. */
  private boolean repair(WriteHealth.Fault fault) {
    if (System.nanoTime() - fault.retryAtNanos() < 0) {
      return false;
    }
    try {
      wal.truncateTo(failedGroupMark != null ? failedGroupMark : wal.position());
      failedGroupMark = null;
      return true;
    } catch (IOException | RuntimeException e) {
      metrics.writeFailures.labelValues("recovery").inc();
      health.logFault = health.nextFault(fault, "write-ahead log", e);
      return false;
    }
  }

  /**
   * Field of the log record (a {@code TracesData}, where it is an unknown field) naming the tenant
   * of the batch; absent for {@link dev.tokentrail.store.Tenants#DEFAULT} (and in records written
   * before tenants were kept apart).
   */
  static final int TENANT_FIELD = 15_000;

  /**
   * The log record of a batch: its spans as a {@code TracesData} of resource groups (resource and
   * scope once per run of spans sharing them, in the batch's order), then the tenant. Records
   * written before held one {@code ResourceSpans} per span; replay reads both alike.
   */
  static byte[] record(SpanWireEncoder encoder, String tenant, List<Span> spans) {
    return encoder.tracesData(spans, TENANT_FIELD, Tenants.DEFAULT.equals(tenant) ? null : tenant);
  }
}
