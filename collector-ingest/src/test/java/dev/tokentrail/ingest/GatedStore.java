package dev.tokentrail.ingest;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** A store that acknowledges nothing until {@link #open()}: exports stay in flight meanwhile. */
final class GatedStore extends WriteOnlyStore {
  private final CompletableFuture<Void> gate = new CompletableFuture<>();
  final AtomicInteger accepted = new AtomicInteger();
  final CountDownLatch firstAccept = new CountDownLatch(1);

  @Override
  public CompletableFuture<Void> accept(String tenant, List<IngestedSpan> spans) {
    accepted.addAndGet(spans.size());
    firstAccept.countDown();
    return gate.thenApply(v -> null);
  }

  void open() {
    gate.complete(null);
  }

  /** Closing releases what is still in flight. */
  @Override
  public void close() {
    open();
  }
}
