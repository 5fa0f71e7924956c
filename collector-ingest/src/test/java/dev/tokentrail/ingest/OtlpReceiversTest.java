package dev.tokentrail.ingest;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.genai.LlmSpanEnricher;
import dev.tokentrail.genai.CostCalculator;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class OtlpReceiversTest {
  private final SpanIngester ingester =
      SpanIngester.create(
          new FailingStore(IllegalStateException::new),
          LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(IngestServer.CATALOG)),
          new IngestMetrics(new PrometheusRegistry(), 10, new UnknownModels(10)),
          Clock.systemUTC());

  @Test
  void nonPositiveBodyLimitIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> OtlpReceivers.create(ingester, 0, 1))
        .withMessage("maxBodyBytes: 0 (expected: > 0)");
  }

  @Test
  void nonPositiveConcurrencyLimitIsRejected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> OtlpReceivers.create(ingester, 1024, 0))
        .withMessage("maxConcurrentRequests: 0 (expected: > 0)");
  }

  @Test
  void missingIngesterIsRejected() {
    assertThatNullPointerException().isThrownBy(() -> OtlpReceivers.create(null, 1024, 1)).withMessage("ingester");
  }
}
