package dev.tokentrail.pricing;

import java.util.Locale;

/** How capable (and expensive) a model is, for overkill detection. Ordered cheapest first. */
public enum Tier {
  SMALL,
  STANDARD,
  FRONTIER;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Tier parse(String value, String where) {
    for (Tier tier : values()) {
      if (tier.id().equals(value)) {
        return tier;
      }
    }
    throw new IllegalArgumentException(
        where + ".tier: " + value + " (expected: frontier, standard or small)");
  }
}
