package dev.tokentrail.store.opensearch;

import dev.tokentrail.store.SpanStore;
import dev.tokentrail.store.conformance.StoreHarness;
import dev.tokentrail.store.conformance.StoreOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens {@link OpenSearchSpanStore}s on the shared test node, each harness under its own index
 * prefix (its indices and template deleted by {@link #close()}), with one shard, no replica and a
 * short refresh interval so tests wait little. A restart opens a new store on the same prefix.
 */
final class OpenSearchHarness implements StoreHarness {
  private static final AtomicInteger HARNESSES = new AtomicInteger();

  private final String url = TestNode.url();
  private final String prefix = "tt-" + ProcessHandle.current().pid() + "-" + HARNESSES.incrementAndGet();
  private StoreOptions lastOptions;

  @Override
  public SpanStore open(StoreOptions options) {
    lastOptions = options;
    OpenSearchSpanStoreBuilder builder = OpenSearchSpanStore.builder()
        .urls(List.of(URI.create(url)))
        .indexPrefix(prefix)
        .shards(1, 0)
        .refreshInterval(Duration.ofMillis(100))
        .clock(options.clock());
    if (options.retention() != null) {
      builder.retention(options.retention());
    }
    return builder.build();
  }

  @Override
  public boolean supportsRestart() {
    return true;
  }

  @Override
  public SpanStore restart(SpanStore store) {
    store.close();
    return open(lastOptions);
  }

  @Override
  public Duration visibilityBound() {
    return Duration.ofSeconds(15);
  }

  @Override
  public void close() {
    delete("/" + prefix + "-*?expand_wildcards=all");
    delete("/_index_template/" + prefix + "-spans");
  }

  private void delete(String path) {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path)).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300 && r.statusCode() != 404) {
        throw new IllegalStateException("DELETE " + path + ": " + r.statusCode() + " " + r.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException("DELETE " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
