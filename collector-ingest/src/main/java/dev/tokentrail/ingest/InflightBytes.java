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
  /** What the messages name as the limit. */
  private final String setting;
  private final AtomicLong used = new AtomicLong();

  InflightBytes(long limit) {
    this(limit, "ingest.max_inflight_bytes");
  }

  /** A budget of {@code limit} bytes that refusals name as {@code setting}. */
  InflightBytes(long limit, String setting) {
    if (limit <= 0) {
      throw new IllegalArgumentException("maxInflightBytes: " + limit + " (expected: > 0)");
    }
    this.limit = limit;
    this.setting = setting;
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
    return "export needs " + bytes + " bytes in flight, more than " + setting + " (" + limit
        + "); send smaller batches or raise the limit";
  }

  /** Message of a 429 / RESOURCE_EXHAUSTED with a retry delay: other exports hold the budget. */
  String fullMessage() {
    return "ingest memory budget in use (" + setting + " " + limit + "); retry later";
  }

  Lease lease() {
    return new Lease(null);
  }

  /** A lease of this budget and, within it, of a tenant's {@code share}. */
  Lease lease(InflightBytes share) {
    return new Lease(share);
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

  /** What one export holds of the budget (and of its tenant's share, if any). */
  final class Lease implements AutoCloseable {
    private final InflightBytes share;
    private InflightBytes refusedBy;
    private long held;
    private boolean closed;

    private Lease(InflightBytes share) {
      this.share = share;
    }

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
      if (total > limit || (share != null && total > share.limit)) {
        refusedBy = total > limit ? InflightBytes.this : share;
        return Outcome.TOO_LARGE;
      }
      long more = total - held;
      if (share != null && !share.tryAcquire(more)) {
        refusedBy = share;
        return Outcome.FULL;
      }
      if (!tryAcquire(more)) {
        if (share != null) {
          share.used.addAndGet(-more);
        }
        refusedBy = InflightBytes.this;
        return Outcome.FULL;
      }
      held = total;
      return Outcome.OK;
    }

    /** The budget that refused this lease last (the tenant's share or the whole), for the message. */
    InflightBytes budget() {
      return refusedBy != null ? refusedBy : InflightBytes.this;
    }

    synchronized long held() {
      return held;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        used.addAndGet(-held);
        if (share != null) {
          share.used.addAndGet(-held);
        }
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
