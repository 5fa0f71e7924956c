package dev.tokentrail.pricing;

import static java.util.Objects.requireNonNull;

import dev.tokentrail.pricing.CatalogFiles.CatalogFile;
import dev.tokentrail.pricing.CatalogFiles.FileAlias;
import dev.tokentrail.pricing.CatalogFiles.FileModel;
import dev.tokentrail.pricing.CatalogFiles.TierRule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Model prices per provider with their history: a pinned snapshot of Pydantic's genai-prices,
 * corrected and completed by TokenTrail's overlay (each entry sourced), optionally overridden by a
 * user's file. Immutable; lookups are cached per distinct (provider, model) name.
 *
 * <p>A model id is resolved in its provider first (the span's {@code gen_ai.provider.name}, which
 * decides the host's price for an open model), then in the vendor whose ids it follows ({@code
 * claude-*} is Anthropic's), and, when the span names no known provider, in every provider, the
 * model vendors first. Each spelling of {@link ModelNames#candidates} is tried in turn.
 */
public final class PriceCatalog {
  static final String SNAPSHOT = "/dev/tokentrail/pricing/genai-prices.json";
  static final String OVERLAY = "/dev/tokentrail/pricing/overlay.yaml";
  private static final int MAX_CACHED_NAMES = 10_000;
  private static final List<String> VENDORS_FIRST =
      List.of("openai", "anthropic", "google", "x-ai", "mistral", "deepseek", "aws", "azure", "cohere");
  private static final Object NOT_FOUND = new Object();
  private static volatile PriceCatalog builtIn;

  /** One provider's models, in match order: the first whose rule matches a name prices it. */
  static final class Provider {
    final String id;
    final String name;
    final MatchRule modelMatch;
    final MatchRule providerMatch;
    final List<String> fallbacks;
    final List<CatalogModel> models = new ArrayList<>();
    final Map<String, CatalogModel> aliases = new HashMap<>();

    Provider(String id, String name, MatchRule modelMatch, MatchRule providerMatch, List<String> fallbacks) {
      this.id = id;
      this.name = name;
      this.modelMatch = modelMatch;
      this.providerMatch = providerMatch;
      this.fallbacks = List.copyOf(fallbacks);
    }

    Provider copy() {
      Provider p = new Provider(id, name, modelMatch, providerMatch, fallbacks);
      p.models.addAll(models);
      p.aliases.putAll(aliases);
      return p;
    }

    CatalogModel model(String modelId) {
      for (CatalogModel m : models) {
        if (m.id().equals(modelId)) {
          return m;
        }
      }
      return null;
    }
  }

  private final String version;
  private final String snapshotVersion;
  private final Map<String, Provider> providers;
  private final List<Provider> searchOrder;
  private final MatchRule notForChat;
  /** Prompt-cache rules, first match wins: a file's rules come before those it extends. */
  private final List<PromptCacheRule> promptCaching;
  private final Map<String, Map<String, Object>> resolved = new ConcurrentHashMap<>();
  private final AtomicInteger cachedNames = new AtomicInteger();

  private PriceCatalog(String version, String snapshotVersion, Map<String, Provider> providers, MatchRule notForChat,
      List<PromptCacheRule> promptCaching) {
    this.version = version;
    this.promptCaching = List.copyOf(promptCaching);
    this.snapshotVersion = snapshotVersion;
    this.providers = Collections.unmodifiableMap(providers);
    this.notForChat = notForChat;
    List<Provider> order = new ArrayList<>();
    for (String id : VENDORS_FIRST) {
      if (providers.containsKey(id)) {
        order.add(providers.get(id));
      }
    }
    for (Provider p : providers.values()) {
      if (!order.contains(p) && !p.id.equals("openrouter") && !p.id.startsWith("huggingface")) {
        order.add(p);
      }
    }
    for (Provider p : providers.values()) {
      if (!order.contains(p)) {
        order.add(p);
      }
    }
    this.searchOrder = List.copyOf(order);
  }

  /** The catalog shipped with this release: the genai-prices snapshot with TokenTrail's overlay. */
  public static PriceCatalog builtIn() {
    PriceCatalog catalog = builtIn;
    if (catalog == null) {
      synchronized (PriceCatalog.class) {
        catalog = builtIn;
        if (catalog == null) {
          catalog = readBuiltIn();
          builtIn = catalog;
        }
      }
    }
    return catalog;
  }

  private static PriceCatalog readBuiltIn() {
    Object snapshot;
    try (InputStream in = resource(SNAPSHOT)) {
      snapshot = CatalogFiles.load(in, "genai-prices snapshot");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> root = CatalogFiles.map(snapshot, "genai-prices snapshot");
    String snapshotVersion = "genai-prices-" + root.get("version");
    Map<String, Provider> providers = new LinkedHashMap<>();
    for (Provider p : CatalogFiles.readGenaiPrices(snapshot, "genai-prices snapshot")) {
      providers.put(p.id, p);
    }
    PriceCatalog base = new PriceCatalog(snapshotVersion, snapshotVersion, providers, null, List.of());
    try (InputStream in = resource(OVERLAY)) {
      return base.apply(CatalogFiles.readCatalogFile(CatalogFiles.load(in, "overlay"), "overlay"), "overlay");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = PriceCatalog.class.getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("price catalog resource missing: " + name);
    }
    return in;
  }

  /** The built-in catalog overridden by a user's file; throws naming the bad entry. */
  public static PriceCatalog withFile(Path file) {
    return builtIn().overriddenBy(file);
  }

  /**
   * This catalog with a catalog file applied: its entries replace models with the same provider
   * and id (keeping the names those matched) and are matched before the others; new ones are
   * added. The version becomes {@code THIS+FILE}.
   */
  public PriceCatalog overriddenBy(Path file) {
    requireNonNull(file, "file");
    try (InputStream in = Files.newInputStream(file)) {
      return overriddenBy(in, file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("price catalog " + file + ": " + e.getMessage(), e);
    }
  }

  /** As {@link #overriddenBy(Path)}, from a stream named {@code source} in errors. */
  public PriceCatalog overriddenBy(InputStream in, String source) {
    requireNonNull(in, "in");
    return apply(CatalogFiles.readCatalogFile(CatalogFiles.load(in, source), source), source);
  }

  private PriceCatalog apply(CatalogFile file, String origin) {
    Map<String, Provider> next = new LinkedHashMap<>();
    for (Provider p : providers.values()) {
      next.put(p.id, p.copy());
    }
    Map<String, String> seen = new HashMap<>();
    for (FileModel m : file.models) {
      for (String name : m.names) {
        claim(seen, m.provider + "/" + name, m.where);
      }
    }
    for (FileAlias a : file.aliases) {
      for (String name : a.names) {
        claim(seen, a.provider + "/" + name, a.where);
      }
    }
    List<CatalogModel> added = new ArrayList<>();
    for (FileModel m : file.models) {
      Provider p = next.computeIfAbsent(m.provider, id -> new Provider(id, id, null, null, List.of()));
      CatalogModel old = p.model(m.id);
      MatchRule match = old == null ? m.match : MatchRule.or(m.match, old.match);
      Tier tier = m.tier != null ? m.tier : old != null ? old.tier() : null;
      boolean reasoning = m.reasoningBilledAsOutput != null ? m.reasoningBilledAsOutput
          : old == null || old.reasoningBilledAsOutput();
      CatalogModel model = new CatalogModel(m.provider, m.id, old == null ? m.id : old.name(), tier, reasoning,
          origin, false, match, m.rules, List.of(), List.of());
      if (old != null) {
        p.models.remove(old);
      }
      added.add(model);
    }
    // A file's models are matched before the models they extend, in the file's order.
    for (int i = added.size() - 1; i >= 0; i--) {
      CatalogModel model = added.get(i);
      next.get(model.provider()).models.add(0, model);
    }
    assignTiers(next, file.tiers);
    relinkAliases(next);
    for (FileAlias a : file.aliases) {
      Provider p = next.get(a.provider);
      if (p == null) {
        throw new IllegalArgumentException(a.where + ".provider: " + a.provider + " (no such provider in the catalog)");
      }
      List<CatalogModel> served = new ArrayList<>();
      for (String id : a.models) {
        CatalogModel target = p.model(id);
        if (target == null) {
          throw new IllegalArgumentException(a.where + ".serves: " + a.provider + "/" + id + " is not in the catalog");
        }
        served.add(target);
      }
      CatalogModel latest = served.get(served.size() - 1);
      CatalogModel alias = new CatalogModel(a.provider, a.alias, a.alias, latest.tier(), latest.reasoningBilledAsOutput(),
          origin, false, MatchRule.equalsAny(a.names), List.of(), a.from, served);
      for (String name : a.names) {
        p.aliases.put(name, alias);
      }
    }
    String nextVersion = providers.isEmpty() || origin.equals("overlay")
        ? version + "+tokentrail-" + file.version
        : version + "+" + file.version;
    List<PromptCacheRule> caching = new ArrayList<>(file.promptCaching);
    caching.addAll(promptCaching);
    return new PriceCatalog(nextVersion, snapshotVersion, next,
        file.notForChat != null ? file.notForChat : notForChat, caching);
  }

  /**
   * Aliases copied from the catalog being extended point at the models they served then; a file
   * may have replaced those models (new prices, a tier): point them at the current ones by id.
   */
  private static void relinkAliases(Map<String, Provider> providers) {
    for (Provider p : providers.values()) {
      Map<CatalogModel, CatalogModel> rebuilt = new HashMap<>();
      for (Map.Entry<String, CatalogModel> e : p.aliases.entrySet()) {
        CatalogModel alias = e.getValue();
        CatalogModel relinked = rebuilt.get(alias);
        if (relinked == null) {
          List<CatalogModel> served = new ArrayList<>();
          for (CatalogModel old : alias.served) {
            CatalogModel current = p.model(old.id());
            served.add(current != null ? current : old);
          }
          CatalogModel latest = served.get(served.size() - 1);
          relinked = new CatalogModel(alias.provider(), alias.id(), alias.name(), latest.tier(),
              latest.reasoningBilledAsOutput(), alias.origin(), false, alias.match, List.of(), alias.servedFrom, served);
          rebuilt.put(alias, relinked);
        }
        e.setValue(relinked);
      }
    }
  }

  /** A name of a file names one model or alias of its provider: a second claim is an error. */
  private static void claim(Map<String, String> seen, String name, String where) {
    String previous = seen.putIfAbsent(name, where);
    if (previous != null) {
      throw new IllegalArgumentException(where + ": " + name + " is already defined at " + previous);
    }
  }

  /** Models without a tier get one from the file's tier rules, else from their output price. */
  private static void assignTiers(Map<String, Provider> providers, List<TierRule> rules) {
    for (Provider p : providers.values()) {
      for (int i = 0; i < p.models.size(); i++) {
        CatalogModel m = p.models.get(i);
        Tier tier = null;
        boolean ruled = m.tier() == null || m.origin().equals("genai-prices");
        for (TierRule rule : ruled ? rules : List.<TierRule>of()) {
          if ((rule.provider == null || rule.provider.equals(p.id)) && rule.match.matches(m.id())) {
            tier = rule.tier;
            break;
          }
        }
        if (tier == null && m.tier() == null) {
          tier = derivedTier(m);
        }
        if (tier != null && tier != m.tier()) {
          CatalogModel withTier = new CatalogModel(m.provider(), m.id(), m.name(), tier, m.reasoningBilledAsOutput(),
              m.origin(), m.isDeprecated(), m.match, m.rules, m.servedFrom, m.served);
          p.models.set(i, withTier);
        }
      }
    }
  }

  /**
   * Without a tier of its own a model is placed by its output price: frontier from $8 per 1M
   * output tokens, standard from $1.50, small below.
   */
  static Tier derivedTier(CatalogModel m) {
    double output = m.latestPrices().basePerMillion(PriceUnit.OUTPUT);
    if (Double.isNaN(output)) {
      return Tier.SMALL;
    }
    return output >= 8 ? Tier.FRONTIER : output >= 1.5 ? Tier.STANDARD : Tier.SMALL;
  }

  /**
   * The prompt cache of {@code model}'s provider for that model (docs/pricing.md, "Prompt
   * caching"), or {@code null} when the catalog has none for its provider.
   */
  public PromptCache promptCache(CatalogModel model) {
    requireNonNull(model, "model");
    for (PromptCacheRule rule : promptCaching) {
      if (rule.applies(model.provider(), model.id())) {
        return rule.cache();
      }
    }
    return null;
  }

  /** The version written on every priced span as {@code tokentrail.price.version}. */
  public String version() {
    return version;
  }

  /** The genai-prices snapshot this catalog is built on ({@code genai-prices-0.1.8}). */
  public String snapshotVersion() {
    return snapshotVersion;
  }

  /** Every model of every provider, in match order per provider. */
  public List<CatalogModel> models() {
    List<CatalogModel> all = new ArrayList<>();
    for (Provider p : providers.values()) {
      all.addAll(p.models);
    }
    return all;
  }

  /** The catalog's provider ids. */
  public List<String> providerIds() {
    return List.copyOf(providers.keySet());
  }

  boolean hasProvider(String id) {
    return providers.containsKey(id);
  }

  /** A provider whose match rule accepts the name ({@code amazon-bedrock-runtime}), or null. */
  String providerMatching(String lower) {
    for (Provider p : providers.values()) {
      if (p.providerMatch != null && p.providerMatch.matches(lower)) {
        return p.id;
      }
    }
    return null;
  }

  /**
   * The catalog model for a model id as reported on a span, or {@code null} when it is unknown.
   * {@code provider} (may be {@code null}) is the span's provider name; it decides between hosts
   * of the same model. The result may be a moving alias: price it with {@link #price}.
   */
  public CatalogModel find(String provider, String model) {
    if (model == null || model.isBlank()) {
      return null;
    }
    // Keyed by provider, then model: no key string is built per call.
    Map<String, Object> byModel = resolved.get(provider == null ? "" : provider);
    Object cached = byModel == null ? null : byModel.get(model);
    if (cached == null) {
      CatalogModel found = resolve(provider, model);
      cached = found == null ? NOT_FOUND : found;
      if (cachedNames.incrementAndGet() > MAX_CACHED_NAMES) {
        // A flood of distinct names (ids with request ids in them) must not stop caching the real
        // ones: start over. A miss costs about 0.1 ms (docs/pricing.md).
        resolved.clear();
        cachedNames.set(1);
      }
      resolved.computeIfAbsent(provider == null ? "" : provider, p -> new ConcurrentHashMap<>()).put(model, cached);
    }
    return cached == NOT_FOUND ? null : (CatalogModel) cached;
  }

  /**
   * What {@code usage} cost on the model at {@code at}, or {@code null} when the model is unknown.
   */
  public Quote price(String provider, String model, Usage usage, Instant at) {
    CatalogModel found = find(provider, model);
    return found == null ? null : quote(found, usage, at);
  }

  /** What {@code usage} costs on a catalog model at {@code at} (for what-if comparisons). */
  public Quote quote(CatalogModel model, Usage usage, Instant at) {
    requireNonNull(model, "model");
    requireNonNull(usage, "usage");
    requireNonNull(at, "at");
    return model.quote(usage, at, version);
  }

  private CatalogModel resolve(String spanProvider, String model) {
    String providerId = ProviderIds.lookup(spanProvider, this);
    List<String> names = ModelNames.candidates(model);
    Provider own = providerId == null ? null : providers.get(providerId);
    if (own != null) {
      for (String name : names) {
        CatalogModel m = matchIn(own, name, true);
        if (m != null) {
          return m;
        }
      }
    }
    // The vendor whose ids the model follows (genai-prices' own provider detection).
    for (String name : names) {
      for (Provider p : providers.values()) {
        if (p != own && p.modelMatch != null && p.modelMatch.matches(name)) {
          CatalogModel m = matchIn(p, name, true);
          if (m != null) {
            return m;
          }
        }
      }
    }
    if (own != null) {
      return null;
    }
    for (String name : names) {
      for (Provider p : searchOrder) {
        CatalogModel m = matchIn(p, name, false);
        if (m != null) {
          return m;
        }
      }
    }
    return null;
  }

  private CatalogModel matchIn(Provider p, String name, boolean withFallbacks) {
    CatalogModel alias = p.aliases.get(name);
    if (alias != null) {
      return alias;
    }
    for (CatalogModel m : p.models) {
      if (m.match.matches(name)) {
        return m;
      }
    }
    if (withFallbacks) {
      for (String fallback : p.fallbacks) {
        Provider f = providers.get(fallback);
        if (f != null) {
          CatalogModel m = matchIn(f, name, false);
          if (m != null) {
            return m;
          }
        }
      }
    }
    return null;
  }

  /**
   * The cheapest chat model of {@code provider} in the tier just below {@code tier} (by today's
   * input plus output price), or {@code null} when there is none.
   */
  public CatalogModel cheapestOneTierDown(String provider, Tier tier) {
    if (tier == Tier.SMALL || provider == null) {
      return null;
    }
    Provider p = providers.get(provider);
    if (p == null) {
      return null;
    }
    Tier down = Tier.values()[tier.ordinal() - 1];
    CatalogModel best = null;
    for (CatalogModel m : p.models) {
      if (m.tier() != down || m.isDeprecated() || (notForChat != null && notForChat.matches(m.id()))) {
        continue;
      }
      double output = m.latestPrices().basePerMillion(PriceUnit.OUTPUT);
      // Embedding models (no output price) do not serve generation tasks.
      if (!(output > 0)) {
        continue;
      }
      if (best == null || blended(m) < blended(best)) {
        best = m;
      }
    }
    return best;
  }

  /** Today's input plus output price per 1M tokens, below any prompt-size tier. */
  public static double blended(CatalogModel model) {
    UnitPrices p = model.latestPrices();
    return p.basePerMillion(PriceUnit.INPUT) + p.basePerMillion(PriceUnit.OUTPUT);
  }

  @Override
  public String toString() {
    return "PriceCatalog{version=" + version + ", models=" + models().size() + "}";
  }
}
