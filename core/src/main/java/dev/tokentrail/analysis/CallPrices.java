package dev.tokentrail.analysis;

import dev.tokentrail.analysis.CallTable.Text;
import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.pricing.CatalogEntry;
import dev.tokentrail.pricing.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.PricePoint;
import java.time.LocalDate;

/** Catalog prices of the calls of a {@link CallTable}, per token, at each call's day. */
final class CallPrices {
  private static final double PER_TOKEN = 1.0 / 1_000_000;
  private final CallTable t;
  private final PriceCatalog catalog;
  private final CostCalculator calculator;
  /** Catalog entries by (provider id, model id): one catalog lookup per distinct pair. */
  private final java.util.HashMap<Long, CatalogEntry> entries = new java.util.HashMap<>();
  private static final CatalogEntry UNKNOWN = new CatalogEntry("", "", dev.tokentrail.pricing.Tier.SMALL, java.util.List.of(), true, java.util.List.of());
  /** The last price looked up, by entry and UTC day: calls come in runs of one model and day. */
  private CatalogEntry lastEntry;
  private long lastDay = Long.MIN_VALUE;
  private PricePoint lastPrice;

  CallPrices(CallTable t, PriceCatalog catalog) {
    this.t = t;
    this.catalog = catalog;
    this.calculator = new CostCalculator(catalog);
  }

  PriceCatalog catalog() {
    return catalog;
  }

  CatalogEntry entry(int row) {
    int model = t.textId(row, Text.MODEL);
    if (model < 0) {
      return null;
    }
    long key = ((long) t.textId(row, Text.PROVIDER) << 32) | (model & 0xffffffffL);
    CatalogEntry entry = entries.get(key);
    if (entry == null) {
      entry = catalog.find(t.text(row, Text.PROVIDER), t.text(row, Text.MODEL));
      entries.put(key, entry == null ? UNKNOWN : entry);
    }
    return entry == UNKNOWN ? null : entry;
  }

  PricePoint price(int row, CatalogEntry entry) {
    long day = Math.floorDiv(t.start(row), 86_400_000_000_000L);
    if (entry == lastEntry && day == lastDay) {
      return lastPrice;
    }
    PricePoint p = entry.priceOn(LocalDate.ofEpochDay(day));
    lastEntry = entry;
    lastDay = day;
    lastPrice = p != null ? p : entry.prices().get(0);
    return lastPrice;
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
