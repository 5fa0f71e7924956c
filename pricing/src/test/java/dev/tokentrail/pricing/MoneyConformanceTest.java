package dev.tokentrail.pricing;

import dev.tokentrail.pricing.conformance.MoneyCase;
import dev.tokentrail.pricing.conformance.MoneyTable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The money-conformance table (pricing/src/conformance) against the built-in catalog: each call
 * priced as the server and the agent look it up (the response model, else the request model, in
 * the provider the span names), compared with the amount its published prices make.
 */
class MoneyConformanceTest {
  @TestFactory
  List<DynamicTest> everyCaseCostsWhatThePublishedPricesSay() {
    PriceCatalog catalog = PriceCatalog.builtIn();
    List<DynamicTest> tests = new ArrayList<>();
    for (MoneyCase c : MoneyTable.cases()) {
      tests.add(DynamicTest.dynamicTest(c.id, () -> {
        Usage usage = Usage.builder()
            .input(c.input)
            .cacheRead(c.cacheRead)
            .cacheWrite(c.cacheWrite)
            .cacheWrite1h(c.cacheWrite1h)
            .output(Math.max(0, c.output))
            .reasoning(c.reasoning)
            .build();
        Quote quote = catalog.price(c.provider, c.billedModel(), usage, c.at);
        if (quote == null && c.responseModel != null) {
          quote = catalog.price(c.provider, c.requestModel, usage, c.at);
        }
        MoneyTable.verdict(c, "pricing", quote == null ? null : quote.totalUsd(),
            quote == null ? null : quote.inputUsd(), quote == null ? null : quote.outputUsd());
      }));
    }
    return tests;
  }
}
