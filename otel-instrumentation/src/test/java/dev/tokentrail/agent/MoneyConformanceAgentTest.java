package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.conformance.MoneyCase;
import dev.tokentrail.pricing.conformance.MoneyCase.Shape;
import dev.tokentrail.pricing.conformance.MoneyTable;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The money-conformance table (pricing/src/conformance) through the agent extension: an OTel SDK
 * span with the call's attributes (as the agent's instrumentations write them: input includes the
 * cache), started at the case's time and ended now, priced by {@link LlmSpanProcessor} from the
 * built-in catalog at the span's start.
 */
class MoneyConformanceAgentTest {
  private static final AttributeKey<Double> COST = AttributeKey.doubleKey("tokentrail.cost.usd");
  private static final AttributeKey<Double> COST_INPUT = AttributeKey.doubleKey("tokentrail.cost.input_usd");
  private static final AttributeKey<Double> COST_OUTPUT = AttributeKey.doubleKey("tokentrail.cost.output_usd");
  private static final AttributeKey<String> UNPRICED = AttributeKey.stringKey("tokentrail.price.unpriced_reason");

  private static InMemorySpanExporter spans;
  private static SdkMeterProvider meterProvider;
  private static SdkTracerProvider tracerProvider;

  @BeforeAll
  static void setUp() {
    spans = InMemorySpanExporter.create();
    meterProvider = SdkMeterProvider.builder().build();
    LlmSpanProcessor processor = new LlmSpanProcessor(PriceCatalog.builtIn(),
        LlmSpanProcessor.baggageAttributes(LlmSpanProcessor.defaultBaggageKeys()),
        new GenAiClientMetrics(() -> meterProvider.get("dev.tokentrail.agent")));
    tracerProvider = SdkTracerProvider.builder()
        .addSpanProcessor(processor)
        .addSpanProcessor(SimpleSpanProcessor.create(spans))
        .build();
  }

  @AfterAll
  static void tearDown() {
    tracerProvider.close();
    meterProvider.close();
  }

  @TestFactory
  List<DynamicTest> everyCaseCostsWhatThePublishedPricesSay() {
    List<DynamicTest> tests = new ArrayList<>();
    for (MoneyCase c : MoneyTable.cases()) {
      tests.add(DynamicTest.dynamicTest(c.id, () -> check(c)));
    }
    return tests;
  }

  private static void check(MoneyCase c) {
    String name = "money " + c.id;
    SpanBuilder builder = tracerProvider.get("dev.tokentrail.test").spanBuilder(name)
        .setSpanKind(SpanKind.CLIENT)
        // The processor prices a span at its start: ended now, it started at the case's time.
        .setStartTimestamp(c.startEpochNanos(), TimeUnit.NANOSECONDS);
    for (Map.Entry<String, Object> e : c.spanAttributes(Shape.INCLUSIVE).entrySet()) {
      if (e.getValue() instanceof Long) {
        builder.setAttribute(e.getKey(), (Long) e.getValue());
      } else {
        builder.setAttribute(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    Span span = builder.startSpan();
    span.end();

    SpanData data = null;
    for (SpanData finished : spans.getFinishedSpanItems()) {
      if (finished.getName().equals(name)) {
        data = finished;
      }
    }
    assertThat(data).as("%s was exported", c.id).isNotNull();
    Attributes a = data.getAttributes();
    Double total = a.get(COST);
    if (total == null) {
      assertThat(a.get(UNPRICED)).as("%s: no cost and no unpriced reason", c.id).isNotNull();
    }
    MoneyTable.verdict(c, "agent", total, a.get(COST_INPUT), a.get(COST_OUTPUT));
  }
}
