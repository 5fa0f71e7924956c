package dev.tokentrail.genai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.Cost;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanId;
import dev.tokentrail.model.SpanKind;
import dev.tokentrail.model.TraceId;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.conformance.MoneyCase;
import dev.tokentrail.pricing.conformance.MoneyCase.Shape;
import dev.tokentrail.pricing.conformance.MoneyTable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The money-conformance table (pricing/src/conformance) through the server's path: the span's
 * attributes read by {@link GenAiNormalizer}, the call priced by {@link CostCalculator} at the
 * span's start. Anthropic and Bedrock calls with cache tokens run twice: as OTel GenAI reports them
 * (input includes the cache) and in Anthropic's convention (cache reported beside input).
 */
class MoneyConformanceServerTest {
  private static final GenAiNormalizer NORMALIZER = GenAiNormalizer.create(AttributionKeys.DEFAULT);
  private static final CostCalculator CALCULATOR = new CostCalculator(PriceCatalog.builtIn());

  @TestFactory
  List<DynamicTest> everyCaseCostsWhatThePublishedPricesSay() {
    List<DynamicTest> tests = new ArrayList<>();
    for (MoneyCase c : MoneyTable.cases()) {
      for (Shape shape : c.serverShapes()) {
        String name = c.id + (shape == Shape.INCLUSIVE ? "" : " (cache beside input)");
        tests.add(DynamicTest.dynamicTest(name, () -> check(c, shape)));
      }
    }
    return tests;
  }

  private static void check(MoneyCase c, Shape shape) {
    Span span = Span.builder()
        .traceId(TraceId.fromHex("4bf92f3577b34da6a3ce929d0e0e4736"))
        .spanId(SpanId.fromHex("00f067aa0ba902b7"))
        .name(c.operation + " " + c.requestModel)
        .kind(SpanKind.CLIENT)
        .startEpochNanos(c.startEpochNanos())
        .endEpochNanos(c.startEpochNanos() + 1_000_000_000L)
        .attributes(c.spanAttributes(shape))
        .build();
    LlmCall call = NORMALIZER.extract(span);
    assertThat(call).as("%s is read as an LLM call", c.id).isNotNull();
    // The normalizer must recover the canonical counts, whatever the shape.
    assertThat(call.inputTokens()).as("%s canonical input", c.id).isEqualTo(c.input);
    assertThat(call.cacheReadTokens()).as("%s cache reads", c.id).isEqualTo(c.cacheRead > 0 ? c.cacheRead : LlmCall.UNKNOWN);
    Cost cost = CALCULATOR.price(call, span.startEpochNanos());
    boolean priced = cost.unpricedReason() == null;
    MoneyTable.verdict(c, shape == Shape.INCLUSIVE ? "server" : "server, cache beside input",
        priced ? cost.totalUsd() : null, priced ? cost.inputUsd() : null, priced ? cost.outputUsd() : null);
  }
}
