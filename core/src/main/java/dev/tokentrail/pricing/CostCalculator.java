package dev.tokentrail.pricing;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.Cost;
import dev.tokentrail.model.LlmCall;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Prices an LLM call by the catalog at the day it was made:
 * uncached input x input price + cache read x cache-read price + cache write x cache-write price
 * + output x output price. Token counts are canonical (cache inside input, reasoning inside
 * output), so nothing is priced twice.
 */
public final class CostCalculator {
  private static final double PER_TOKEN = 1.0 / 1_000_000;

  private final PriceCatalog catalog;

  public CostCalculator(PriceCatalog catalog) {
    this.catalog = requireNonNull(catalog, "catalog");
  }

  public PriceCatalog catalog() {
    return catalog;
  }

  public Cost price(LlmCall call, long epochNanos) {
    if (!call.hasUsage()) {
      return Cost.unpriced(Cost.NO_USAGE, catalog.version());
    }
    CatalogEntry entry = catalog.find(call.provider(), call.billedModel());
    if (entry == null && call.responseModel() != null && call.requestModel() != null) {
      entry = catalog.find(call.provider(), call.requestModel());
    }
    if (entry == null) {
      return Cost.unpriced(Cost.UNKNOWN_MODEL, catalog.version());
    }
    LocalDate day = LocalDate.ofInstant(Instant.ofEpochSecond(0, epochNanos), ZoneOffset.UTC);
    PricePoint price = entry.priceOn(day);
    if (price == null) {
      // A call dated before the model's first known price (clock skew or a backfill): the
      // earliest price is the best estimate, and is what the provider charged at launch.
      price = entry.prices().get(0);
    }
    return costOf(call, entry, price);
  }

  /** The cost of the call's token counts at the given price. */
  public Cost costOf(LlmCall call, CatalogEntry entry, PricePoint price) {
    long output = Math.max(0, call.outputTokens());
    if (!entry.reasoningBilledAsOutput() && call.reasoningTokens() > 0) {
      output = Math.max(0, output - call.reasoningTokens());
    }
    double inputUsd =
        (call.uncachedInputTokens() * price.input()
                + Math.max(0, call.cacheReadTokens()) * price.cacheRead()
                + Math.max(0, call.cacheWriteTokens()) * price.cacheWrite())
            * PER_TOKEN;
    double outputUsd = output * price.output() * PER_TOKEN;
    return new Cost(
        inputUsd + outputUsd,
        inputUsd,
        outputUsd,
        entry.model(),
        entry.tier().id(),
        catalog.version(),
        null);
  }
}
