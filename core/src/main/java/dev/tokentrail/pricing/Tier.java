package dev.tokentrail.pricing;

/** How capable (and expensive) a model is, for overkill detection. Ordered cheapest first. */
public enum Tier {
  SMALL,
  STANDARD,
  FRONTIER;

  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
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
