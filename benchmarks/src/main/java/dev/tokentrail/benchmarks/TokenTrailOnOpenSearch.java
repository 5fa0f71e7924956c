package dev.tokentrail.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side benchmark's TokenTrail+OpenSearch column: the server with {@code
 * store.type=opensearch} against the node the OpenSearch column started, under its own index
 * prefix, one shard and no replica (as the OpenSearch column's index); its size is the primary
 * store size of its indices (spans and trace rollups) after a {@code _flush}.
 */
final class TokenTrailOnOpenSearch {
  static final String PREFIX = "ttbench";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenTrailOnOpenSearch() {}

  static TokenTrailContender.Store store(String nodeUrl) {
    return new TokenTrailContender.Store("TokenTrail+OpenSearch",
        List.of("--store-type", "opensearch", "--store-opensearch-urls", nodeUrl, "--store-opensearch-index-prefix", PREFIX),
        Map.of("TOKENTRAIL_STORE_OPENSEARCH_REPLICAS", "0", "TOKENTRAIL_STORE_OPENSEARCH_SHARDS", "1"),
        dataDir -> storeBytes(nodeUrl), () -> printIngestStats(nodeUrl));
  }

  /**
   * Where the node's time went while TokenTrail ingested, per index kind (span indices, the trace
   * index): documents indexed and indexing time, searches (the rollup rounds' reads) and their
   * query and fetch time, gets, refreshes and merges, from {@code _stats}.
   */
  private static void printIngestStats(String nodeUrl) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      JsonNode indices = JSON.readTree(send(http, HttpRequest.newBuilder(URI.create(
          nodeUrl + "/" + PREFIX + "-*/_stats/indexing,search,get,refresh,merge?level=indices")))).path("indices");
      long[] spans = new long[11];
      long[] traces = new long[11];
      indices.fields().forEachRemaining(e -> {
        JsonNode p = e.getValue().path("primaries");
        long[] sum = e.getKey().startsWith(PREFIX + "-spans-") ? spans : traces;
        long[] v = {p.path("indexing").path("index_total").asLong(), p.path("indexing").path("index_time_in_millis").asLong(),
            p.path("search").path("query_total").asLong(), p.path("search").path("query_time_in_millis").asLong(),
            p.path("search").path("fetch_time_in_millis").asLong(), p.path("get").path("total").asLong(),
            p.path("get").path("time_in_millis").asLong(), p.path("refresh").path("total").asLong(),
            p.path("refresh").path("total_time_in_millis").asLong(), p.path("merges").path("total").asLong(),
            p.path("merges").path("total_time_in_millis").asLong()};
        for (int i = 0; i < v.length; i++) {
          sum[i] += v[i];
        }
      });
      for (String kind : new String[] {"span indices", "trace index"}) {
        long[] v = kind.startsWith("span") ? spans : traces;
        System.out.printf(Locale.ROOT,
            "TokenTrail+OpenSearch: %s: %,d docs indexed in %,d ms; %,d queries %,d ms + fetch %,d ms; %,d gets %,d ms;"
                + " %,d refreshes %,d ms; %,d merges %,d ms%n",
            kind, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
      }
    }
  }

  private static long storeBytes(String nodeUrl) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      send(http, HttpRequest.newBuilder(URI.create(nodeUrl + "/" + PREFIX + "-*/_flush"))
          .POST(HttpRequest.BodyPublishers.noBody()));
      JsonNode stats = JSON.readTree(send(http, HttpRequest.newBuilder(URI.create(nodeUrl + "/" + PREFIX + "-*/_stats/store"))));
      return stats.path("_all").path("primaries").path("store").path("size_in_bytes").asLong();
    }
  }

  private static String send(HttpClient http, HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(r.request().method() + " " + r.request().uri() + ": HTTP " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }
}
