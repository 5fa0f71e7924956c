package dev.tokentrail.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The price catalog inside the instrumented service: the same {@code prices.yaml} the server uses
 * (packaged into this jar by the build), read with the same rules as the server's {@code
 * PriceCatalog} and {@code CostCalculator}, in Java 11. Never throws on span data.
 */
final class AgentPrices {
  static final String RESOURCE = "/dev/tokentrail/catalog/prices.yaml";
  private static final double PER_TOKEN = 1.0 / 1_000_000;

  /** One price in force from a day on, USD per 1M tokens. */
  static final class Price {
    final LocalDate from;
    final double input;
    final double output;
    final double cacheRead;
    final double cacheWrite;

    Price(LocalDate from, double input, double output, double cacheRead, double cacheWrite) {
      this.from = from;
      this.input = input;
      this.output = output;
      this.cacheRead = cacheRead;
      this.cacheWrite = cacheWrite;
    }
  }

  static final class Entry {
    final String provider;
    final String model;
    final String tier;
    final boolean reasoningAsOutput;
    final List<Price> prices;

    Entry(String provider, String model, String tier, boolean reasoningAsOutput, List<Price> prices) {
      this.provider = provider;
      this.model = model;
      this.tier = tier;
      this.reasoningAsOutput = reasoningAsOutput;
      this.prices = prices;
    }

    Price priceOn(LocalDate day) {
      Price inForce = prices.get(0);
      for (Price p : prices) {
        if (p.from.isAfter(day)) {
          break;
        }
        inForce = p;
      }
      return inForce;
    }
  }

  /** A priced call: USD amounts and what priced it. */
  static final class Cost {
    final double total;
    final double input;
    final double output;
    final Entry entry;

    Cost(double total, double input, double output, Entry entry) {
      this.total = total;
      this.input = input;
      this.output = output;
      this.entry = entry;
    }
  }

  private static final Entry NOT_FOUND = new Entry("", "", "", true, List.of());
  private final String version;
  private final Map<String, List<Entry>> byName = new HashMap<>();
  private final Map<String, Entry> resolved = new ConcurrentHashMap<>();

  private AgentPrices(String version) {
    this.version = version;
  }

  String version() {
    return version;
  }

  static AgentPrices builtIn() {
    try (InputStream in = AgentPrices.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("price catalog missing from the extension jar: " + RESOURCE);
      }
      return parse(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the built-in price catalog", e);
    }
  }

  /** The built-in catalog with a user file's entries replacing or adding models. */
  static AgentPrices withOverride(Path file) throws IOException {
    AgentPrices base = builtIn();
    try (InputStream in = Files.newInputStream(file)) {
      AgentPrices override = parse(in);
      AgentPrices merged = new AgentPrices(base.version + "+" + override.version);
      // An overridden model is replaced under every name the base knows it by (its aliases too),
      // as the server's PriceCatalog.overriddenBy does.
      Map<String, Entry> replacements = new HashMap<>();
      for (List<Entry> entries : override.byName.values()) {
        for (Entry entry : entries) {
          replacements.put(entry.provider + '\u0000' + entry.model, entry);
        }
      }
      for (Map.Entry<String, List<Entry>> e : base.byName.entrySet()) {
        List<Entry> list = new ArrayList<>(e.getValue().size());
        for (Entry old : e.getValue()) {
          list.add(replacements.getOrDefault(old.provider + '\u0000' + old.model, old));
        }
        merged.byName.put(e.getKey(), list);
      }
      for (Map.Entry<String, List<Entry>> e : override.byName.entrySet()) {
        List<Entry> list = new ArrayList<>(e.getValue());
        for (Entry old : merged.byName.getOrDefault(e.getKey(), List.of())) {
          if (list.stream().noneMatch(n -> n.provider.equals(old.provider))) {
            list.add(old);
          }
        }
        merged.byName.put(e.getKey(), list);
      }
      return merged;
    }
  }

