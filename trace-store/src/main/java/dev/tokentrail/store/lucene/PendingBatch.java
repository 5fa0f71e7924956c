package dev.tokentrail.store.lucene;

import dev.tokentrail.model.Span;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.document.Document;

/** A batch accepted for writing, encoded and turned into documents on the caller's thread. */
final class PendingBatch {
  final List<Span> spans;
  byte[] payload;
  Document[] documents;
  final long receivedNanos;
  final long payloadBytes;
  final long bytes;
  final CompletableFuture<Void> done = new CompletableFuture<>();
  /** Log position after this batch's record; set by the log thread. */
  WriteAheadLog.Position end;
  final AtomicBoolean released = new AtomicBoolean();

  PendingBatch(List<Span> spans, byte[] payload, Document[] documents, long receivedNanos, long bytes) {
    this.spans = spans;
    this.payload = payload;
    this.documents = documents;
    this.receivedNanos = receivedNanos;
    this.payloadBytes = Math.min(bytes, payload.length);
    this.bytes = bytes;
  }
}
