package dev.tokentrail.benchmarks;

import dev.tokentrail.model.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends pre-built span batches through the OTel Java SDK's own OTLP exporters with a fixed number
 * of exports in flight, and waits until the last trace is readable through the query API. The
 * client half of the load generator and of the side-by-side benchmark.
 */
final class OtlpExport {
  /** Spans acknowledged (export succeeded) and failed, and the wall time until the last answer. */
  record Result(long acked, long failed, long ackNanos) {
    double ackedPerSecond() {
      return acked / (ackNanos / 1e9);
    }
  }

  private OtlpExport() {}

  /**
   * Exports {@code batches} with {@code inflight} exporters each holding one export in flight, as
   * {@code inflight} services each with a {@code BatchSpanProcessor} would; one exporter's OkHttp
   * sender rejects calls beyond its small dispatcher pool. The clock starts at {@code startNanos}.
   */
  static Result send(boolean grpc, String endpoint, String compression, Iterable<List<SpanData>> batches, int inflight, long startNanos)
      throws InterruptedException {
    BlockingQueue<SpanExporter> idle = new ArrayBlockingQueue<>(inflight);
    List<SpanExporter> exporters = new ArrayList<>();
    for (int i = 0; i < inflight; i++) {
      SpanExporter exporter =
          grpc
              ? OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).setCompression(compression).setTimeout(Duration.ofSeconds(30)).build()
              : OtlpHttpSpanExporter.builder().setEndpoint(endpoint + "/v1/traces").setCompression(compression).setTimeout(Duration.ofSeconds(30)).build();
      exporters.add(exporter);
      idle.add(exporter);
    }
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long lastReport = startNanos;
    try {
      for (List<SpanData> batch : batches) {
        SpanExporter exporter = idle.poll(120, TimeUnit.SECONDS);
        if (exporter == null) {
          throw new IllegalStateException("no export completed within 120 s; is the server alive?");
        }
        CompletableResultCode result = exporter.export(batch);
        result.whenComplete(
            () -> {
              (result.isSuccess() ? acked : failed).addAndGet(batch.size());
              idle.add(exporter);
            });
        long t = System.nanoTime();
        if (t - lastReport > 5_000_000_000L) {
          lastReport = t;
          System.out.printf(Locale.ROOT, "  ... %d acknowledged, %.0f spans/s%n", acked.get(), acked.get() / ((t - startNanos) / 1e9));
        }
      }
      // Every export has answered once every exporter is idle again.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      for (int returned = 0; returned < inflight; returned++) {
        if (idle.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) == null) {
          throw new IllegalStateException("exports still pending after 180 s");
        }
      }
    } finally {
      for (SpanExporter exporter : exporters) {
        exporter.shutdown().join(10, TimeUnit.SECONDS);
      }
    }
    return new Result(acked.get(), failed.get(), System.nanoTime() - startNanos);
  }

  /**
   * Polls {@code /api/traces/{id}} every 20 ms until it returns all of {@code trace}'s spans; the
   * {@link System#nanoTime()} at that moment, or -1 after {@code timeout}.
   */
  static long awaitSearchable(HttpClient http, String queryBase, List<Span> trace, Duration timeout)
      throws IOException, InterruptedException {
    String traceId = trace.get(0).traceId().hex();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (spanCount(http, queryBase, traceId) >= trace.size()) {
        return System.nanoTime();
      }
      Thread.sleep(20);
    }
    return -1;
  }

  /** Spans of the trace the query API returns (Tempo's /api/traces/{id} as protobuf), 0 when 404. */
  static int spanCount(HttpClient http, String queryBase, String traceId) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(URI.create(queryBase + "/api/traces/" + traceId))
                .header("Accept", "application/protobuf")
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      return 0;
    }
    int n = 0;
    for (ResourceSpans rs : TracesData.parseFrom(response.body()).getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        n += ss.getSpansCount();
      }
    }
    return n;
  }
}
