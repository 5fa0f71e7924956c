package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import dev.tokentrail.store.Tenants;
import dev.tokentrail.store.conformance.Polling;
import dev.tokentrail.store.opensearch.testing.OpenSearchNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A two-node cluster started by the test (a cluster manager and a data node that joins it), one
 * node killed while the store ingests through both URLs: every batch the store acknowledged is
 * readable afterwards, every other batch failed with a retry-later exception, and once the dead node
 * is marked the store keeps writing through the live one.
 */
class ClusterFailureTest {
  private static final int BATCHES = 60;
  private static final int SPANS_PER_BATCH = 20;

  private OpenSearchNode manager;
  private OpenSearchNode data;

  @BeforeEach
  void startCluster() throws Exception {
    String zip = System.getProperty("tokentrail.opensearch.zip");
    Assumptions.assumeTrue(zip != null && Files.isRegularFile(Path.of(zip)), "no OpenSearch distribution at " + zip);
    String javaHomeEnv = System.getenv("OPENSEARCH_JAVA_HOME");
    Path javaHome = Path.of(javaHomeEnv != null ? javaHomeEnv : System.getProperty("java.home"));
    String reason = OpenSearchNode.unavailableReason(javaHome, "tokentrail-os");
    Assumptions.assumeTrue(reason == null, () -> "OpenSearch tests skipped: " + reason);
    Path work = Path.of(System.getProperty("tokentrail.opensearch.work",
        System.getProperty("java.io.tmpdir") + "/tokentrail-opensearch"));
    String cluster = "tt-two-" + ProcessHandle.current().pid();
    manager = OpenSearchNode.start(config(zip, work.resolve("two-manager"), javaHome, Map.of("cluster.name", cluster,
        "node.name", "manager", "cluster.initial_cluster_manager_nodes", "manager")));
    data = OpenSearchNode.start(config(zip, work.resolve("two-data"), javaHome, Map.of("cluster.name", cluster,
        "node.name", "data", "node.roles", "data,ingest", "discovery.seed_hosts", manager.transportAddress())));
    assertThat(get(manager.httpUrl() + "/_cluster/health?wait_for_nodes=2&timeout=60s")).contains("\"number_of_nodes\":2");
  }

  private static OpenSearchNode.Config config(String zip, Path dir, Path javaHome, Map<String, String> settings)
      throws Exception {
    OpenSearchNode.deleteWorkDir(dir);
    return new OpenSearchNode.Config(Path.of(zip), dir, javaHome, "512m", "tokentrail-os", false, settings,
        Duration.ofSeconds(180));
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (data != null) {
      data.close();
    }
    if (manager != null) {
      manager.close();
    }
  }

  @Test
  void aNodeKilledDuringIngestLosesNothingAcknowledged() throws Exception {
    List<List<IngestedSpan>> acknowledged = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    int acknowledgedAfterKill = 0;
    try (OpenSearchSpanStore store = OpenSearchSpanStore.builder()
        .urls(List.of(URI.create(data.httpUrl()), URI.create(manager.httpUrl())))
        .indexPrefix("tt-two")
        .shards(2, 1)
        .refreshInterval(Duration.ofMillis(200))
        .requestTimeout(Duration.ofSeconds(20))
        .build()) {
      for (int b = 0; b < BATCHES; b++) {
        List<IngestedSpan> batch = batch(b);
        CompletableFuture<Void> write = store.accept(Tenants.DEFAULT, batch);
        if (b == BATCHES / 3) {
          CompletableFuture.runAsync(data::kill); // while this batch is being written
        }
        try {
          write.get(60, TimeUnit.SECONDS);
          acknowledged.add(batch);
          if (b >= BATCHES / 3) {
            acknowledgedAfterKill++;
          }
        } catch (ExecutionException e) {
          failures.add(e.getCause());
        }
      }

      assertThat(failures).as("failed batches").allSatisfy(f ->
          assertThat(f).isInstanceOfAny(StoreClosedException.class, StoreOverloadedException.class));
      assertThat(acknowledgedAfterKill).as("batches acknowledged through the live node after the kill").isPositive();
      Polling.await(Duration.ofSeconds(60), () -> {
        for (List<IngestedSpan> batch : acknowledged) {
          for (IngestedSpan s : batch) {
            assertThat(store.getTrace(Tenants.DEFAULT, s.span().traceId(), 0, 0))
                .as("acknowledged trace %s", s.span().traceId()).contains(s.span());
          }
        }
      });
    }
  }

  private static List<IngestedSpan> batch(int b) {
    long start = System.currentTimeMillis() * 1_000_000L;
    List<IngestedSpan> out = new ArrayList<>();
    for (int i = 0; i < SPANS_PER_BATCH; i++) {
      TraceId traceId = new TraceId(0, b * SPANS_PER_BATCH + i + 1);
      Span span = Span.builder().traceId(traceId).spanId(new SpanId(i + 1)).name("batch-" + b)
          .startEpochNanos(start + i).endEpochNanos(start + i + 1000).build();
      out.add(new IngestedSpan(span, null));
    }
    return out;
  }

  private static String get(String url) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(90)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
  }
}
