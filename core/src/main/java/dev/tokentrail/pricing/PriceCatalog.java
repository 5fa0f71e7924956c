package dev.tokentrail.pricing;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model prices per provider with their history, loaded from the versioned YAML file shipped in
 * the product ({@code dev/tokentrail/catalog/prices.yaml}) and optionally overridden by a user
 * file of the same shape. Lookups resolve aliases and dated snapshots and are cached.
 */
public final class PriceCatalog {
  static final String BUILT_IN_RESOURCE = "/dev/tokentrail/catalog/prices.yaml";
  private static final int MAX_CACHED_NAMES = 10_000;
  private static final CatalogEntry NOT_FOUND =
      new CatalogEntry("", "", Tier.SMALL, List.of(), true, List.of());

  private final String version;
  private final List<CatalogEntry> entries;
  /** Exact lower-case name or alias to the entries carrying it (one per provider). */
  private final Map<String, List<CatalogEntry>> byName;
  private final Map<String, CatalogEntry> resolved = new ConcurrentHashMap<>();

  private PriceCatalog(String version, List<CatalogEntry> entries) {
    this.version = version;
    this.entries = List.copyOf(entries);
    Map<String, List<CatalogEntry>> names = new HashMap<>();
    for (CatalogEntry entry : entries) {
      names.computeIfAbsent(entry.model(), k -> new ArrayList<>()).add(entry);
      for (String alias : entry.aliases()) {
        names.computeIfAbsent(alias, k -> new ArrayList<>()).add(entry);
      }
    }
    this.byName = names;
  }

