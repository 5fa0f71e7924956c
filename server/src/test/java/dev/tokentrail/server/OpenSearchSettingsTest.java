package dev.tokentrail.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokentrail.store.opensearch.OpenSearchSpanStoreBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code store.opensearch.*} settings as the server resolves them, and the values refused at start. */
class OpenSearchSettingsTest {

  private static ServerConfig resolve(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("TOKENTRAIL_STORE_TYPE", "opensearch");
    return ServerConfig.resolve(Map.of(), all, null);
  }

  @Test
  void settingsAreReadOnlyForTheOpenSearchStore() {
    assertThat(ServerConfig.resolve(Map.of(), Map.of(), null).openSearch()).isNull();

    OpenSearchSettings settings = resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_URLS", " https://os-1:9200, ,https://os-2:9200 ",
        "TOKENTRAIL_STORE_OPENSEARCH_USERNAME", "tokentrail", "TOKENTRAIL_STORE_OPENSEARCH_PASSWORD", "s3cret",
        "TOKENTRAIL_STORE_OPENSEARCH_CA_FILE", "/etc/os-ca.pem", "TOKENTRAIL_STORE_OPENSEARCH_REPLICAS", "0"))
        .openSearch();

    assertThat(settings.urls()).containsExactly(URI.create("https://os-1:9200"), URI.create("https://os-2:9200"));
    assertThat(settings.username()).isEqualTo("tokentrail");
    assertThat(settings.password()).isEqualTo("s3cret");
    assertThat(settings.apiKey()).isNull();
    assertThat(settings.caFile()).isEqualTo(Path.of("/etc/os-ca.pem"));
    assertThat(settings.indexPrefix()).isEqualTo("tokentrail");
    assertThat(settings.replicas()).isZero();
    assertThat(settings.codec()).isEqualTo(OpenSearchSpanStoreBuilder.Codec.DEFAULT);
    assertThat(settings.refreshInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(settings.toString()).doesNotContain("s3cret");
  }

  @Test
  void theCodecIsOneOfOpenSearchsTwoBuiltInOnes() {
    assertThat(resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_CODEC", " best_compression")).openSearch().codec())
        .isEqualTo(OpenSearchSpanStoreBuilder.Codec.BEST_COMPRESSION);
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_CODEC", "zstd")))
        .hasMessage("store.opensearch.codec: zstd (expected: default or best_compression)");
  }

  @Test
  void theRefreshIntervalIsAPositiveDuration() {
    assertThat(resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_REFRESH_INTERVAL", "5s")).openSearch().refreshInterval())
        .isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_REFRESH_INTERVAL", "0s")))
        .hasMessage("store.opensearch.refresh_interval: 0s (expected: > 0)");
  }

  @Test
  void urlsThatAreNotHttpNodeUrlsAreRefused() {
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_URLS", "http://os-1:9200,ftp://os-2")))
        .hasMessage("store.opensearch.urls: ftp://os-2 (expected: http://host:port or https://host:port, comma-separated)");
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_URLS", "os-1:9200")))
        .hasMessageStartingWith("store.opensearch.urls: os-1:9200 (expected:");
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_URLS", " , ")))
        .hasMessage("store.opensearch.urls: '' (expected: at least one OpenSearch node URL)");
  }

  @Test
  void credentialsMustBeOneCompleteWayToAuthenticate() {
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_USERNAME", "tokentrail")))
        .hasMessageStartingWith("store.opensearch.username and store.opensearch.password: only one is set");
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_USERNAME", "tokentrail",
        "TOKENTRAIL_STORE_OPENSEARCH_PASSWORD", "s3cret", "TOKENTRAIL_STORE_OPENSEARCH_API_KEY", "key")))
        .hasMessageStartingWith("store.opensearch.api_key: set with store.opensearch.username");
  }

  @Test
  void sizesOutOfRangeAreRefusedWithTheirKey() {
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_REPLICAS", "-1")))
        .hasMessage("store.opensearch.replicas: -1 (expected: >= 0)");
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_SHARDS", "0")))
        .hasMessage("store.opensearch.shards: 0 (expected: > 0)");
    assertThatThrownBy(() -> resolve(Map.of("TOKENTRAIL_STORE_OPENSEARCH_BULK_SIZE", "many")))
        .hasMessageStartingWith("store.opensearch.bulk_size: many");
  }
}
