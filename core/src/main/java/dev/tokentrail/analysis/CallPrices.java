package dev.tokentrail.analysis;

import dev.tokentrail.analysis.CallTable.Text;
import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.pricing.CatalogEntry;
import dev.tokentrail.pricing.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.PricePoint;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Catalog prices of the calls of a {@link CallTable}, per token, at each call's day. */
final class CallPrices {
  private static final double PER_TOKEN = 1.0 / 1_000_000;
  private final CallTable t;
  private final PriceCatalog catalog;
  private final CostCalculator calculator;

  CallPrices(CallTable t, PriceCatalog catalog) {
    this.t = t;
    this.catalog = catalog;
    this.calculator = new CostCalculator(catalog);
  }

  PriceCatalog catalog() {
    return catalog;
  }

  CatalogEntry entry(int row) {
    return catalog.find(t.text(row, Text.PROVIDER), t.text(row, Text.MODEL));
  }

  PricePoint price(int row, CatalogEntry entry) {
    LocalDate day = LocalDate.ofInstant(Instant.ofEpochSecond(0, t.start(row)), ZoneOffset.UTC);
    PricePoint p = entry.priceOn(day);
    return p != null ? p : entry.prices().get(0);
  }

  /** USD per input token of the call's model, or NaN when the model is unknown. */
  double inputPerToken(int row) {
    CatalogEntry e = entry(row);
    return e == null ? Double.NaN : price(row, e).input() * PER_TOKEN;
  }

  /** USD per cache-read token of the call's model, or NaN when the model is unknown. */
  double cacheReadPerToken(int row) {
    CatalogEntry e = entry(row);
    return e == null ? Double.NaN : price(row, e).cacheRead() * PER_TOKEN;
  }

  /** What the call's token counts would have cost on {@code other} at the call's day. */
  double costOn(int row, CatalogEntry other) {
    LlmCall call = new LlmCall("chat", other.provider(), other.model(), other.model(),
        Math.max(0, t.input(row)), Math.max(0, t.output(row)), Math.max(0, t.cacheRead(row)),
        Math.max(0, t.cacheWrite(row)), Math.max(0, t.reasoning(row)), null, null, Double.NaN,
        Attribution.NONE, null, null, Double.NaN, 0, null, null, null);
    return calculator.costOf(call, other, price(row, other)).totalUsd();
  }

  /** The blended price (input + output per 1M tokens, today's) used to call one model cheaper than another. */
  static double blended(CatalogEntry entry) {
    PricePoint p = entry.latestPrice();
    return p.input() + p.output();
  }
}