  /** The catalog shipped with this release. */
  public static PriceCatalog builtIn() {
    try (InputStream in = PriceCatalog.class.getResourceAsStream(BUILT_IN_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("price catalog resource missing: " + BUILT_IN_RESOURCE);
      }
      return parse(in, "built-in catalog");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a catalog file; throws {@link IllegalArgumentException} naming the bad entry. */
  public static PriceCatalog load(Path file) {
    requireNonNull(file, "file");
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("price catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a catalog in the YAML format documented in docs/pricing.md. */
  public static PriceCatalog parse(InputStream in, String source) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": not valid YAML: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": expected a mapping with version and models");
    }
    String version = text(root, "version", source);
    JsonNode models = root.get("models");
    if (models == null || !models.isArray()) {
      throw new IllegalArgumentException(source + ".models: missing (expected: a list)");
    }
    List<CatalogEntry> entries = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < models.size(); i++) {
      String where = source + ".models[" + i + "]";
      CatalogEntry entry = parseEntry(models.get(i), where);
      for (String name : names(entry)) {
        String key = entry.provider() + "/" + name;
        String previous = seen.putIfAbsent(key, where);
        if (previous != null) {
          throw new IllegalArgumentException(
              where + ": " + key + " is already defined at " + previous);
        }
      }
      entries.add(entry);
    }
    return new PriceCatalog(version, entries);
  }

  private static List<String> names(CatalogEntry entry) {
    List<String> names = new ArrayList<>(entry.aliases());
    names.add(entry.model());
    return names;
  }

  private static CatalogEntry parseEntry(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + ": expected a mapping");
    }
    String provider = text(node, "provider", where).toLowerCase(java.util.Locale.ROOT);
    String model = text(node, "model", where).toLowerCase(java.util.Locale.ROOT);
    Tier tier = Tier.parse(text(node, "tier", where), where);
    List<String> aliases = new ArrayList<>();
    JsonNode aliasNode = node.get("aliases");
    if (aliasNode != null && !aliasNode.isNull()) {
      if (!aliasNode.isArray()) {
        throw new IllegalArgumentException(where + ".aliases: expected a list");
      }
      aliasNode.forEach(a -> aliases.add(a.asText().toLowerCase(java.util.Locale.ROOT)));
    }
    JsonNode reasoning = node.get("reasoning_billed_as_output");
    boolean reasoningAsOutput = reasoning == null || reasoning.asBoolean(true);
    JsonNode priceNodes = node.get("prices");
    if (priceNodes == null || !priceNodes.isArray() || priceNodes.isEmpty()) {
      throw new IllegalArgumentException(where + ".prices: missing (expected: a non-empty list)");
    }
    List<PricePoint> prices = new ArrayList<>();
    for (int i = 0; i < priceNodes.size(); i++) {
      prices.add(parsePrice(priceNodes.get(i), where + ".prices[" + i + "]"));
    }
    prices.sort(Comparator.comparing(PricePoint::effectiveFrom));
    return new CatalogEntry(
        provider, model, tier, List.copyOf(aliases), reasoningAsOutput, List.copyOf(prices));
  }

  private static PricePoint parsePrice(JsonNode node, String where) {
    LocalDate from;
    String date = text(node, "effective_from", where);
    try {
      from = LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          where + ".effective_from: " + date + " (expected: YYYY-MM-DD)", e);
    }
    double input = number(node, "input", where, Double.NaN);
    double output = number(node, "output", where, Double.NaN);
    if (Double.isNaN(input)) {
      throw new IllegalArgumentException(where + ".input: missing (expected: USD per 1M input tokens)");
    }
    if (Double.isNaN(output)) {
      throw new IllegalArgumentException(where + ".output: missing (expected: USD per 1M output tokens)");
    }
    double cacheRead = number(node, "cache_read", where, input);
    double cacheWrite = number(node, "cache_write", where, input);
    return new PricePoint(from, input, output, cacheRead, cacheWrite);
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull() || value.asText().isBlank()) {
      throw new IllegalArgumentException(where + "." + field + ": missing");
    }
    return value.asText().trim();
  }

  private static double number(JsonNode node, String field, String where, double absent) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return absent;
    }
    if (!value.isNumber() || value.asDouble() < 0) {
      throw new IllegalArgumentException(
          where + "." + field + ": " + value + " (expected: a price >= 0 in USD per 1M tokens)");
    }
    return value.asDouble();
  }

  /**
   * This catalog with {@code overrides} applied: an override entry replaces the entry with the
   * same provider and model; others are added.
   */
  public PriceCatalog overriddenBy(PriceCatalog overrides) {
    requireNonNull(overrides, "overrides");
    Map<String, CatalogEntry> merged = new LinkedHashMap<>();
    for (CatalogEntry entry : entries) {
      merged.put(entry.provider() + "/" + entry.model(), entry);
    }
    for (CatalogEntry entry : overrides.entries) {
      merged.put(entry.provider() + "/" + entry.model(), entry);
    }
    return new PriceCatalog(version + "+" + overrides.version, new ArrayList<>(merged.values()));
  }

  /** The catalog version written on every priced span as {@code tokentrail.price.version}. */
  public String version() {
    return version;
  }

  public List<CatalogEntry> entries() {
    return entries;
  }

  /**
   * The catalog entry for a model as reported on a span, or {@code null} when the model is
   * unknown. {@code provider} (may be {@code null}) breaks ties between providers that serve a
   * model of the same name.
   */
  public CatalogEntry find(String provider, String model) {
    if (model == null || model.isBlank()) {
      return null;
    }
    String key = provider == null ? model : provider + '\u0000' + model;
    CatalogEntry cached = resolved.get(key);
    if (cached == null) {
      cached = resolve(provider, model);
      if (resolved.size() < MAX_CACHED_NAMES) {
        resolved.put(key, cached == null ? NOT_FOUND : cached);
      }
    }
    return cached == NOT_FOUND ? null : cached;
  }

  private CatalogEntry resolve(String provider, String model) {
    String lower = model.trim().toLowerCase(java.util.Locale.ROOT);
    List<CatalogEntry> candidates = byName.get(lower);
    // OpenRouter / LiteLLM style "openai/gpt-4o": an exact bare name (a snapshot with its own
    // entry, "openai/gpt-4o-2024-05-13") wins over stripping the full name to an alias.
    int slash = lower.lastIndexOf('/');
    String bare = slash >= 0 ? lower.substring(slash + 1) : null;
    if (candidates == null && bare != null) {
      candidates = byName.get(bare);
    }
    if (candidates == null) {
      candidates = byName.get(ModelNames.canonicalize(lower));
    }
    if (candidates == null && bare != null) {
      candidates = byName.get(ModelNames.canonicalize(bare));
    }
    if (candidates == null || candidates.isEmpty()) {
      return null;
    }
    if (provider != null && candidates.size() > 1) {
      for (CatalogEntry entry : candidates) {
        if (entry.provider().equals(provider)) {
          return entry;
        }
      }
    }
    return candidates.get(0);
  }

  /**
   * The cheapest model of {@code provider} in the tier just below {@code tier} (by today's input
   * plus output price), or {@code null} when there is none.
   */
  public CatalogEntry cheapestOneTierDown(String provider, Tier tier) {
    if (tier == Tier.SMALL) {
      return null;
    }
    Tier down = Tier.values()[tier.ordinal() - 1];
    CatalogEntry best = null;
    for (CatalogEntry entry : entries) {
      // Embedding models (no output price) do not serve generation tasks.
      if (entry.provider().equals(provider) && entry.tier() == down && entry.latestPrice().output() > 0) {
        if (best == null || blended(entry) < blended(best)) {
          best = entry;
        }
      }
    }
    return best;
  }

  private static double blended(CatalogEntry entry) {
    PricePoint p = entry.latestPrice();
    return p.input() + p.output();
  }

  @Override
  public String toString() {
    return "PriceCatalog{version=" + version + ", models=" + entries.size() + "}";
  }
}
