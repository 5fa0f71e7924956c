package dev.tokentrail.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.StoreClosedException;
import dev.tokentrail.store.StoreOverloadedException;
import dev.tokentrail.store.Tenants;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the store reports what OpenSearch answers to a bulk write, against a fake OpenSearch that
 * answers the bulk as each test sets: load (429, rejected items) as overload, an unreachable
 * cluster as unavailable, other item failures naming the first item. None of them acknowledges.
 */
class WriteFailuresTest {
  private final AtomicReference<HttpResponseFactory> bulk = new AtomicReference<>();
  /** When set, a refresh of the span indices (a rollup round's first request) waits for it. */
  private final AtomicReference<CompletableFuture<Void>> refreshGate = new AtomicReference<>();
  private final CountDownLatch refreshAsked = new CountDownLatch(1);
  private Server fake;
  private OpenSearchSpanStore store;

  interface HttpResponseFactory {
    HttpResponse make();
  }

  @BeforeEach
  void startFake() {
    fake = Server.builder().http(0)
        .serviceUnder("/", (ctx, req) -> {
          String path = ctx.path();
          if (path.equals("/_bulk")) {
            return bulk.get().make();
          }
          CompletableFuture<Void> gate = refreshGate.get();
          if (gate != null && path.endsWith("/_refresh")) {
            refreshAsked.countDown();
            return HttpResponse.of(gate.thenApply(v -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{}")));
          }
          return HttpResponse.of(HttpStatus.OK, MediaType.JSON, path.endsWith("/_mget") ? "{\"docs\":[]}" : "{}");
        })
        .build();
    fake.start().join();
    store = OpenSearchSpanStore.builder().urls(List.of(URI.create("http://127.0.0.1:" + fake.activeLocalPort())))
        .indexPrefix("fake").requestTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stopFake() {
    store.close();
    fake.stop().join();
  }

  private static List<IngestedSpan> oneSpan() {
    long now = System.currentTimeMillis() * 1_000_000L;
    Span span = Span.builder().traceId(TraceId.fromHex("0123456789abcdef0123456789abcdef")).spanId(SpanId.fromHex("0123456789abcdef")).name("s")
        .startEpochNanos(now).endEpochNanos(now + 1000).build();
    return List.of(new IngestedSpan(span, null));
  }

  private Throwable writeFailure() throws Exception {
    try {
      store.accept(Tenants.DEFAULT, oneSpan()).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the write was acknowledged");
  }

  @Test
  void aBulkAnswered429IsOverloadWithARetryDelay() throws Exception {
    bulk.set(() -> HttpResponse.of(HttpStatus.TOO_MANY_REQUESTS, MediaType.JSON, "{\"error\":\"too many\"}"));

    Throwable failure = writeFailure();

    assertThat(failure).isInstanceOf(StoreOverloadedException.class).hasMessageContaining("429");
    assertThat(((StoreOverloadedException) failure).retryAfterSeconds()).isPositive();
  }

  @Test
  void anItemRejectedForLoadMakesTheWholeBatchRetryable() throws Exception {
    bulk.set(() -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, """
        {"errors":true,"items":[{"index":{"_id":"a","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]}"""));

    assertThat(writeFailure()).isInstanceOf(StoreOverloadedException.class).hasMessageContaining("rejected 1 of 1");
  }

  @Test
  void anItemRefusedForItsContentFailsTheBatchNamingIt() throws Exception {
    bulk.set(() -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, """
        {"errors":true,"items":[{"index":{"_id":"single-tenant/x","status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}}]}"""));

    assertThat(writeFailure()).isInstanceOf(OpenSearchClient.OpenSearchException.class)
        .hasMessageContaining("refused 1 of 1").hasMessageContaining("mapper_parsing_exception");
  }

  @Test
  void anUnreachableClusterIsUnavailable() throws Exception {
    fake.stop().join();

    assertThat(writeFailure()).isInstanceOf(StoreClosedException.class).hasMessageContaining("OpenSearch unavailable");
  }

  @Test
  void anUnreachableNodeInTheListIsSkippedAndRequestsGoToTheOthers() throws Exception {
    bulk.set(() -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"errors\":false,\"items\":[]}"));
    URI live = URI.create("http://127.0.0.1:" + fake.activeLocalPort());
    try (OpenSearchSpanStore twoNodes = OpenSearchSpanStore.builder().urls(List.of(nowhere(), live))
        .indexPrefix("fake").requestTimeout(Duration.ofSeconds(5)).build()) {
      for (int i = 0; i < 4; i++) {
        twoNodes.accept(Tenants.DEFAULT, oneSpan()).get(10, TimeUnit.SECONDS); // each acknowledged
      }
    }
  }

  @Test
  void theStoreReportsItsWritesOnTheRegistryItIsGiven() throws Exception {
    bulk.set(() -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"errors\":false,\"items\":[]}"));
    PrometheusRegistry registry = new PrometheusRegistry();
    try (OpenSearchSpanStore measured = OpenSearchSpanStore.builder()
        .urls(List.of(URI.create("http://127.0.0.1:" + fake.activeLocalPort()))).indexPrefix("fake")
        .registry(registry).build()) {
      measured.accept(Tenants.DEFAULT, oneSpan()).get(10, TimeUnit.SECONDS);

      Map<String, Double> values = new HashMap<>();
      for (MetricSnapshot snapshot : registry.scrape()) {
        for (DataPointSnapshot point : snapshot.getDataPoints()) {
          if (point instanceof CounterSnapshot.CounterDataPointSnapshot c) {
            values.put(snapshot.getMetadata().getName(), c.getValue());
          } else if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot g) {
            values.put(snapshot.getMetadata().getName(), g.getValue());
          } else if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot h) {
            values.put(snapshot.getMetadata().getName(), (double) h.getCount());
          }
        }
      }
      assertThat(values).containsEntry("tokentrail_store_spans_written", 1.0)
          .containsEntry("tokentrail_store_opensearch_bulk_seconds", 1.0)
          .containsKeys("tokentrail_store_opensearch_bulk_queue", "tokentrail_store_opensearch_bulks_in_flight",
              "tokentrail_store_opensearch_rollups_pending");
    }
  }

  @Test
  void tracesOfTheRollupRoundBeingWrittenCountAsPending() throws Exception {
    bulk.set(() -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, "{\"errors\":false,\"items\":[]}"));
    CompletableFuture<Void> gate = new CompletableFuture<>();
    PrometheusRegistry registry = new PrometheusRegistry();
    try (OpenSearchSpanStore measured = OpenSearchSpanStore.builder()
        .urls(List.of(URI.create("http://127.0.0.1:" + fake.activeLocalPort()))).indexPrefix("fake")
        .refreshInterval(Duration.ofMillis(50)).registry(registry).build()) {
      refreshGate.set(gate); // after the start, which refreshes the span indices too
      measured.accept(Tenants.DEFAULT, oneSpan()).get(10, TimeUnit.SECONDS);
      assertThat(refreshAsked.await(10, TimeUnit.SECONDS)).as("a rollup round started").isTrue();

      // The round took the trace off the marks, but its rollup is not written: still pending.
      assertThat(gauge(registry, "tokentrail_store_opensearch_rollups_pending")).isEqualTo(1.0);

      gate.complete(null);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (gauge(registry, "tokentrail_store_opensearch_rollups_pending") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(gauge(registry, "tokentrail_store_opensearch_rollups_pending")).isZero();
    }
  }

  private static double gauge(PrometheusRegistry registry, String name) {
    for (MetricSnapshot snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getName().equals(name)) {
        return ((GaugeSnapshot.GaugeDataPointSnapshot) snapshot.getDataPoints().get(0)).getValue();
      }
    }
    throw new AssertionError(name + " not registered");
  }

  private static URI nowhere() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return URI.create("http://127.0.0.1:" + port);
  }

  @Test
  void aStoreCannotBeBuiltAgainstAnUnreachableCluster() throws Exception {
    URI nowhere = nowhere();

    assertThatThrownBy(() -> OpenSearchSpanStore.builder().urls(List.of(nowhere)).build())
        .isInstanceOf(StoreClosedException.class).hasMessageContaining("OpenSearch unavailable");
  }
}
