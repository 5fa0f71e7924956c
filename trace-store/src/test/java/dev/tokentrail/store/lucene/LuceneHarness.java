package dev.tokentrail.store.lucene;

import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.conformance.StoreHarness;
import dev.tokentrail.store.conformance.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Opens {@link LuceneSpanStore}s for the conformance suite, each in its own temporary directory
 * (deleted by {@link #close()}), refreshing often so tests wait little; a restart reopens the same
 * directory.
 */
final class LuceneHarness implements StoreHarness {
  private final Path root;
  private StoreOptions lastOptions;
  private Path lastDir;
  private int opened;

  LuceneHarness() {
    try {
      root = Files.createTempDirectory("tokentrail-conformance-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public SpanStore open(StoreOptions options) {
    lastOptions = options;
    lastDir = root.resolve("store-" + opened++);
    return open(lastDir, options);
  }

  private static SpanStore open(Path dir, StoreOptions options) {
    LuceneSpanStoreBuilder builder = LuceneSpanStore.builder(dir)
        .clock(options.clock())
        .refreshInterval(Duration.ofMillis(20));
    if (options.retention() != null) {
      builder.retention(options.retention()).retentionCheckInterval(Duration.ofMillis(50));
    }
    if (options.partitionDuration() != null) {
      builder.partitionDuration(options.partitionDuration());
    }
    return builder.open();
  }

  @Override
  public boolean supportsRestart() {
    return true;
  }

  @Override
  public SpanStore restart(SpanStore store) {
    store.close();
    return open(lastDir, lastOptions);
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
