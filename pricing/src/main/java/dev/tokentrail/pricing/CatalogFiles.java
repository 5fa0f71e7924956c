package dev.tokentrail.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads the two data formats of the catalog: genai-prices' provider list (the snapshot) and
 * TokenTrail's catalog file (the overlay and users' files, documented in docs/pricing.md). Every
 * error names the file, the entry and the field.
 */
final class CatalogFiles {
  private CatalogFiles() {}

  /** A model entry of a catalog file, before it is placed in its provider. */
  static final class FileModel {
    final String provider;
    final String id;
    final List<String> names;
    final MatchRule match;
    final Tier tier;
    final Boolean reasoningBilledAsOutput;
    final List<PriceRule> rules;
    final String where;

    FileModel(String provider, String id, List<String> names, MatchRule match, Tier tier,
        Boolean reasoningBilledAsOutput, List<PriceRule> rules, String where) {
      this.provider = provider;
      this.id = id;
      this.names = names;
      this.match = match;
      this.tier = tier;
      this.reasoningBilledAsOutput = reasoningBilledAsOutput;
      this.rules = rules;
      this.where = where;
    }
  }

  /** A moving alias of a catalog file: the model it served from each date on. */
  static final class FileAlias {
    final String provider;
    final String alias;
    final List<String> names;
    final List<LocalDate> from;
    final List<String> models;
    final String where;

    FileAlias(String provider, String alias, List<String> names, List<LocalDate> from, List<String> models, String where) {
      this.provider = provider;
      this.alias = alias;
      this.names = names;
      this.from = from;
      this.models = models;
      this.where = where;
    }
  }

  /** A capability-tier rule of a catalog file. */
  static final class TierRule {
    final String provider;
    final MatchRule match;
    final Tier tier;

    TierRule(String provider, MatchRule match, Tier tier) {
      this.provider = provider;
      this.match = match;
      this.tier = tier;
    }
  }

  /** A parsed catalog file. */
  static final class CatalogFile {
    final String version;
    final List<FileModel> models = new ArrayList<>();
    final List<FileAlias> aliases = new ArrayList<>();
    final List<TierRule> tiers = new ArrayList<>();
    final List<PromptCacheRule> promptCaching = new ArrayList<>();
    MatchRule notForChat;

    CatalogFile(String version) {
      this.version = version;
    }
  }

