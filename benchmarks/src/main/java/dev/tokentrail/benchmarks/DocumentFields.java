package dev.tokentrail.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokentrail.benchmarks.opensearch.OpenSearchSpans;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.store.opensearch.OpenSearchSpanStore;
import dev.tokentrail.store.opensearch.SpanDocumentBodies;
import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What each part of TokenTrail's span document costs OpenSearch: the same spans' documents indexed
 * whole and without one part at a time (the resource attribute views, the span attribute views,
 * the kept span JSON, the call columns), each into its own index of the store's template, one after
 * another on one warm node; per variant the indexing rate, OpenSearch's indexing time per document
 * and the bytes per document once force-merged, beside OpenSearch's own documents of the
 * side-by-side benchmark. Indexing rates on a 2-core machine are noisy: the full documents are
 * indexed twice, first and last.
 */
@Command(name = "document-fields", mixinStandardHelpOptions = true,
    description = "Indexing cost and bytes of TokenTrail's span documents, whole and without one part at a time.")
public final class DocumentFields implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin
  WorkloadOptions workload = new WorkloadOptions();

  @Mixin
  NodeOptions nodeOptions = new NodeOptions();

  public static void main(String[] args) {
    System.exit(new CommandLine(new DocumentFields()).execute(args));
  }

  /** The variants, in the order they are indexed: a name and what it removes from each document. */
  private static Map<String, Consumer<ObjectNode>> variants() {
    Map<String, Consumer<ObjectNode>> out = new LinkedHashMap<>();
    out.put("whole", d -> {});
    out.put("without resource views", d -> {
      d.remove(List.of("resource_keys", "resource_terms"));
      ((ObjectNode) d.get("span_json")).remove("resource");
    });
    out.put("without span attribute views", d -> d.remove(List.of("span_keys", "span_terms")));
    out.put("without the span JSON", d -> d.remove("span_json"));
    out.put("without call and number columns", d -> {
      List<String> columns = new ArrayList<>();
      d.fieldNames().forEachRemaining(f -> {
        if (f.startsWith("call_") || f.startsWith("num_")) {
          columns.add(f);
        }
      });
      d.remove(columns);
    });
    out.put("whole, again", d -> {});
    return out;
  }

  @Override
  public Integer call() throws Exception {
    Path distribution = nodeOptions.distribution();
    long now = System.currentTimeMillis() * 1_000_000L;
    TraceSource source = workload.source(now);
    List<IngestedSpan> ingested = source.ingested(); // the store's input
    List<byte[]> anchor = new ArrayList<>();
    OpenSearchSpans.bulkBodies(source.enriched(), 8 << 20, anchor::add);

    Path work = Files.createTempDirectory("tokentrail-docfields-");
    OpenSearchNode node = nodeOptions.start(distribution, work);
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      OpenSearchSpans os = new OpenSearchSpans(node.httpUrl());
      os.createIndex();
      // Unmeasured: the node's JIT and caches warm before the first measured variant.
      index(http, node.httpUrl(), os, "ttwarm", ingested, d -> {}, null);
      System.out.printf("%n| documents | docs/s | indexing µs/doc | JSON B/doc | bytes/doc, merged |%n|---|---:|---:|---:|---:|%n");
      int i = 0;
      for (Map.Entry<String, Consumer<ObjectNode>> v : variants().entrySet()) {
        index(http, node.httpUrl(), os, "ttv" + i++, ingested, v.getValue(), v.getKey());
      }
      long t0 = System.nanoTime();
      OpenSearchSpans.BulkResult bulk = os.bulk(anchor, 4, t0);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long anchorBytes = 0;
      for (byte[] body : anchor) {
        anchorBytes += body.length;
      }
      report(http, node.httpUrl(), OpenSearchSpans.INDEX, "OpenSearch's own (side by side)", bulk, seconds,
          (double) anchorBytes / bulk.acked());
    } finally {
      node.close();
      OpenSearchNode.deleteWorkDir(work);
    }
    return 0;
  }

  private static void index(HttpClient http, String url, OpenSearchSpans os, String prefix, List<IngestedSpan> ingested,
      Consumer<ObjectNode> change, String name) throws Exception {
    OpenSearchSpanStore.builder().urls(List.of(URI.create(url))).indexPrefix(prefix).shards(1, 0).build().close();
    List<byte[]> raw = new ArrayList<>();
    SpanDocumentBodies.bulkBodies(prefix, "default", ingested, Integer.MAX_VALUE, 8 << 20, raw::add);
    List<byte[]> bodies = new ArrayList<>();
    long docBytes = 0;
    for (byte[] body : raw) {
      String[] lines = new String(body, StandardCharsets.UTF_8).split("\n");
      StringBuilder out = new StringBuilder(body.length);
      for (int i = 0; i + 1 < lines.length; i += 2) {
        ObjectNode doc = (ObjectNode) JSON.readTree(lines[i + 1]);
        change.accept(doc);
        String json = JSON.writeValueAsString(doc);
        docBytes += json.length() + lines[i].length() + 2;
        out.append(lines[i]).append('\n').append(json).append('\n');
      }
      bodies.add(out.toString().getBytes(StandardCharsets.UTF_8));
    }
    long t0 = System.nanoTime();
    OpenSearchSpans.BulkResult bulk = os.bulk(bodies, 4, t0);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (bulk.failed() > 0) {
      throw new IOException(bulk.failed() + " documents of " + prefix + " failed");
    }
    if (name != null) {
      report(http, url, prefix + "-spans-*", "TokenTrail's, " + name, bulk, seconds, (double) docBytes / bulk.acked());
    }
  }

  private static void report(HttpClient http, String url, String index, String name, OpenSearchSpans.BulkResult bulk,
      double seconds, double bodyBytesPerDoc) throws Exception {
    send(http, "POST", url + "/" + index + "/_refresh");
    JsonNode indexing = JSON.readTree(send(http, "GET", url + "/" + index + "/_stats/indexing"))
        .path("_all").path("primaries").path("indexing");
    long millis = indexing.path("index_time_in_millis").asLong();
    long bytes = new OpenSearchSpans(url).storeBytesAfterForceMerge(index);
    System.out.printf(Locale.ROOT, "| %s | %,.0f | %.0f | %.0f | %.1f |%n", name, bulk.acked() / seconds,
        millis * 1000.0 / bulk.acked(), bodyBytesPerDoc, (double) bytes / bulk.acked());
  }

  private static String send(HttpClient http, String method, String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(300)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(method + " " + url + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }
}
