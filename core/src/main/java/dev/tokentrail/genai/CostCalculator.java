package dev.tokentrail.genai;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.Cost;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.pricing.CatalogModel;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.Quote;
import dev.tokentrail.pricing.Usage;
import java.time.Instant;

/**
 * Prices an {@link LlmCall} by the price catalog at the moment it was made (docs/pricing.md). The
 * catalog can be replaced while the server runs (a reloaded override file before a reprice); a
 * call is priced by one catalog from start to end.
 */
public final class CostCalculator {
  private volatile PriceCatalog catalog;

  public CostCalculator(PriceCatalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
  }

  public PriceCatalog catalog() {
    return catalog;
  }

  /** Prices later calls by {@code next}. */
  public void replaceCatalog(PriceCatalog next) {
    this.catalog = requireNonNull(next, "next");
  }

  public Cost price(LlmCall call, long epochNanos) {
    PriceCatalog c = catalog;
    if (!call.hasUsage()) {
      return Cost.unpriced(Cost.NO_USAGE, c.version());
    }
    CatalogModel model = c.find(call.provider(), call.billedModel());
    if (model == null && call.responseModel() != null && call.requestModel() != null) {
      model = c.find(call.provider(), call.requestModel());
    }
    if (model == null) {
      return Cost.unpriced(Cost.UNKNOWN_MODEL, c.version());
    }
    return costOf(c.quote(model, usageOf(call), Instant.ofEpochSecond(0, epochNanos)));
  }

  /** The call's token counts as the catalog's usage. */
  public static Usage usageOf(LlmCall call) {
    return Usage.builder()
        .input(call.inputTokens())
        .cacheRead(call.cacheReadTokens())
        .cacheWrite(call.cacheWriteTokens())
        .cacheWrite1h(call.cacheWrite1hTokens())
        .inputAudio(call.inputAudioTokens())
        .output(call.outputTokens())
        .reasoning(call.reasoningTokens())
        .outputAudio(call.outputAudioTokens())
        .build();
  }

  static Cost costOf(Quote quote) {
    CatalogModel served = quote.model();
    return new Cost(
        quote.totalUsd(),
        quote.inputUsd(),
        quote.outputUsd(),
        served.id(),
        served.tier().id(),
        quote.catalogVersion(),
        null,
        served.provider());
  }
}
