package dev.tokentrail.analysis;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The FOCUS 1.2 column definitions a TokenTrail export is checked against, transcribed from the
 * specification (specification/columns/*.md and attributes/*.md at tag v1.2 of
 * FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec): each column's feature level, nullability, data type
 * and allowed values, the formats (numeric, date/time, currency, unit, key-value) and the
 * cross-column rules that apply to usage charges. {@link #violations} lists every rule a row breaks.
 */
final class FocusSpec {
  enum Level { MANDATORY, RECOMMENDED, CONDITIONAL }

  enum Type { DECIMAL, STRING, DATETIME, JSON }

  record Column(String id, Level level, boolean nullable, Type type, Set<String> allowed) {}

  static final Map<String, Column> COLUMNS = new LinkedHashMap<>();

  private static final Set<String> SERVICE_CATEGORIES = Set.of("AI and Machine Learning", "Analytics",
      "Business Applications", "Compute", "Databases", "Developer Tools", "Multicloud", "Identity", "Integration",
      "Internet of Things", "Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security",
      "Storage", "Web", "Other");
  /** The subcategories whose parent is "AI and Machine Learning". */
  static final Set<String> AI_SUBCATEGORIES = Set.of("AI Platforms", "Bots", "Generative AI", "Machine Learning",
      "Natural Language Processing", "Other (AI and Machine Learning)");

  static {
    Level m = Level.MANDATORY;
    Level r = Level.RECOMMENDED;
    Level c = Level.CONDITIONAL;
    def("AvailabilityZone", r, true, Type.STRING);
    def("BilledCost", m, false, Type.DECIMAL);
    def("BillingAccountId", m, false, Type.STRING);
    def("BillingAccountName", m, true, Type.STRING);
    def("BillingAccountType", c, false, Type.STRING);
    def("BillingCurrency", m, false, Type.STRING);
    def("BillingPeriodEnd", m, false, Type.DATETIME);
    def("BillingPeriodStart", m, false, Type.DATETIME);
    def("CapacityReservationId", c, true, Type.STRING);
    def("CapacityReservationStatus", c, true, Type.STRING, "Used", "Unused");
    def("ChargeCategory", m, false, Type.STRING, "Usage", "Purchase", "Tax", "Credit", "Adjustment");
    def("ChargeClass", m, true, Type.STRING, "Correction");
    def("ChargeDescription", m, true, Type.STRING);
    def("ChargeFrequency", r, false, Type.STRING, "One-Time", "Recurring", "Usage-Based");
    def("ChargePeriodEnd", m, false, Type.DATETIME);
    def("ChargePeriodStart", m, false, Type.DATETIME);
    def("CommitmentDiscountCategory", c, true, Type.STRING, "Spend", "Usage");
    def("CommitmentDiscountId", c, true, Type.STRING);
    def("CommitmentDiscountName", c, true, Type.STRING);
    def("CommitmentDiscountQuantity", c, true, Type.DECIMAL);
    def("CommitmentDiscountStatus", c, true, Type.STRING, "Used", "Unused");
    def("CommitmentDiscountType", c, true, Type.STRING);
    def("CommitmentDiscountUnit", c, true, Type.STRING);
    def("ConsumedQuantity", c, true, Type.DECIMAL);
    def("ConsumedUnit", c, true, Type.STRING);
    def("ContractedCost", m, false, Type.DECIMAL);
    def("ContractedUnitPrice", c, true, Type.DECIMAL);
    def("EffectiveCost", m, false, Type.DECIMAL);
    def("InvoiceId", r, true, Type.STRING);
    def("InvoiceIssuerName", m, false, Type.STRING);
    def("ListCost", m, false, Type.DECIMAL);
    def("ListUnitPrice", c, true, Type.DECIMAL);
    def("PricingCategory", c, true, Type.STRING, "Standard", "Dynamic", "Committed", "Other");
    def("PricingCurrency", c, false, Type.STRING);
    def("PricingCurrencyContractedUnitPrice", c, true, Type.DECIMAL);
    def("PricingCurrencyEffectiveCost", c, true, Type.DECIMAL);
    def("PricingCurrencyListUnitPrice", c, true, Type.DECIMAL);
    def("PricingQuantity", m, true, Type.DECIMAL);
    def("PricingUnit", m, true, Type.STRING);
    def("ProviderName", m, false, Type.STRING);
    def("PublisherName", m, false, Type.STRING);
    def("RegionId", c, true, Type.STRING);
    def("RegionName", c, true, Type.STRING);
    def("ResourceId", c, true, Type.STRING);
    def("ResourceName", c, true, Type.STRING);
    def("ResourceType", c, true, Type.STRING);
    def("ServiceCategory", m, false, Type.STRING, SERVICE_CATEGORIES.toArray(String[]::new));
    def("ServiceName", m, false, Type.STRING);
    def("ServiceSubcategory", r, false, Type.STRING);
    def("SkuId", c, true, Type.STRING);
    def("SkuMeter", c, true, Type.STRING);
    def("SkuPriceDetails", c, true, Type.JSON);
    def("SkuPriceId", c, true, Type.STRING);
    def("SubAccountId", c, true, Type.STRING);
    def("SubAccountName", c, true, Type.STRING);
    def("SubAccountType", c, true, Type.STRING);
    def("Tags", c, true, Type.JSON);
  }

  private static final Pattern NUMERIC = Pattern.compile("-?\\d+(\\.\\d+)?(E-?\\d+)?");
  private static final Pattern DATETIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  /** Unit Format: an optional whole quantity, then capitalized plural units ("1000 Tokens", "GB-Hours"). */
  private static final Pattern UNIT = Pattern.compile("(\\d+ )?[A-Z][A-Za-z]*([-/][A-Z][A-Za-z]*)?");
  private static final Pattern CUSTOM = Pattern.compile("x_[A-Za-z0-9]+");

  private FocusSpec() {}

  private static void def(String id, Level level, boolean nullable, Type type, String... allowed) {
    COLUMNS.put(id, new Column(id, level, nullable, type, Set.of(allowed)));
  }

  /** Every rule the header (column ids, in order) breaks. */
  static List<String> headerViolations(List<String> header) {
    List<String> out = new ArrayList<>();
    for (Column column : COLUMNS.values()) {
      if (column.level() == Level.MANDATORY && !header.contains(column.id())) {
        out.add("mandatory column missing: " + column.id());
      }
    }
    boolean custom = false;
    for (String id : header) {
      if (CUSTOM.matcher(id).matches()) {
        custom = true;
      } else if (!COLUMNS.containsKey(id)) {
        out.add("neither a FOCUS column nor an x_ custom column: " + id);
      } else if (custom) {
        out.add("FOCUS column after a custom column: " + id);
      }
    }
    if (header.size() != Set.copyOf(header).size()) {
      out.add("duplicate column ids: " + header);
    }
    return out;
  }

  /** Every rule one row (column id to typed value, as FocusRow#columns gives it) breaks. */
  static List<String> violations(Map<String, Object> row) {
    List<String> out = new ArrayList<>(headerViolations(List.copyOf(row.keySet())));
    for (Map.Entry<String, Object> e : row.entrySet()) {
      Column column = COLUMNS.get(e.getKey());
      if (column != null) {
        checkValue(column, e.getValue(), out);
      }
    }
    checkRules(row, out);
    return out;
  }

  private static void checkValue(Column column, Object value, List<String> out) {
    String id = column.id();
    if (value == null) {
      if (!column.nullable()) {
        out.add(id + ": null (the column allows no nulls)");
      }
      return;
    }
    switch (column.type()) {
      case DECIMAL -> {
        if (!(value instanceof BigDecimal d) || !NUMERIC.matcher(d.toPlainString()).matches()) {
          out.add(id + ": " + value + " (expected: a decimal in Numeric Format)");
        }
      }
      case DATETIME -> {
        if (!(value instanceof String s) || !DATETIME.matcher(s).matches()) {
          out.add(id + ": " + value + " (expected: YYYY-MM-DDTHH:mm:ssZ)");
        }
      }
      case JSON -> {
        if (!(value instanceof Map<?, ?> map)) {
          out.add(id + ": " + value + " (expected: a JSON object)");
        } else {
          for (Map.Entry<?, ?> kv : map.entrySet()) {
            Object v = kv.getValue();
            if (!(kv.getKey() instanceof String) || !(v == null || v instanceof String || v instanceof Number || v instanceof Boolean)) {
              out.add(id + ": " + kv + " (expected: string keys and number, string, boolean or null values)");
            }
          }
        }
      }
      case STRING -> {
        if (!(value instanceof String s) || s.isEmpty()) {
          out.add(id + ": " + value + " (expected: a non-empty string; null for no value)");
        }
      }
    }
    if (!column.allowed().isEmpty() && !column.allowed().contains(String.valueOf(value))) {
      out.add(id + ": " + value + " (expected: one of " + column.allowed() + ")");
    }
  }

  private static void checkRules(Map<String, Object> row, List<String> out) {
    Object currency = row.get("BillingCurrency");
    if (currency instanceof String s && !CURRENCY.matcher(s).matches()) {
      out.add("BillingCurrency: " + s + " (expected: an ISO 4217 code)");
    }
    before(row, "ChargePeriodStart", "ChargePeriodEnd", false, out);
    before(row, "BillingPeriodStart", "BillingPeriodEnd", false, out);
    before(row, "BillingPeriodStart", "ChargePeriodStart", true, out);
    before(row, "ChargePeriodEnd", "BillingPeriodEnd", true, out);
    pairedNulls(row, "ConsumedQuantity", "ConsumedUnit", out);
    pairedNulls(row, "PricingQuantity", "PricingUnit", out);
    pairedNulls(row, "SkuId", "SkuMeter", out);
    pairedNulls(row, "ResourceId", "ResourceType", out);
    for (String unit : List.of("ConsumedUnit", "PricingUnit")) {
      if (row.get(unit) instanceof String s && !UNIT.matcher(s).matches()) {
        out.add(unit + ": " + s + " (expected: Unit Format)");
      }
    }
    if ("AI and Machine Learning".equals(row.get("ServiceCategory")) && row.get("ServiceSubcategory") != null
        && !AI_SUBCATEGORIES.contains(row.get("ServiceSubcategory"))) {
      out.add("ServiceSubcategory: " + row.get("ServiceSubcategory") + " (expected: a subcategory of AI and Machine Learning)");
    }
    if (row.get("SkuPriceDetails") instanceof Map<?, ?> details) {
      for (Object key : details.keySet()) {
        if (!CUSTOM.matcher(String.valueOf(key)).matches()) {
          out.add("SkuPriceDetails: key " + key + " (expected: x_ prefix for a property FOCUS does not define)");
        }
      }
      if (row.get("SkuPriceId") == null) {
        out.add("SkuPriceDetails: not null although SkuPriceId is");
      }
    }
    if ("Usage".equals(row.get("ChargeCategory")) && row.get("ChargeClass") == null) {
      for (String id : List.of("ConsumedQuantity", "PricingQuantity", "ListUnitPrice", "ContractedUnitPrice", "SkuId",
          "SkuPriceId", "PricingCategory")) {
        if (row.containsKey(id) && row.get(id) == null) {
          out.add(id + ": null on a usage charge");
        }
      }
      for (String cost : List.of("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity",
          "PricingQuantity", "ListUnitPrice", "ContractedUnitPrice")) {
        if (row.get(cost) instanceof BigDecimal d && d.signum() < 0) {
          out.add(cost + ": " + d + " (expected: non-negative on a usage charge)");
        }
      }
      product(row, "ListUnitPrice", "ListCost", out);
      product(row, "ContractedUnitPrice", "ContractedCost", out);
    }
    if ("Purchase".equals(row.get("ChargeCategory")) && "Usage-Based".equals(row.get("ChargeFrequency"))) {
      out.add("ChargeFrequency: Usage-Based on a purchase");
    }
  }

  private static void before(Map<String, Object> row, String first, String second, boolean orEqual, List<String> out) {
    if (row.get(first) instanceof String a && row.get(second) instanceof String b && DATETIME.matcher(a).matches()
        && DATETIME.matcher(b).matches()) {
      int order = Instant.parse(a).compareTo(Instant.parse(b));
      if (order > 0 || (order == 0 && !orEqual)) {
        out.add(first + " " + a + " is not before " + second + " " + b);
      }
    }
  }

  private static void pairedNulls(Map<String, Object> row, String a, String b, List<String> out) {
    if (row.containsKey(a) && (row.get(a) == null) != (row.get(b) == null)) {
      out.add(a + " and " + b + ": one is null, the other not");
    }
  }

  private static void product(Map<String, Object> row, String unitPrice, String cost, List<String> out) {
    if (row.get(unitPrice) instanceof BigDecimal price && row.get("PricingQuantity") instanceof BigDecimal quantity
        && row.get(cost) instanceof BigDecimal total && price.multiply(quantity).compareTo(total) != 0) {
      out.add(unitPrice + " " + price + " x PricingQuantity " + quantity + " != " + cost + " " + total);
    }
  }
}
