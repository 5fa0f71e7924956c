package dev.tokentrail.server;

import dev.tokentrail.store.opensearch.OpenSearchSpanStore;
import dev.tokentrail.store.opensearch.OpenSearchSpanStoreBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code store.opensearch.*} settings, used when {@code store.type} is {@code opensearch}:
 * which cluster, how to authenticate, and how the store lays out and writes its indices.
 */
record OpenSearchSettings(
    List<URI> urls, String username, String password, String apiKey, Path caFile, String indexPrefix, int shards,
    int replicas, int bulkSize, int bulkConcurrency, Duration refreshInterval, OpenSearchSpanStoreBuilder.Codec codec) {

  static OpenSearchSettings resolve(Map<String, String> values) {
    List<URI> urls = new ArrayList<>();
    for (String part : values.get("store.opensearch.urls").split(",")) {
      String url = part.trim();
      if (url.isEmpty()) {
        continue;
      }
      try {
        URI uri = new URI(url);
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
          throw new URISyntaxException(url, "not http(s)://host:port");
        }
        urls.add(uri);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("store.opensearch.urls: " + url + " (expected: http://host:port or https://host:port, comma-separated)");
      }
    }
    if (urls.isEmpty()) {
      throw new IllegalArgumentException("store.opensearch.urls: '' (expected: at least one OpenSearch node URL)");
    }
    String username = blankToNull(values.get("store.opensearch.username"));
    String password = blankToNull(values.get("store.opensearch.password"));
    String apiKey = blankToNull(values.get("store.opensearch.api_key"));
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("store.opensearch.username and store.opensearch.password: only one is set (expected: both or neither)");
    }
    if (username != null && apiKey != null) {
      throw new IllegalArgumentException("store.opensearch.api_key: set with store.opensearch.username (expected: one way to authenticate)");
    }
    String ca = blankToNull(values.get("store.opensearch.ca_file"));
    return new OpenSearchSettings(List.copyOf(urls), username, password, apiKey, ca == null ? null : Path.of(ca),
        values.get("store.opensearch.index_prefix").trim(), ServerConfig.positiveInt(values, "store.opensearch.shards"),
        ServerConfig.nonNegativeInt(values, "store.opensearch.replicas"),
        ServerConfig.positiveInt(values, "store.opensearch.bulk_size"),
        ServerConfig.positiveInt(values, "store.opensearch.bulk_concurrency"),
        ServerConfig.positiveDuration(values, "store.opensearch.refresh_interval"), codec(values.get("store.opensearch.codec")));
  }

  private static OpenSearchSpanStoreBuilder.Codec codec(String value) {
    for (OpenSearchSpanStoreBuilder.Codec c : OpenSearchSpanStoreBuilder.Codec.values()) {
      if (c.setting().equals(value.trim())) {
        return c;
      }
    }
    throw new IllegalArgumentException("store.opensearch.codec: " + value + " (expected: default or best_compression)");
  }

  /** Connects and installs the index template; throws naming what is wrong with the cluster. */
  OpenSearchSpanStore open(Duration retention, int queueCapacity, PrometheusRegistry registry) {
    OpenSearchSpanStoreBuilder builder = OpenSearchSpanStore.builder()
        .registry(registry)
        .urls(urls)
        .indexPrefix(indexPrefix)
        .shards(shards, replicas)
        .bulkSize(bulkSize)
        .bulkConcurrency(bulkConcurrency)
        .refreshInterval(refreshInterval)
        .codec(codec)
        .queueCapacity(queueCapacity)
        .retention(retention);
    if (username != null) {
      builder.basicAuth(username, password);
    }
    if (apiKey != null) {
      builder.apiKey(apiKey);
    }
    if (caFile != null) {
      builder.caFile(caFile);
    }
    return builder.build();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }

  @Override
  public String toString() {
    return "OpenSearchSettings[urls=" + urls + ", indexPrefix=" + indexPrefix + "]"; // never the credentials
  }
}
