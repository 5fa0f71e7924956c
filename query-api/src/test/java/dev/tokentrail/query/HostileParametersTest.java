package dev.tokentrail.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import dev.tokentrail.store.lucene.LuceneSpanStore;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 12, item 5: every hostile parameter of the query API is a 400 naming it, never a 500
 * ("long overflow") and never a query that runs away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileParametersTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String MAX = Long.toString(Long.MAX_VALUE);
  private static final String MIN = Long.toString(Long.MIN_VALUE);

  @TempDir static Path dir;
  LuceneSpanStore store;
  Server server;

  @BeforeAll
  void start() {
    store = LuceneSpanStore.builder(dir.resolve("data")).open();
    ServerBuilder sb = Server.builder().http(0);
    QueryApi.builder(store, new PrometheusRegistry())
        .analytics(dev.tokentrail.analysis.WasteEngine.builder(store, dev.tokentrail.pricing.PriceCatalog.builtIn()).build())
        .build()
        .install(sb);
    server = sb.build();
    server.start().join();
  }

  @AfterAll
  void stop() {
    server.stop().join();
    store.close();
  }

  static Stream<Arguments> hostile() {
    String q = "q=" + enc("{ }");
    String mq = "q=" + enc("{ } | rate()");
    return Stream.of(
        // Tempo search and tags: unix seconds.
        Arguments.of("/api/search?" + q + "&start=" + MAX, "start"),
        Arguments.of("/api/search?" + q + "&end=" + MAX, "end"),
        Arguments.of("/api/search?" + q + "&start=-1", "start"),
        Arguments.of("/api/search?" + q + "&start=99999999999999999999", "start"),
        Arguments.of("/api/search?" + q + "&start=200&end=100", "start"),
        Arguments.of("/api/search?" + q + "&start=1&end=9000000000", "start/end"),
        Arguments.of("/api/search?" + q + "&limit=" + MAX, "limit"),
        Arguments.of("/api/search?" + q + "&limit=-1", "limit"),
        Arguments.of("/api/search?" + q + "&spss=" + MAX, "spss"),
        Arguments.of("/api/search?" + q + "&spss=-5", "spss"),
        Arguments.of("/api/search?" + q + "&minDuration=" + MAX + "h", "minDuration"),
        Arguments.of("/api/search/tags?end=" + MAX, "end"),
        Arguments.of("/api/search/tags?start=200&end=100", "start"),
        Arguments.of("/api/v2/search/tags?start=" + MIN, "start"),
        Arguments.of("/api/v2/search/tag/span.x/values?end=" + MAX, "end"),
        Arguments.of("/api/search/tag/x/values?limit=" + MAX, "limit"),
        Arguments.of("/api/traces/0af7651916cd43dd8448eb211c80319c?start=" + MAX, "start"),
        // TraceQL metrics: seconds, nanoseconds, RFC 3339, durations.
        Arguments.of("/api/metrics/query_range?" + mq + "&start=" + MAX + "&end=" + MAX, "end"),
        Arguments.of("/api/metrics/query_range?" + mq + "&start=9999999999", "start"),
        Arguments.of("/api/metrics/query_range?" + mq + "&end=9999999999", "end"),
        Arguments.of("/api/metrics/query_range?" + mq + "&start=-5", "start"),
        Arguments.of("/api/metrics/query_range?" + mq + "&start=1e300", "start"),
        Arguments.of("/api/metrics/query_range?" + mq + "&end=9999-12-31T23:59:59Z", "end"),
        Arguments.of("/api/metrics/query_range?" + mq + "&since=99999999999999999999d", "since"),
        Arguments.of("/api/metrics/query_range?" + mq + "&since=9223372036854775807y", "since"),
        Arguments.of("/api/metrics/query_range?" + mq + "&step=1e300", "step"),
        Arguments.of("/api/metrics/query_range?" + mq + "&step=NaN", "step"),
        Arguments.of("/api/metrics/query_range?" + mq + "&step=-1", "step"),
        Arguments.of("/api/metrics/query_range?" + mq + "&step=99999999999999999999h", "step"),
        Arguments.of("/api/metrics/query_range?" + mq + "&start=100&end=50", "end"),
        Arguments.of("/api/metrics/query_range?" + mq + "&start=1&end=1700000000", "start/end"),
        Arguments.of("/api/metrics/query?" + mq + "&since=" + MAX + "d", "since"),
        // /api/v1: epoch millis or ISO-8601.
        Arguments.of("/api/v1/traces/top?from=" + MAX, "from"),
        Arguments.of("/api/v1/traces/top?to=" + MAX, "to"),
        Arguments.of("/api/v1/traces/top?to=99999999999999999999", "to"),
        Arguments.of("/api/v1/traces/top?from=+1000000000-01-01T00:00:00Z", "from"),
        Arguments.of("/api/v1/traces/top?from=200&to=100", "from"),
        Arguments.of("/api/v1/traces/top?limit=" + MAX, "limit"),
        Arguments.of("/api/v1/cost?to=" + MAX, "to"),
        Arguments.of("/api/v1/cost?from=" + MAX + "&to=" + MAX, "from"),
        Arguments.of("/api/v1/cost?step=" + MAX + "y", "step"),
        Arguments.of("/api/v1/waste/summary?to=99999999999999999999", "to"),
        Arguments.of("/api/v1/waste/duplicates?to=" + MAX, "to"),
        Arguments.of("/api/v1/waste/duplicates?limit=0", "limit"),
        Arguments.of("/api/v1/waste/prefix-cache?from=200&to=100", "from"),
        Arguments.of("/api/v1/waste/prefix-cache?limit=" + MAX, "limit"),
        Arguments.of("/api/v1/efficiency?by=region", "by"),
        Arguments.of("/api/v1/efficiency?min_outcomes=0", "min_outcomes"),
        Arguments.of("/api/v1/efficiency?min_outcomes=" + MAX, "min_outcomes"),
        Arguments.of("/api/v1/efficiency?limit=-1", "limit"),
        Arguments.of("/api/v1/outcomes?from=" + MAX, "from"),
        Arguments.of("/api/v1/focus?granularity=week", "granularity"),
        Arguments.of("/api/v1/focus?format=xml", "format"),
        Arguments.of("/api/v1/focus?from=200&to=100", "from"),
        Arguments.of("/api/v1/focus?to=99999999999999999999", "to"),
        Arguments.of("/api/v1/focus?granularity=hour&from=0&to=" + Long.MAX_VALUE / 1_000_000L, "query.max_range"),
        // Queries: regex complexity, length, conditions, nesting.
        Arguments.of("/api/search?q=" + enc("{ span.x =~ \"((a{1,100}){1,100}){1,100}\" }"), "limit"),
        Arguments.of("/api/metrics/query_range?q=" + enc("{ span.x =~ \"((a{1,100}){1,100}){1,100}\" } | rate()"), "limit"),
        Arguments.of("/api/v1/traces/top?q=" + enc("{ span.x =~ \"((a{1,100}){1,100}){1,100}\" }"), "limit"),
        Arguments.of("/api/search?q=" + enc("{ " + "span.x = 1 || ".repeat(300) + "span.x = 1 }"), "query.max_conditions"),
        Arguments.of("/api/search?q=" + enc("{ " + "(".repeat(100) + "span.x = 1" + ")".repeat(100) + " }"), "nested"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void hostileParameterIsA400NamingIt(String pathAndQuery, String named) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort() + pathAndQuery))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.body()).contains(named).doesNotContain("overflow");
  }

  @org.junit.jupiter.api.Test
  void queryLongerThanTheLimitIsRefusedNamingTheSetting() {
    String q = "{ span.x = \"" + "a".repeat(20_000) + "\" }";
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.tokentrail.query.traceql.TraceQlParser.parse(q))
        .isInstanceOf(dev.tokentrail.query.traceql.TraceQlException.class)
        .hasMessageContaining("query.max_length");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
