package dev.tokentrail.store.lucene;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Memory held by batches accepted and not yet indexed: spans and estimated bytes, reserved before
 * a batch is encoded and released once it is indexed (or refused). {@code accept} refuses past
 * either limit, except for one batch into an empty queue.
 */
final class WriteQueue {
  private final int maxSpans;
  private final long maxBytes;
  private final AtomicLong spans = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  WriteQueue(int maxSpans, long maxBytes) {
    this.maxSpans = maxSpans;
    this.maxBytes = maxBytes;
  }

  /**
   * Reserves room for {@code n} spans of {@code size} estimated bytes; null when it fits, else the
   * reason it does not (nothing is reserved then).
   */
  String reserve(int n, long size) {
    long queued = spans.addAndGet(n);
    long queuedNow = bytes.addAndGet(size);
    // One batch larger than a whole limit is still taken when nothing else is queued.
    if ((queued > maxSpans || queuedNow > maxBytes) && queued != n) {
      spans.addAndGet(-n);
      bytes.addAndGet(-size);
      return "span store write queue is full (" + (queued - n) + " spans, " + (queuedNow - size)
          + " bytes queued; limits " + maxSpans + " spans, " + maxBytes + " bytes); retry later";
    }
    return null;
  }

  /** Undoes a reservation whose batch was never queued. */
  void unreserve(int n, long size) {
    spans.addAndGet(-n);
    bytes.addAndGet(-size);
  }

  /** Frees what the batch still holds, once (indexed, refused, or dropped for a replay). */
  void release(PendingBatch batch) {
    if (batch.released.compareAndSet(false, true)) {
      spans.addAndGet(-batch.spans.size());
      bytes.addAndGet(-batch.bytes);
      batch.payload = null;
    }
  }

  /** Releases the batch and fails its acknowledgement. */
  void refuse(PendingBatch batch, Throwable error) {
    release(batch);
    batch.done.completeExceptionally(error);
  }

  long spans() {
    return spans.get();
  }

  long bytes() {
    return bytes.get();
  }

  long maxBytes() {
    return maxBytes;
  }
}
