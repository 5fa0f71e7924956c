package dev.tokentrail.analysis;

import dev.tokentrail.pricing.PriceUnit;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One charge of a FOCUS 1.2 export: the tokens of one kind that one model billed in one charge
 * period to one team, project, cost center and feature, at one catalog price. {@link #columns()}
 * writes it in the FOCUS column set (docs/finops.md maps each column).
 *
 * @param billedUsd the stored cost of the calls' tokens of this kind (each call's stored cost split
 *     over its kinds of tokens in the proportions of the catalog quote)
 * @param listPerMillion the catalog's USD per 1M tokens of this kind, prompt-size tier included
 */
public record FocusRow(
    Instant chargePeriodStart,
    Instant chargePeriodEnd,
    Instant billingPeriodStart,
    Instant billingPeriodEnd,
    String billingAccount,
    String providerId,
    String model,
    String catalogModel,
    String modelName,
    String tokenKind,
    PriceUnit pricedAs,
    long tokens,
    BigDecimal listPerMillion,
    double billedUsd,
    String team,
    String project,
    String costCenter,
    String feature) {

  /** The FOCUS columns an export carries, in the specification's (alphabetical) order. */
  public static final List<String> COLUMNS = List.of(
      "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
      "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
      "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
      "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
      "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ResourceId",
      "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId",
      "SkuMeter", "SkuPriceDetails", "SkuPriceId", "Tags");

  /** Catalog prices are per million tokens, as the providers publish them. */
  static final String PRICING_UNIT = "1000000 Tokens";

  /** Digits kept of a summed cost: far below a cent, above the noise of summed doubles. */
  private static final int COST_SCALE = 10;

  /** {@code provider/model/kind}: the same for every price of the kind. */
  public String skuId() {
    return providerId + "/" + catalogModel + "/" + tokenKind;
  }

  /** The SKU and its price per 1M tokens, so a price change or a prompt-size tier is its own SKU price. */
  public String skuPriceId() {
    return skuId() + "@" + listPerMillion.toPlainString();
  }

  /** Tokens in the pricing unit (millions), exactly. */
  public BigDecimal pricingQuantity() {
    return BigDecimal.valueOf(tokens).movePointLeft(6).stripTrailingZeros();
  }

  /** List unit price times pricing quantity, exactly, as FOCUS requires them to multiply. */
  public BigDecimal listCost() {
    return plain(pricingQuantity().multiply(listPerMillion));
  }

  public BigDecimal billedCost() {
    return plain(BigDecimal.valueOf(billedUsd).setScale(COST_SCALE, RoundingMode.HALF_EVEN));
  }

  /** {@code Cache Read Tokens} for {@code cache_read}. */
  public String skuMeter() {
    StringBuilder meter = new StringBuilder();
    for (String word : tokenKind.split("_")) {
      meter.append(word.equals("1h") ? "1h" : word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1)).append(' ');
    }
    return meter.append("Tokens").toString();
  }

  /** The row's attribution as FOCUS tags (only the keys it has), or null without any. */
  public Map<String, Object> tags() {
    Map<String, Object> tags = new LinkedHashMap<>();
    putIfPresent(tags, "team", team);
    putIfPresent(tags, "project", project);
    putIfPresent(tags, "cost_center", costCenter);
    putIfPresent(tags, "feature", feature);
    return tags.isEmpty() ? null : tags;
  }

  /**
   * The row as FOCUS columns in {@link #COLUMNS} order: decimals as {@link BigDecimal}, date/times
   * as ISO-8601 UTC strings, key-value columns as maps, nulls where a column has no value.
   */
  public Map<String, Object> columns() {
    String provider = FocusParties.providerName(providerId);
    String service = FocusParties.serviceName(providerId);
    BigDecimal billed = billedCost();
    BigDecimal list = listCost();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("BilledCost", billed);
    c.put("BillingAccountId", billingAccount);
    c.put("BillingAccountName", billingAccount);
    c.put("BillingCurrency", "USD");
    c.put("BillingPeriodEnd", time(billingPeriodEnd));
    c.put("BillingPeriodStart", time(billingPeriodStart));
    c.put("ChargeCategory", "Usage");
    c.put("ChargeClass", null);
    c.put("ChargeDescription", skuMeter() + " of " + model + " on " + service + " at "
        + listPerMillion.toPlainString() + " USD per 1M tokens");
    c.put("ChargeFrequency", "Usage-Based");
    c.put("ChargePeriodEnd", time(chargePeriodEnd));
    c.put("ChargePeriodStart", time(chargePeriodStart));
    c.put("ConsumedQuantity", BigDecimal.valueOf(tokens));
    c.put("ConsumedUnit", "Tokens");
    c.put("ContractedCost", list);
    c.put("ContractedUnitPrice", plain(listPerMillion));
    c.put("EffectiveCost", billed);
    c.put("InvoiceId", null);
    c.put("InvoiceIssuerName", provider);
    c.put("ListCost", list);
    c.put("ListUnitPrice", plain(listPerMillion));
    c.put("PricingCategory", "Standard");
    c.put("PricingQuantity", pricingQuantity());
    c.put("PricingUnit", PRICING_UNIT);
    c.put("ProviderName", provider);
    c.put("PublisherName", FocusParties.publisherName(providerId, catalogModel));
    c.put("ResourceId", model);
    c.put("ResourceName", modelName == null || modelName.equals(model) ? null : modelName);
    c.put("ResourceType", "Model");
    c.put("ServiceCategory", "AI and Machine Learning");
    c.put("ServiceName", service);
    c.put("ServiceSubcategory", "Generative AI");
    c.put("SkuId", skuId());
    c.put("SkuMeter", skuMeter());
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("x_TokenKind", tokenKind);
    details.put("x_PricedAs", pricedAs.fileKey());
    c.put("SkuPriceDetails", details);
    c.put("SkuPriceId", skuPriceId());
    c.put("Tags", tags());
    return c;
  }

  private static void putIfPresent(Map<String, Object> tags, String key, String value) {
    if (value != null && !value.isEmpty()) {
      tags.put(key, value);
    }
  }

  private static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** No trailing zeros, and 0 as {@code 0} (never {@code 0E-10}). */
  private static BigDecimal plain(BigDecimal value) {
    return value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
  }
}
