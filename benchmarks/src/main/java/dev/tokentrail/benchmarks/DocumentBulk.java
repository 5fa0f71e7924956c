package dev.tokentrail.benchmarks;

import dev.tokentrail.benchmarks.opensearch.OpenSearchSpans;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.store.opensearch.OpenSearchSpanStore;
import dev.tokentrail.store.opensearch.SpanDocumentBodies;
import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What bounds TokenTrail+OpenSearch ingest: one node indexes, in one run, OpenSearch's own plain
 * documents of the side-by-side workload (the anchor), then TokenTrail's span documents of the same
 * spans as the store writes them, sent straight to {@code _bulk} (no OTLP, pricing, trace days,
 * rollups or acknowledgement path) three ways: in bodies of about {@code --bulk-mb}; in bodies of
 * {@code --docs-per-bulk} documents (what one OTLP export of the SDK's default batch becomes); and
 * so with a {@code _refresh} of the span indices every {@code --refresh-ms} (the store's rollup
 * rounds refresh them). Each into fresh indices, after one unmeasured pass that warms the node;
 * ratios are to the anchor's documents per second.
 */
@Command(name = "document-bulk", mixinStandardHelpOptions = true,
    description = "OpenSearch's own documents vs TokenTrail's span documents through _bulk, on one node.")
public final class DocumentBulk implements Callable<Integer> {
  @Mixin
  WorkloadOptions workload = new WorkloadOptions();

  @Option(names = "--inflight", defaultValue = "4", description = "Bulk requests in flight (default ${DEFAULT-VALUE}).")
  int inflight;

  @Option(names = "--bulk-mb", defaultValue = "8", description = "Size of a large body in MB (default ${DEFAULT-VALUE}).")
  int bulkMb;

  @Option(names = "--docs-per-bulk", defaultValue = "512", description = "Documents in a small body (default ${DEFAULT-VALUE}).")
  int docsPerBulk;

  @Option(names = "--refresh-ms", defaultValue = "500", description = "Refresh period of the third way (default ${DEFAULT-VALUE}).")
  long refreshMs;

  @Mixin
  NodeOptions nodeOptions = new NodeOptions();

  public static void main(String[] args) {
    System.exit(new CommandLine(new DocumentBulk()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path distribution = nodeOptions.distribution();
    long now = System.currentTimeMillis() * 1_000_000L;
    TraceSource source = workload.source(now);
    List<IngestedSpan> ingested = source.ingested(); // the store's input
    List<byte[]> anchor = new ArrayList<>();
    OpenSearchSpans.bulkBodies(source.enriched(), bulkMb << 20, anchor::add);
    List<byte[]> warmup = new ArrayList<>();
    SpanDocumentBodies.bulkBodies("ttdocs-warmup", "default", ingested, Integer.MAX_VALUE, bulkMb << 20, warmup::add);
    List<byte[]> large = new ArrayList<>();
    SpanDocumentBodies.bulkBodies("ttdocs-large", "default", ingested, Integer.MAX_VALUE, bulkMb << 20, large::add);
    List<byte[]> small = new ArrayList<>();
    SpanDocumentBodies.bulkBodies("ttdocs-small", "default", ingested, docsPerBulk, bulkMb << 20, small::add);
    List<byte[]> refreshed = new ArrayList<>();
    SpanDocumentBodies.bulkBodies("ttdocs-refreshed", "default", ingested, docsPerBulk, bulkMb << 20, refreshed::add);

    Path work = Files.createTempDirectory("tokentrail-docbulk-");
    OpenSearchNode node = nodeOptions.start(distribution, work);
    try {
      OpenSearchSpans os = new OpenSearchSpans(node.httpUrl());
      os.createIndex();
      for (String prefix : List.of("ttdocs-warmup", "ttdocs-large", "ttdocs-small", "ttdocs-refreshed")) {
        OpenSearchSpanStore.builder().urls(List.of(URI.create(node.httpUrl()))).indexPrefix(prefix).shards(1, 0).build().close();
      }
      rate(os, warmup, null, 0); // the node's JIT and caches warm, so the first measured way is not the cold one
      double base = rate(os, anchor, null, 0);
      System.out.printf(Locale.ROOT, "OpenSearch's own documents, ~%d MB bodies: %,.0f docs/s%n", bulkMb, base);
      report("TokenTrail's span documents, ~" + bulkMb + " MB bodies", rate(os, large, null, 0), base);
      report("TokenTrail's span documents, " + docsPerBulk + " per body", rate(os, small, null, 0), base);
      report("TokenTrail's span documents, " + docsPerBulk + " per body, _refresh every " + refreshMs + " ms",
          rate(os, refreshed, node.httpUrl() + "/ttdocs-refreshed-spans-*/_refresh", refreshMs), base);
    } finally {
      node.close();
      OpenSearchNode.deleteWorkDir(work);
    }
    return 0;
  }

  private static void report(String what, double rate, double base) {
    System.out.printf(Locale.ROOT, "%s: %,.0f docs/s (%.2f of OpenSearch's own)%n", what, rate, rate / base);
  }

  /** Documents per second through {@code _bulk}; with {@code refreshUrl}, refreshed every {@code refreshMs} meanwhile. */
  private double rate(OpenSearchSpans os, List<byte[]> bodies, String refreshUrl, long refreshMs) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    Thread refresher = new Thread(() -> {
      try (HttpClient http = HttpClient.newHttpClient()) {
        while (!done.get()) {
          Thread.sleep(refreshMs);
          http.send(HttpRequest.newBuilder(URI.create(refreshUrl)).POST(HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.discarding());
        }
      } catch (Exception e) {
        // the run is over
      }
    }, "refresher");
    long start = System.nanoTime();
    if (refreshUrl != null) {
      refresher.start();
    }
    OpenSearchSpans.BulkResult result = os.bulk(bodies, inflight, start);
    done.set(true);
    if (refreshUrl != null) {
      refresher.join();
    }
    if (result.failed() > 0) {
      throw new IllegalStateException(result.failed() + " documents failed");
    }
    return result.acked() / ((System.nanoTime() - start) / 1e9);
  }
}
