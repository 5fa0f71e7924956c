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
        dataDir -> storeBytes(nodeUrl));
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
