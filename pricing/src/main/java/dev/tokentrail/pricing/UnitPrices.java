package dev.tokentrail.pricing;

import java.util.EnumMap;
import java.util.Map;

/**
 * The prices of one model at one moment: USD per million tokens per {@link PriceUnit}, each with
 * optional prompt-size tiers. A tier applies to the whole call when its input (cache included)
 * exceeds the tier's threshold, as the providers bill long-context calls.
 */
public final class UnitPrices {
  private static final long[] NO_THRESHOLDS = new long[0];
  private static final double[] NO_PRICES = new double[0];

  private final EnumMap<PriceUnit, Double> base;
  /** Ascending thresholds per unit and the price above each. */
  private final EnumMap<PriceUnit, long[]> thresholds;
  private final EnumMap<PriceUnit, double[]> tierPrices;

  private UnitPrices(
      EnumMap<PriceUnit, Double> base,
      EnumMap<PriceUnit, long[]> thresholds,
      EnumMap<PriceUnit, double[]> tierPrices) {
    this.base = base;
    this.thresholds = thresholds;
    this.tierPrices = tierPrices;
  }

  static Builder builder() {
    return new Builder();
  }

  /** Whether the model has a price of its own for this unit. */
  public boolean has(PriceUnit unit) {
    return base.containsKey(unit);
  }

  /**
   * USD per million tokens of {@code unit} for a call with {@code inputTokens} input tokens, or
   * {@code NaN} when the unit has no price of its own.
   */
  public double perMillion(PriceUnit unit, long inputTokens) {
    Double price = base.get(unit);
    if (price == null) {
      return Double.NaN;
    }
    long[] limits = thresholds.getOrDefault(unit, NO_THRESHOLDS);
    double[] above = tierPrices.getOrDefault(unit, NO_PRICES);
    double inForce = price;
    for (int i = 0; i < limits.length; i++) {
      if (inputTokens > limits[i]) {
        inForce = above[i];
      }
    }
    return inForce;
  }

  /** The price below every prompt-size tier. */
  public double basePerMillion(PriceUnit unit) {
    Double price = base.get(unit);
    return price == null ? Double.NaN : price;
  }

  /** The prompt-size thresholds of this unit, ascending; empty when it has one price. */
  public long[] thresholds(PriceUnit unit) {
    return thresholds.getOrDefault(unit, NO_THRESHOLDS).clone();
  }

  /** Whether any unit has prompt-size tiers. */
  public boolean isTiered() {
    return !thresholds.isEmpty();
  }

  Map<PriceUnit, Double> basePrices() {
    return base;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("{");
    for (Map.Entry<PriceUnit, Double> e : base.entrySet()) {
      if (b.length() > 1) {
        b.append(", ");
      }
      b.append(e.getKey().fileKey()).append('=').append(e.getValue());
      long[] limits = thresholds.get(e.getKey());
      if (limits != null) {
        double[] above = tierPrices.get(e.getKey());
        for (int i = 0; i < limits.length; i++) {
          b.append(" (>").append(limits[i]).append(": ").append(above[i]).append(')');
        }
      }
    }
    return b.append('}').toString();
  }

  static final class Builder {
    private final EnumMap<PriceUnit, Double> base = new EnumMap<>(PriceUnit.class);
    private final EnumMap<PriceUnit, long[]> thresholds = new EnumMap<>(PriceUnit.class);
    private final EnumMap<PriceUnit, double[]> tierPrices = new EnumMap<>(PriceUnit.class);

    Builder price(PriceUnit unit, double perMillion) {
      base.put(unit, perMillion);
      return this;
    }

    /** Adds a tier: above {@code threshold} input tokens the unit costs {@code perMillion}. */
    Builder tier(PriceUnit unit, long threshold, double perMillion) {
      long[] limits = thresholds.getOrDefault(unit, NO_THRESHOLDS);
      double[] above = tierPrices.getOrDefault(unit, NO_PRICES);
      int at = 0;
      while (at < limits.length && limits[at] < threshold) {
        at++;
      }
      long[] newLimits = new long[limits.length + 1];
      double[] newAbove = new double[above.length + 1];
      System.arraycopy(limits, 0, newLimits, 0, at);
      System.arraycopy(above, 0, newAbove, 0, at);
      newLimits[at] = threshold;
      newAbove[at] = perMillion;
      System.arraycopy(limits, at, newLimits, at + 1, limits.length - at);
      System.arraycopy(above, at, newAbove, at + 1, above.length - at);
      thresholds.put(unit, newLimits);
      tierPrices.put(unit, newAbove);
      return this;
    }

    boolean has(PriceUnit unit) {
      return base.containsKey(unit);
    }

    UnitPrices build() {
      return new UnitPrices(base.clone(), thresholds.clone(), tierPrices.clone());
    }
  }
}