  @SuppressWarnings("unchecked")
  static AgentPrices parse(InputStream in) {
    Map<String, Object> root = new Yaml(new SafeConstructor(new LoaderOptions()))
        .load(new InputStreamReader(in, StandardCharsets.UTF_8));
    AgentPrices catalog = new AgentPrices(String.valueOf(root.get("version")));
    for (Object o : (List<Object>) root.get("models")) {
      Map<String, Object> m = (Map<String, Object>) o;
      List<Price> prices = new ArrayList<>();
      for (Object p : (List<Object>) m.get("prices")) {
        Map<String, Object> pm = (Map<String, Object>) p;
        double input = number(pm.get("input"));
        prices.add(new Price(date(pm.get("effective_from")), input, number(pm.get("output")),
            pm.containsKey("cache_read") ? number(pm.get("cache_read")) : input,
            pm.containsKey("cache_write") ? number(pm.get("cache_write")) : input));
      }
      prices.sort(Comparator.comparing(p -> p.from));
      Object reasoning = m.get("reasoning_billed_as_output");
      Entry entry = new Entry(lower(m.get("provider")), lower(m.get("model")), String.valueOf(m.get("tier")),
          reasoning == null || Boolean.TRUE.equals(reasoning), prices);
      catalog.byName.computeIfAbsent(entry.model, k -> new ArrayList<>()).add(entry);
      Object aliases = m.get("aliases");
      if (aliases instanceof List) {
        for (Object alias : (List<Object>) aliases) {
          catalog.byName.computeIfAbsent(lower(alias), k -> new ArrayList<>()).add(entry);
        }
      }
    }
    return catalog;
  }

  /** YAML reads an unquoted 2024-10-02 as a timestamp (UTC midnight); a quoted one as text. */
  private static LocalDate date(Object value) {
    if (value instanceof java.util.Date) {
      return LocalDate.ofInstant(((java.util.Date) value).toInstant(), java.time.ZoneOffset.UTC);
    }
    return LocalDate.parse(String.valueOf(value));
  }

  private static double number(Object value) {
    return value instanceof Number ? ((Number) value).doubleValue() : Double.parseDouble(String.valueOf(value));
  }

  private static String lower(Object value) {
    return String.valueOf(value).trim().toLowerCase(Locale.ROOT);
  }

  Entry find(String provider, String model) {
    if (model == null || model.isEmpty()) {
      return null;
    }
    String key = provider == null ? model : provider + '\u0000' + model;
    Entry entry = resolved.get(key);
    if (entry == null) {
      entry = resolve(provider, model);
      if (resolved.size() < 10_000) {
        resolved.put(key, entry == null ? NOT_FOUND : entry);
      }
    }
    return entry == NOT_FOUND ? null : entry;
  }

  private Entry resolve(String provider, String model) {
    String lower = model.trim().toLowerCase(Locale.ROOT);
    List<Entry> candidates = byName.get(lower);
    int slash = lower.lastIndexOf('/');
    if (candidates == null && slash >= 0) {
      candidates = byName.get(lower.substring(slash + 1));
    }
    if (candidates == null) {
      candidates = byName.get(canonical(lower));
    }
    if (candidates == null && slash >= 0) {
      candidates = byName.get(canonical(lower.substring(slash + 1)));
    }
    if (candidates == null || candidates.isEmpty()) {
      return null;
    }
    if (provider != null) {
      for (Entry e : candidates) {
        if (e.provider.equals(provider)) {
          return e;
        }
      }
    }
    return candidates.get(0);
  }

  /** The same reduction as the server's ModelNames: dated snapshots, -latest, Bedrock ids. */
  static String canonical(String name) {
    String n = name;
    if (n.startsWith("models/")) {
      n = n.substring(7);
    }
    for (String region : new String[] {"us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au."}) {
      if (n.startsWith(region) && n.indexOf('.', region.length()) > 0) {
        n = n.substring(region.length());
        break;
      }
    }
    int at = n.indexOf('@');
    if (at > 0) {
      n = n.substring(0, at);
    }
    int colon = n.lastIndexOf(':');
    if (colon > 0) {
      n = n.substring(0, colon);
    }
    n = n.replaceFirst("-v\\d+$", "");
    if (n.endsWith("-latest")) {
      n = n.substring(0, n.length() - 7);
    }
    return n.replaceFirst("-20\\d\\d-\\d\\d-\\d\\d$", "").replaceFirst("-20\\d{6}$", "");
  }

  /**
   * Cost by the OTel token semantics: input includes cache reads and writes, output includes
   * reasoning. Null when the model is unknown.
   */
  Cost cost(String provider, String model, long input, long output, long cacheRead, long cacheWrite, long reasoning, LocalDate day) {
    Entry entry = find(provider, model);
    if (entry == null) {
      return null;
    }
    Price p = entry.priceOn(day);
    long cached = Math.max(0, cacheRead) + Math.max(0, cacheWrite);
    long uncached = Math.max(0, Math.max(0, input) - cached);
    long billedOutput = Math.max(0, output);
    if (!entry.reasoningAsOutput && reasoning > 0) {
      billedOutput = Math.max(0, billedOutput - reasoning);
    }
    double in = (uncached * p.input + Math.max(0, cacheRead) * p.cacheRead + Math.max(0, cacheWrite) * p.cacheWrite) * PER_TOKEN;
    double out = billedOutput * p.output * PER_TOKEN;
    return new Cost(in + out, in, out, entry);
  }
}
