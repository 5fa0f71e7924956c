package dev.tokentrail.ingest;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A store whose every write fails with the given exception, to test how receivers map it. */
final class FailingStore extends WriteOnlyStore {
  private final Supplier<RuntimeException> failure;

  FailingStore(Supplier<RuntimeException> failure) {
    this.failure = failure;
  }

  @Override
  public CompletableFuture<Void> accept(String tenant, List<IngestedSpan> spans) {
    return CompletableFuture.failedFuture(failure.get());
  }
}
