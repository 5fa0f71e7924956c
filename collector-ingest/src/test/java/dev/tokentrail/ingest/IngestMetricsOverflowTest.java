package dev.tokentrail.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Resource;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.TraceId;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12: two calls with 2^63-1 input tokens made every later scrape fail. */
class IngestMetricsOverflowTest {
  private static LlmCall call(long input, double usd) {
    return new LlmCall("chat", "openai", "gpt-4o", null, input, 10, 0, 0, 0, 0, 0, 0, null, null, Double.NaN,
        new Attribution("t", "p", null, null, null), null, null, Double.NaN, 0, null, null, -1, false,
        new Cost(usd, usd, 0, "gpt-4o", null, "v", null, "openai"));
  }

  private static final Span SPAN = Span.builder().traceId(TraceId.fromHex("0af7651916cd43dd8448eb211c80319c")).spanId(SpanId.fromHex("b7ad6b7169203331"))
      .resource(Resource.of(Map.of("service.name", "svc"))).build();

  @Test
  void twoMaxLongTokenCountsLeaveTheScrapeWorkingAndTheCounterPositive() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    IngestMetrics metrics = new IngestMetrics(registry, 100, new UnknownModels(10));

    metrics.llmCallStored(SPAN, call(Long.MAX_VALUE, 1), 0);
    metrics.llmCallStored(SPAN, call(Long.MAX_VALUE, 1), 0);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    assertThat(new Metrics(registry.scrape()).counter("tokentrail_llm_tokens_total", "type", "input"))
        .isGreaterThan(1.8e19);
  }

  @Test
  void aNonFiniteOrNegativeCostIsNeverAddedToACounter() {
    PrometheusRegistry registry = new PrometheusRegistry();
    IngestMetrics metrics = new IngestMetrics(registry, 100, new UnknownModels(10));

    metrics.llmCallStored(SPAN, call(10, Double.POSITIVE_INFINITY), 0);
    metrics.llmCallStored(SPAN, call(10, -1), 0);
    metrics.llmCallStored(SPAN, call(10, Double.NaN), 0);
    metrics.llmCallStored(SPAN, call(10, 0.5), 0);

    Metrics m = new Metrics(registry.scrape());
    assertThat(m.counter("tokentrail_llm_cost_usd_total")).isEqualTo(0.5);
    assertThat(m.counter("tokentrail_llm_calls_total")).isEqualTo(4);
  }

  @Test
  void sanitizedAttributesAreCountedByReason() {
    PrometheusRegistry registry = new PrometheusRegistry();
    IngestMetrics metrics = new IngestMetrics(registry, 100, new UnknownModels(10));

    metrics.attributeSanitized("implausible");
    metrics.attributeSanitized("implausible");
    metrics.attributeSanitized("server_owned");

    Metrics m = new Metrics(registry.scrape());
    assertThat(m.counter("tokentrail_ingest_attributes_sanitized_total", "reason", "implausible")).isEqualTo(2);
    assertThat(m.counter("tokentrail_ingest_attributes_sanitized_total", "reason", "server_owned")).isEqualTo(1);
    assertThat(m.counter("tokentrail_ingest_attributes_sanitized_total", "reason", "non_finite")).isZero();
  }
}
