package dev.tokentrail.store.lucene;

import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A batch accepted for writing: its spans with their calls, and its write-ahead log record (the
 * batch's resource groups, encoded on the caller's thread), held until the batch is indexed: the
 * indexing threads copy each span's stored form from it ({@link RecordSpans}).
 */
final class PendingBatch {
  final String tenant;
  final List<Span> spans;
  final LlmCall[] calls;
  byte[] payload;
  final long receivedNanos;
  final int skewedSpans;
  final long bytes;
  final CompletableFuture<Void> done = new CompletableFuture<>();
  /** Log position after this batch's record; set by the log thread. */
  WriteAheadLog.Position end;
  /** Order in which the log handed the batch to the indexer. */
  long seq;
  final AtomicBoolean released = new AtomicBoolean();
  /** Slices of the batch the indexing threads have not finished; set by the indexer. */
  final java.util.concurrent.atomic.AtomicInteger slicesLeft = new java.util.concurrent.atomic.AtomicInteger();
  /** A slice stopped short of indexing (a fatal error): the batch never counts as indexed. */
  volatile boolean unsettled;
  private RecordSpans recordSpans;
  private boolean recordIndexed;

  /**
   * Where the spans lie in the log record, found by the first indexing thread that asks; null when
   * the record was released or does not line up (the spans are then encoded).
   */
  synchronized RecordSpans recordSpans() {
    if (!recordIndexed) {
      recordSpans = RecordSpans.of(payload, spans.size());
      recordIndexed = true;
    }
    return recordSpans;
  }

  PendingBatch(String tenant, List<Span> spans, LlmCall[] calls, byte[] payload, long receivedNanos,
      int skewedSpans, long bytes) {
    this.tenant = tenant;
    this.spans = spans;
    this.calls = calls;
    this.payload = payload;
    this.receivedNanos = receivedNanos;
    this.skewedSpans = skewedSpans;
    this.bytes = bytes;
  }
}