  /**
   * YAML 1.1 reads an unquoted {@code 2025-13-01} as a timestamp and rolls it over to 2026-01-01;
   * dates stay text here and are parsed strictly.
   */
  private static final class NoTimestamps extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, BOOL, "yYnNtTfFoO", 10);
      addImplicitResolver(Tag.INT, INT, "-+0123456789");
      addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
      addImplicitResolver(Tag.MERGE, MERGE, "<", 10);
      addImplicitResolver(Tag.NULL, NULL, "~nN\0", 10);
      addImplicitResolver(Tag.NULL, EMPTY, null, 10);
    }
  }

  static Object load(InputStream in, String source) {
    try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      LoaderOptions options = new LoaderOptions();
      options.setCodePointLimit(16 * 1024 * 1024);
      return new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
          options, new NoTimestamps()).load(reader);
    } catch (YAMLException e) {
      throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- genai-prices snapshot

  /** The snapshot's providers, models in the snapshot's order (its first match wins). */
  @SuppressWarnings("unchecked")
  static List<PriceCatalog.Provider> readGenaiPrices(Object rootNode, String source) {
    Map<String, Object> root = map(rootNode, source);
    List<Object> providers = list(root.get("providers"), source + ".providers");
    List<PriceCatalog.Provider> out = new ArrayList<>();
    for (int i = 0; i < providers.size(); i++) {
      String where = source + ".providers[" + i + "]";
      Map<String, Object> p = map(providers.get(i), where);
      String id = text(p, "id", where);
      List<String> fallbacks = new ArrayList<>();
      if (p.get("fallback_model_providers") != null) {
        for (Object f : list(p.get("fallback_model_providers"), where + ".fallback_model_providers")) {
          fallbacks.add(String.valueOf(f));
        }
      }
      PriceCatalog.Provider provider = new PriceCatalog.Provider(
          id,
          p.get("name") == null ? id : String.valueOf(p.get("name")),
          p.get("model_match") == null ? null : MatchRule.parse(p.get("model_match"), where + ".model_match"),
          p.get("provider_match") == null ? null : MatchRule.parse(p.get("provider_match"), where + ".provider_match"),
          fallbacks);
      List<Object> models = list(p.get("models"), where + ".models");
      for (int j = 0; j < models.size(); j++) {
        String at = where + ".models[" + j + "]";
        Map<String, Object> m = map(models.get(j), at);
        String modelId = text(m, "id", at).toLowerCase(Locale.ROOT);
        List<PriceRule> rules = genaiPrices(m.get("prices"), at + ".prices");
        provider.models.add(new CatalogModel(
            id, modelId, m.get("name") == null ? modelId : String.valueOf(m.get("name")),
            null, true, "genai-prices", Boolean.TRUE.equals(m.get("deprecated")),
            MatchRule.parse(m.get("match"), at + ".match"), rules, List.of(), List.of()));
      }
      out.add(provider);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<PriceRule> genaiPrices(Object node, String where) {
    List<PriceRule> rules = new ArrayList<>();
    if (node instanceof Map) {
      rules.add(new PriceRule(null, null, null, genaiUnitPrices((Map<String, Object>) node, where)));
      return rules;
    }
    List<Object> items = list(node, where);
    for (int i = 0; i < items.size(); i++) {
      String at = where + "[" + i + "]";
      Map<String, Object> item = map(items.get(i), at);
      UnitPrices prices = genaiUnitPrices(map(item.get("prices"), at + ".prices"), at + ".prices");
      Object constraintNode = item.get("constraint");
      if (constraintNode == null) {
        rules.add(new PriceRule(null, null, null, prices));
        continue;
      }
      Map<String, Object> constraint = map(constraintNode, at + ".constraint");
      if (constraint.get("start_date") != null) {
        rules.add(new PriceRule(date(constraint.get("start_date"), at + ".constraint.start_date"), null, null, prices));
      } else {
        rules.add(new PriceRule(null,
            time(constraint.get("start_time"), at + ".constraint.start_time"),
            time(constraint.get("end_time"), at + ".constraint.end_time"), prices));
      }
    }
    if (rules.isEmpty()) {
      throw new IllegalArgumentException(where + ": no prices");
    }
    return rules;
  }

  @SuppressWarnings("unchecked")
  private static UnitPrices genaiUnitPrices(Map<String, Object> prices, String where) {
    UnitPrices.Builder b = UnitPrices.builder();
    for (Map.Entry<?, Object> e : ((Map<?, Object>) prices).entrySet()) {
      // Units TokenTrail does not meter (searches, requests, audio hours, pages) are skipped.
      PriceUnit unit = PriceUnit.byGenaiPricesKey(String.valueOf(e.getKey()));
      if (unit == null) {
        continue;
      }
      String at = where + "." + e.getKey();
      if (e.getValue() instanceof Map) {
        Map<String, Object> tiered = (Map<String, Object>) e.getValue();
        b.price(unit, price(tiered.get("base"), at + ".base"));
        List<Object> tiers = list(tiered.get("tiers"), at + ".tiers");
        for (int i = 0; i < tiers.size(); i++) {
          Map<String, Object> tier = map(tiers.get(i), at + ".tiers[" + i + "]");
          b.tier(unit, (long) price(tier.get("start"), at + ".tiers[" + i + "].start"),
              price(tier.get("price"), at + ".tiers[" + i + "].price"));
        }
      } else {
        b.price(unit, price(e.getValue(), at));
      }
    }
    return b.build();
  }

  // ---------------------------------------------------------------- TokenTrail catalog files

  @SuppressWarnings("unchecked")
  static CatalogFile readCatalogFile(Object rootNode, String source) {
    if (!(rootNode instanceof Map)) {
      throw new IllegalArgumentException(source + ": expected a mapping with version and models");
    }
    Map<String, Object> root = (Map<String, Object>) rootNode;
    CatalogFile file = new CatalogFile(text(root, "version", source));
    Object models = root.get("models");
    if (models == null && root.get("aliases") == null && root.get("tiers") == null && root.get("prompt_caching") == null) {
      throw new IllegalArgumentException(source + ".models: missing (expected: a list)");
    }
    if (models != null) {
      List<Object> items = list(models, source + ".models");
      for (int i = 0; i < items.size(); i++) {
        file.models.add(fileModel(map(items.get(i), source + ".models[" + i + "]"), source + ".models[" + i + "]"));
      }
    }
    if (root.get("aliases") != null) {
      List<Object> items = list(root.get("aliases"), source + ".aliases");
      for (int i = 0; i < items.size(); i++) {
        file.aliases.add(fileAlias(map(items.get(i), source + ".aliases[" + i + "]"), source + ".aliases[" + i + "]"));
      }
    }
    if (root.get("tiers") != null) {
      List<Object> items = list(root.get("tiers"), source + ".tiers");
      for (int i = 0; i < items.size(); i++) {
        String where = source + ".tiers[" + i + "]";
        Map<String, Object> t = map(items.get(i), where);
        file.tiers.add(new TierRule(
            t.get("provider") == null ? null : ProviderIds.forFile(String.valueOf(t.get("provider"))),
            MatchRule.parse(t.get("match"), where + ".match"),
            Tier.parse(text(t, "tier", where), where)));
      }
    }
    if (root.get("prompt_caching") != null) {
      List<Object> items = list(root.get("prompt_caching"), source + ".prompt_caching");
      for (int i = 0; i < items.size(); i++) {
        String where = source + ".prompt_caching[" + i + "]";
        file.promptCaching.add(promptCacheRule(map(items.get(i), where), where));
      }
    }
    if (root.get("not_for_chat") != null) {
      file.notForChat = MatchRule.parse(root.get("not_for_chat"), source + ".not_for_chat");
    }
    return file;
  }

  private static PromptCacheRule promptCacheRule(Map<String, Object> node, String where) {
    for (Object key : node.keySet()) {
      if (!java.util.Arrays.asList("provider", "match", "min_tokens", "lifetime", "source", "checked").contains(String.valueOf(key))) {
        throw new IllegalArgumentException(where + "." + key
            + ": unknown key (expected: provider, match, min_tokens, lifetime, source, checked)");
      }
    }
    String provider = ProviderIds.forFile(text(node, "provider", where));
    MatchRule match = node.get("match") == null ? null : MatchRule.parse(node.get("match"), where + ".match");
    double min = price(node.get("min_tokens") == null ? "missing" : node.get("min_tokens"), where + ".min_tokens");
    if (min != Math.rint(min)) {
      throw new IllegalArgumentException(where + ".min_tokens: " + node.get("min_tokens") + " (expected: a whole number >= 0)");
    }
    String lifetime = text(node, "lifetime", where);
    java.time.Duration duration = lifetime(lifetime, where + ".lifetime");
    String source = node.get("source") == null ? "" : String.valueOf(node.get("source"));
    return new PromptCacheRule(provider, match, new PromptCache((long) min, duration, source));
  }

  /** {@code 30s}, {@code 5m}, {@code 1h}: a positive whole number and a unit. */
  private static java.time.Duration lifetime(String text, String where) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*([smh])").matcher(text);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException(where + ": " + text + " (expected: a positive duration such as 300s, 5m or 1h)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2);
    java.time.Duration duration = unit.equals("s") ? java.time.Duration.ofSeconds(n)
        : unit.equals("m") ? java.time.Duration.ofMinutes(n) : java.time.Duration.ofHours(n);
    if (duration.compareTo(MAX_LIFETIME) > 0) {
      // The analysis compares call times in nanoseconds: a longer lifetime would overflow there.
      throw new IllegalArgumentException(where + ": " + text + " (expected: at most " + MAX_LIFETIME.toHours() + "h)");
    }
    return duration;
  }

  /** The longest prompt-cache lifetime a catalog may give: a century, well within long nanoseconds. */
  private static final java.time.Duration MAX_LIFETIME = java.time.Duration.ofDays(36_500);

  private static FileModel fileModel(Map<String, Object> node, String where) {
    String provider = ProviderIds.forFile(text(node, "provider", where));
    String id = text(node, "model", where).toLowerCase(Locale.ROOT);
    List<String> names = new ArrayList<>();
    names.add(id);
    if (node.get("aliases") != null) {
      for (Object alias : list(node.get("aliases"), where + ".aliases")) {
        names.add(String.valueOf(alias).trim().toLowerCase(Locale.ROOT));
      }
    }
    MatchRule match = MatchRule.equalsAny(names);
    if (node.get("match") != null) {
      match = MatchRule.or(match, MatchRule.parse(node.get("match"), where + ".match"));
    }
    Tier tier = node.get("tier") == null ? null : Tier.parse(text(node, "tier", where), where);
    Object reasoning = node.get("reasoning_billed_as_output");
    Boolean reasoningAsOutput = reasoning == null ? null : Boolean.valueOf(String.valueOf(reasoning));
    List<Object> priceNodes = list(node.get("prices"), where + ".prices");
    if (priceNodes.isEmpty()) {
      throw new IllegalArgumentException(where + ".prices: missing (expected: a non-empty list)");
    }
    List<PriceRule> rules = new ArrayList<>();
    for (int i = 0; i < priceNodes.size(); i++) {
      rules.add(filePrice(map(priceNodes.get(i), where + ".prices[" + i + "]"), where + ".prices[" + i + "]"));
    }
    // Oldest first; on one day the all-day price before its off-peak window (tried newest first).
    rules.sort(Comparator.comparing((PriceRule r) -> r.from == null ? LocalDate.MIN : r.from)
        .thenComparing(r -> r.hasWindow()));
    return new FileModel(provider, id, names, match, tier, reasoningAsOutput, rules, where);
  }

  @SuppressWarnings("unchecked")
  private static PriceRule filePrice(Map<String, Object> node, String where) {
    LocalDate from = node.get("effective_from") == null ? null : date(node.get("effective_from"), where + ".effective_from");
    LocalTime start = null;
    LocalTime end = null;
    if (node.get("time_of_day") != null) {
      String window = String.valueOf(node.get("time_of_day"));
      int dash = window.indexOf('-');
      if (dash < 0) {
        throw new IllegalArgumentException(where + ".time_of_day: " + window + " (expected: HH:MM-HH:MM, UTC)");
      }
      start = time(window.substring(0, dash).trim(), where + ".time_of_day");
      end = time(window.substring(dash + 1).trim(), where + ".time_of_day");
    }
    UnitPrices.Builder b = UnitPrices.builder();
    for (Map.Entry<?, Object> e : ((Map<?, Object>) node).entrySet()) {
      String key = String.valueOf(e.getKey());
      PriceUnit unit = PriceUnit.byFileKey(key);
      if (unit != null) {
        b.price(unit, price(e.getValue(), where + "." + e.getKey()));
      } else if (!key.equals("effective_from") && !key.equals("time_of_day") && !key.equals("above")) {
        throw new IllegalArgumentException(where + "." + e.getKey()
            + ": unknown key (expected: effective_from, time_of_day, above or a price: input, output, cache_read, "
            + "cache_write, cache_write_1h, input_audio, cache_audio_read, input_image, output_audio, output_image)");
      }
    }
    if (!b.has(PriceUnit.INPUT)) {
      throw new IllegalArgumentException(where + ".input: missing (expected: USD per 1M input tokens)");
    }
    if (!b.has(PriceUnit.OUTPUT)) {
      throw new IllegalArgumentException(where + ".output: missing (expected: USD per 1M output tokens)");
    }
    if (node.get("above") != null) {
      Map<Object, Object> above = (Map<Object, Object>) (Map<?, ?>) map(node.get("above"), where + ".above");
      for (Map.Entry<Object, Object> tier : above.entrySet()) {
        String at = where + ".above." + tier.getKey();
        long threshold = (long) price(tier.getKey(), at);
        Map<String, Object> tierPrices = map(tier.getValue(), at);
        for (Map.Entry<?, Object> e : ((Map<?, Object>) tierPrices).entrySet()) {
          PriceUnit unit = PriceUnit.byFileKey(String.valueOf(e.getKey()));
          if (unit == null || !b.has(unit)) {
            throw new IllegalArgumentException(at + "." + e.getKey()
                + ": not a price of this entry (a tier changes prices the entry sets)");
          }
          b.tier(unit, threshold, price(e.getValue(), at + "." + e.getKey()));
        }
      }
    }
    return new PriceRule(from, start, end, b.build());
  }

  private static FileAlias fileAlias(Map<String, Object> node, String where) {
    String provider = ProviderIds.forFile(text(node, "provider", where));
    String alias = text(node, "alias", where).toLowerCase(Locale.ROOT);
    List<String> names = new ArrayList<>();
    names.add(alias);
    if (node.get("names") != null) {
      for (Object name : list(node.get("names"), where + ".names")) {
        names.add(String.valueOf(name).trim().toLowerCase(Locale.ROOT));
      }
    }
    List<Object> serves = list(node.get("serves"), where + ".serves");
    if (serves.isEmpty()) {
      throw new IllegalArgumentException(where + ".serves: missing (expected: a list of {from, model})");
    }
    List<LocalDate> from = new ArrayList<>();
    List<String> models = new ArrayList<>();
    for (int i = 0; i < serves.size(); i++) {
      Map<String, Object> s = map(serves.get(i), where + ".serves[" + i + "]");
      LocalDate day = date(s.get("from"), where + ".serves[" + i + "].from");
      if (!from.isEmpty() && !day.isAfter(from.get(from.size() - 1))) {
        throw new IllegalArgumentException(where + ".serves[" + i + "].from: " + day + " (expected: ascending dates)");
      }
      from.add(day);
      models.add(text(s, "model", where + ".serves[" + i + "]").toLowerCase(Locale.ROOT));
    }
    return new FileAlias(provider, alias, names, from, models, where);
  }

  // ---------------------------------------------------------------- values

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, String where) {
    if (!(node instanceof Map)) {
      throw new IllegalArgumentException(where + ": " + node + " (expected: a mapping)");
    }
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node, String where) {
    if (!(node instanceof List)) {
      throw new IllegalArgumentException(where + ": " + (node == null ? "missing" : node) + " (expected: a list)");
    }
    return (List<Object>) node;
  }

  static String text(Map<String, Object> node, String field, String where) {
    Object value = node.get(field);
    if (value == null || String.valueOf(value).isBlank()) {
      throw new IllegalArgumentException(where + "." + field + ": missing");
    }
    return String.valueOf(value).trim();
  }

  /** A price or count: a non-negative finite number (YAML 1.1 reads {@code 1e-7} as text). */
  static double price(Object value, String where) {
    double v;
    if (value instanceof Number) {
      v = ((Number) value).doubleValue();
    } else {
      try {
        v = Double.parseDouble(String.valueOf(value).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + ": " + value + " (expected: a number >= 0)", e);
      }
    }
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(where + ": " + value + " (expected: a number >= 0)");
    }
    return v;
  }

  /** YAML reads an unquoted 2024-10-02 as a timestamp (UTC midnight), a quoted one as text. */
  static LocalDate date(Object value, String where) {
    if (value instanceof Date) {
      return LocalDate.ofInstant(((Date) value).toInstant(), ZoneOffset.UTC);
    }
    try {
      return LocalDate.parse(String.valueOf(value).trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(where + ": " + value + " (expected: YYYY-MM-DD)", e);
    }
  }

  private static LocalTime time(Object value, String where) {
    String text = String.valueOf(value).trim();
    if (text.endsWith("Z")) {
      text = text.substring(0, text.length() - 1);
    }
    try {
      return LocalTime.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(where + ": " + value + " (expected: HH:MM in UTC)", e);
    }
  }
}
