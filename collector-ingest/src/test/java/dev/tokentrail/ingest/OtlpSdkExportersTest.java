package dev.tokentrail.ingest;

import dev.tokentrail.model.TraceId;
import dev.tokentrail.store.Tenants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.tokentrail.model.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * End to end: the real OTel Java SDK exporters send GenAI spans to the receivers on a real server,
 * over a real Lucene store; the stored span carries the catalog cost and metrics count the call.
 */
class OtlpSdkExportersTest {
  // gpt-4o since 2024-10-02: $2.50/M input, $1.25/M cached input, $10/M output.
  private static final double GPT_4O_INPUT_USD = 800 * 2.50e-6 + 200 * 1.25e-6;
  private static final double GPT_4O_OUTPUT_USD = 500 * 10.00e-6;
  private static final double EPS = 1e-12;

  /** The SDK exporters and encodings a service can be configured with. */
  enum Transport {
    GRPC,
    GRPC_GZIP,
    HTTP_PROTOBUF,
    HTTP_PROTOBUF_GZIP,
    HTTP_JSON,
    HTTP_JSON_GZIP;

    SpanExporter create(String baseUri) {
      boolean gzip = name().endsWith("_GZIP");
      String compression = gzip ? "gzip" : "none";
      if (this == GRPC || this == GRPC_GZIP) {
        return OtlpGrpcSpanExporter.builder()
            .setEndpoint(baseUri)
            .setCompression(compression)
            .setRetryPolicy(null)
            .setTimeout(Duration.ofSeconds(10))
            .build();
      }
      var builder =
          OtlpHttpSpanExporter.builder()
              .setEndpoint(baseUri + "/v1/traces")
              .setCompression(compression)
              .setRetryPolicy(null)
              .setTimeout(Duration.ofSeconds(10));
      return name().startsWith("HTTP_JSON") ? SdkSpans.jsonHttpExporter(builder) : builder.build();
    }
  }

  @TempDir Path dataDir;
  private IngestServer server;
  private SpanExporter exporter;

  @BeforeEach
  void startServer() {
    server = IngestServer.builder().luceneStore(dataDir).maxLabelValues(2).start();
  }

  @AfterEach
  void stop() {
    if (exporter != null) {
      exporter.shutdown().join(5, TimeUnit.SECONDS);
    }
    server.close();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void exportedCallIsStoredWithItsCatalogCost(Transport transport) {
    exporter = transport.create(server.baseUri());
    SpanData call = SdkSpans.chat("gpt-4o").tokens(1000, 500).cacheRead(200).record();

    assertExported(call);

    Span stored = awaitStored(call);
    assertThat(stored.spanId().hex()).isEqualTo(call.getSpanId());
    assertThat(stored.resource().serviceName()).isEqualTo("checkout");
    assertThat(stored.attributes())
        .containsEntry("gen_ai.request.model", "gpt-4o")
        .containsEntry("gen_ai.usage.input_tokens", 1000L)
        .containsEntry("gen_ai.usage.output_tokens", 500L)
        .containsEntry("gen_ai.usage.cache_read.input_tokens", 200L)
        .containsEntry("tokentrail.price.model", "gpt-4o");
    assertThat((Double) stored.attribute("tokentrail.cost.input_usd")).isCloseTo(GPT_4O_INPUT_USD, within(EPS));
    assertThat((Double) stored.attribute("tokentrail.cost.output_usd")).isCloseTo(GPT_4O_OUTPUT_USD, within(EPS));
    assertThat((Double) stored.attribute("tokentrail.cost.usd"))
        .isCloseTo(GPT_4O_INPUT_USD + GPT_4O_OUTPUT_USD, within(EPS));
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"GRPC", "HTTP_PROTOBUF", "HTTP_JSON"})
  void exportedCallIsCountedInCallTokenAndCostMetrics(Transport transport) {
    exporter = transport.create(server.baseUri());

    assertExported(SdkSpans.chat("gpt-4o").tokens(1000, 500).cacheRead(200).record());

    // Counted once the store acknowledged the batch, which is before the exporter's success.
    String[] labels = {
      "service", "checkout", "provider", "openai", "model", "gpt-4o", "operation", "chat",
      "team", "unknown", "project", "unknown", "status", "ok"
    };
    Metrics metrics = server.metrics();
    assertThat(metrics.counter("tokentrail_llm_calls_total", labels)).isEqualTo(1.0);
    assertThat(metrics.counter("tokentrail_llm_cost_usd_total", labels))
        .isCloseTo(GPT_4O_INPUT_USD + GPT_4O_OUTPUT_USD, within(EPS));
    assertThat(metrics.counter("tokentrail_llm_tokens_total", "type", "input")).isEqualTo(1000.0);
    assertThat(metrics.counter("tokentrail_llm_tokens_total", "type", "output")).isEqualTo(500.0);
    assertThat(metrics.counter("tokentrail_llm_tokens_total", "type", "cache_read")).isEqualTo(200.0);
    assertThat(metrics.counter("tokentrail_llm_tokens_total", "type", "cache_write")).isZero();
    assertThat(metrics.counter("tokentrail_ingest_spans_received_total")).isEqualTo(1.0);
  }

  @Test
  void serviceLabelsPastTheLimitAreCountedAsOther() {
    exporter = Transport.GRPC.create(server.baseUri());

    for (String service : List.of("search", "billing", "support", "support")) {
      assertExported(SdkSpans.chat("gpt-4o").service(service).tokens(10, 5).record());
    }

    Metrics metrics = server.metrics();
    assertThat(metrics.labelValues("tokentrail_llm_calls_total", "service"))
        .containsExactlyInAnyOrder("search", "billing", "other");
    assertThat(metrics.counter("tokentrail_llm_calls_total", "service", "other")).isEqualTo(2.0);
    assertThat(metrics.labelValues("tokentrail_llm_calls_total", "model")).containsExactly("gpt-4o");
  }

  private void assertExported(SpanData span) {
    CompletableResultCode result = exporter.export(List.of(span)).join(15, TimeUnit.SECONDS);
    assertThat(result.isDone()).as("export finished").isTrue();
    assertThat(result.isSuccess())
        .as("export succeeded (failure: %s)", result.getFailureThrowable())
        .isTrue();
  }

  private Span awaitStored(SpanData call) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> server.store.getTrace(Tenants.DEFAULT, TraceId.fromHex(call.getTraceId()), 0, 0), spans -> spans.size() == 1)
        .get(0);
  }
}
