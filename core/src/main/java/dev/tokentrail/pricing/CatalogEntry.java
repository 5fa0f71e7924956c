package dev.tokentrail.pricing;

import java.time.LocalDate;
import java.util.List;

/** One model of the price catalog with its price history, ascending by effective date. */
public record CatalogEntry(
    String provider,
    String model,
    Tier tier,
    List<String> aliases,
    boolean reasoningBilledAsOutput,
    List<PricePoint> prices) {

  /** The price in force on {@code day}, or {@code null} before the first effective date. */
  public PricePoint priceOn(LocalDate day) {
    PricePoint inForce = null;
    for (PricePoint point : prices) {
      if (point.effectiveFrom().isAfter(day)) {
        break;
      }
      inForce = point;
    }
    return inForce;
  }

  /** The newest price: what a call would cost today. */
  public PricePoint latestPrice() {
    return prices.get(prices.size() - 1);
  }
}
