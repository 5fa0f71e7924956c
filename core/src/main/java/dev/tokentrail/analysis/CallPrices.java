package dev.tokentrail.analysis;

import dev.tokentrail.store.CallTable;
import dev.tokentrail.store.CallTable.Text;
import dev.tokentrail.pricing.CatalogModel;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.PriceUnit;
import dev.tokentrail.pricing.UnitPrices;
import dev.tokentrail.pricing.Usage;
import java.time.Instant;
import java.util.HashMap;

/** Catalog prices of the calls of a {@link CallTable}, per token, at each call's moment. */
final class CallPrices {
  private static final double PER_TOKEN = 1.0 / 1_000_000;
  private static final CatalogModel UNKNOWN = null;
  private final CallTable t;
  private final PriceCatalog catalog;
  /** Catalog models by (provider id, model id): one catalog lookup per distinct pair. */
  private final HashMap<Long, CatalogModel> models = new HashMap<>();
  private final HashMap<Long, Boolean> unknown = new HashMap<>();

  CallPrices(CallTable t, PriceCatalog catalog) {
    this.t = t;
    this.catalog = catalog;
  }

  PriceCatalog catalog() {
    return catalog;
  }

  /** The catalog model of the call, or {@code null} when it is unknown. */
  CatalogModel model(int row) {
    int model = t.textId(row, Text.MODEL);
    if (model < 0) {
      return UNKNOWN;
    }
    long key = ((long) t.textId(row, Text.PROVIDER) << 32) | (model & 0xffffffffL);
    CatalogModel found = models.get(key);
    if (found == null && !unknown.containsKey(key)) {
      found = catalog.find(t.text(row, Text.PROVIDER), t.text(row, Text.MODEL));
      if (found == null) {
        unknown.put(key, Boolean.TRUE);
      } else {
        models.put(key, found);
      }
    }
    return found;
  }

  private UnitPrices prices(int row, CatalogModel model) {
    return model.pricesAt(Instant.ofEpochSecond(0, t.start(row)));
  }

  /** USD per uncached input token of the call's model at its input size, or NaN when unknown. */
  double inputPerToken(int row) {
    CatalogModel m = model(row);
    return m == null ? Double.NaN : prices(row, m).perMillion(PriceUnit.INPUT, Math.max(0, t.input(row))) * PER_TOKEN;
  }

  /** USD per cache-read token of the call's model (its input price when it has none), or NaN. */
  double cacheReadPerToken(int row) {
    CatalogModel m = model(row);
    if (m == null) {
      return Double.NaN;
    }
    UnitPrices p = prices(row, m);
    long input = Math.max(0, t.input(row));
    PriceUnit unit = p.has(PriceUnit.CACHE_READ) ? PriceUnit.CACHE_READ : PriceUnit.INPUT;
    return p.perMillion(unit, input) * PER_TOKEN;
  }

  /**
   * USD per cache-write token of the call's model, or NaN when the model has no cache-write price
   * of its own (the provider bills writes as input: no premium) or is unknown.
   */
  double cacheWritePerToken(int row) {
    CatalogModel m = model(row);
    if (m == null) {
      return Double.NaN;
    }
    UnitPrices p = prices(row, m);
    return p.has(PriceUnit.CACHE_WRITE) ? p.perMillion(PriceUnit.CACHE_WRITE, Math.max(0, t.input(row))) * PER_TOKEN : Double.NaN;
  }

  /** What the call's token counts would have cost on {@code other} at the call's moment. */
  double costOn(int row, CatalogModel other) {
    Usage usage = Usage.builder()
        .input(t.input(row))
        .output(t.output(row))
        .cacheRead(t.cacheRead(row))
        .cacheWrite(t.cacheWrite(row))
        .reasoning(t.reasoning(row))
        .build();
    return catalog.quote(other, usage, Instant.ofEpochSecond(0, t.start(row))).totalUsd();
  }

  /** Today's input plus output price per 1M tokens, used to call one model cheaper than another. */
  static double blended(CatalogModel model) {
    return PriceCatalog.blended(model);
  }
}
