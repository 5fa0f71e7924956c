package dev.tokentrail.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest memory budget in bytes: request bodies being received and decoded, and the decoded
 * spans of each export until the store has accepted them (its response is sent). Each export holds
 * a {@link Lease} that grows as its body arrives and once more when it is decoded; the lease is
 * returned when the export's response completes. Non-blocking: a lease that cannot grow is told
 * so, and the export is answered 429 / RESOURCE_EXHAUSTED with a retry delay.
 */
final class InflightBytes {
  /**
   * Heap bytes a decoded export holds per byte of its uncompressed protobuf: the protobuf message
   * objects (an object, a String and a header per attribute), the canonical spans built from them
   * with the attributes ingest adds, and the list that carries them to the store. Measured on chat
   * spans of the OTel SDK (InflightBytesTest); the estimate errs high.
   */
  static final int DECODED_BYTES_PER_WIRE_BYTE = 8;

  private final long limit;
  private final AtomicLong used = new AtomicLong();

  InflightBytes(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("maxInflightBytes: " + limit + " (expected: > 0)");
    }
    this.limit = limit;
  }

  /** A quarter of the maximum heap: the default of {@code ingest.max_inflight_bytes}. */
  static long defaultLimit() {
    return Runtime.getRuntime().maxMemory() / 4;
  }

  long limit() {
    return limit;
  }

  long used() {
    return used.get();
  }

  /** Message of a 413 / non-retryable RESOURCE_EXHAUSTED: this export alone exceeds the budget. */
  String tooLargeMessage(long bytes) {
    return "export needs " + bytes + " bytes in flight, more than ingest.max_inflight_bytes (" + limit
        + "); send smaller batches or raise the limit";
  }

  /** Message of a 429 / RESOURCE_EXHAUSTED with a retry delay: other exports hold the budget. */
  String fullMessage() {
    return "ingest memory budget in use (ingest.max_inflight_bytes " + limit + "); retry later";
  }

  Lease lease() {
    return new Lease();
  }

  private boolean tryAcquire(long bytes) {
    for (long current = used.get(); ; current = used.get()) {
      long next = current + bytes;
      if (next > limit) {
        return false;
      }
      if (used.compareAndSet(current, next)) {
        return true;
      }
    }
  }

  /** What one export holds of the budget. */
  final class Lease implements AutoCloseable {
    private long held;
    private boolean closed;

    /**
     * Grows the lease to {@code total} bytes. {@link Outcome#TOO_LARGE} when {@code total} exceeds
     * the whole budget (no retry can succeed), {@link Outcome#FULL} when other exports hold the room.
     */
    synchronized Outcome ensure(long total) {
      if (closed) {
        return Outcome.FULL;
      }
      if (total <= held) {
        return Outcome.OK;
      }
      if (total > limit) {
        return Outcome.TOO_LARGE;
      }
      if (!tryAcquire(total - held)) {
        return Outcome.FULL;
      }
      held = total;
      return Outcome.OK;
    }

    /** The budget this lease is part of. */
    InflightBytes budget() {
      return InflightBytes.this;
    }

    synchronized long held() {
      return held;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        used.addAndGet(-held);
        held = 0;
      }
    }
  }

  enum Outcome {
    OK,
    FULL,
    TOO_LARGE
  }
}
