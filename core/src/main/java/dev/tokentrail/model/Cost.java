package dev.tokentrail.model;

/**
 * What a call cost by the price catalog. An unpriced call (unknown model, or no usage) has {@code
 * NaN} amounts and says why in {@link #unpricedReason()}. {@code pricedProvider} is the catalog
 * provider whose price applied (the host of an open model, {@code aws} for Bedrock).
 */
public record Cost(
    double totalUsd,
    double inputUsd,
    double outputUsd,
    String pricedModel,
    String tier,
    String priceVersion,
    String unpricedReason,
    String pricedProvider) {

  public static final String UNKNOWN_MODEL = "unknown_model";
  public static final String NO_USAGE = "no_usage";

  public static Cost unpriced(String reason, String priceVersion) {
    return new Cost(Double.NaN, Double.NaN, Double.NaN, null, null, priceVersion, reason, null);
  }

  public boolean isPriced() {
    return unpricedReason == null;
  }
}
