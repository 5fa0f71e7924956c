package dev.tokentrail.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tokentrail.model.Durations;
import dev.tokentrail.pricing.CatalogModel;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.PriceUnit;
import dev.tokentrail.pricing.Quote;
import dev.tokentrail.pricing.UnitPrices;
import dev.tokentrail.pricing.Usage;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tokentrail prices}: what the price catalog makes of a model id and what a call costs on
 * it ({@code prices MODEL}), the catalog's models ({@code --list}), and the unknown models a
 * running server has seen ({@code --unknown}).
 */
@Command(
    name = "prices",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Shows how a model id is priced and what a call costs, by the server's catalog.",
      "  tokentrail prices gpt-4o --input 12000 --cached 8000 --output 700",
      "  tokentrail prices --list [--provider openai]",
      "  tokentrail prices --unknown [--since 24h] [--endpoint URL]",
      "--input counts all input tokens, cache reads and writes included;",
      "--output counts all output tokens, reasoning included.",
      "Exit codes: 0 ok, 1 unknown model or server error, 2 bad option value."
    })
final class PricesCommand implements Callable<Integer> {
  private static final String NAME = "tokentrail prices";
  private static final String CATALOG_ENV = "TOKENTRAIL_PRICING_CATALOG_FILE";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "A model id as a span reports it (gen_ai.request.model or gen_ai.response.model).")
  String model;

  @Option(names = "--provider", paramLabel = "NAME",
      description = "The span's gen_ai.provider.name (openai, aws.bedrock, gcp.vertex_ai, groq, ...): it decides between hosts of a model. With --list: a catalog provider id to list.")
  String provider;

  @Option(names = "--input", paramLabel = "TOKENS", description = "Input tokens, cache reads and writes included (e.g. 12000, 300k, 1.5M).")
  String input;

  @Option(names = "--cached", paramLabel = "TOKENS", description = "Cache-read tokens (part of --input).")
  String cached;

  @Option(names = "--cache-write", paramLabel = "TOKENS", description = "Cache-write tokens, one-hour writes included (part of --input; default: --cache-write-1h).")
  String cacheWrite;

  @Option(names = "--cache-write-1h", paramLabel = "TOKENS", description = "Cache writes with a one-hour lifetime (part of --cache-write).")
  String cacheWrite1h;

  @Option(names = "--output", paramLabel = "TOKENS", description = "Output tokens, reasoning included.")
  String output;

  @Option(names = "--reasoning", paramLabel = "TOKENS", description = "Reasoning tokens (part of --output).")
  String reasoning;

  @Option(names = "--at", paramLabel = "WHEN",
      description = "When the call was made: a date (2024-09-01, read as 12:00 UTC) or an ISO instant (2024-09-01T08:30:00Z). Default: now.")
  String at;

  @Option(names = "--catalog", paramLabel = "FILE",
      description = "A price catalog file overriding the built-in catalog, as the server's pricing.catalog_file (default: env " + CATALOG_ENV + " when set).")
  Path catalogFile;

  @Option(names = "--json", description = "Machine-readable output.")
  boolean json;

  @Option(names = "--list", description = "Lists the catalog's models with today's prices.")
  boolean list;

  @Option(names = "--unknown", description = "Lists the models a running server could not price, with call counts.")
  boolean unknown;

  @Option(names = "--since", defaultValue = "24h", paramLabel = "DURATION",
      description = "With --unknown: models last seen within this window, e.g. 1h, 24h, 7d (default ${DEFAULT-VALUE}).")
  String since;

  /** With --unknown: the server's query API. */
  @Mixin QueryApiClient api = new QueryApiClient();

  PrintStream out = System.out;
  PrintStream err = System.err;
  Map<String, String> env = System.getenv();

  /** A bad option value: reported with exit code 2. */
  private static final class BadOption extends Exception {
    BadOption(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() throws Exception {
    try {
      int modes = (model != null ? 1 : 0) + (list ? 1 : 0) + (unknown ? 1 : 0);
      if (modes != 1) {
        throw new BadOption(modes == 0
            ? "name a model (tokentrail prices gpt-4o --input 1000 --output 100), or use --list or --unknown"
            : "give one of MODEL, --list and --unknown");
      }
      if (unknown) {
        return unknownModels();
      }
      PriceCatalog catalog = catalog();
      return list ? list(catalog) : explain(catalog);
    } catch (BadOption e) {
      err.println(NAME + ": " + e.getMessage());
      return 2;
    }
  }

  // ------------------------------------------------------------------ the catalog

  private PriceCatalog catalog() throws BadOption {
    Path file = catalogFile;
    String option = "--catalog";
    if (file == null) {
      String fromEnv = env.get(CATALOG_ENV);
      if (fromEnv == null || fromEnv.isBlank()) {
        return PriceCatalog.builtIn();
      }
      file = Path.of(fromEnv.trim());
      option = CATALOG_ENV;
    }
    if (!Files.isRegularFile(file)) {
      throw new BadOption(option + ": " + file + " (no such file)");
    }
    try {
      return PriceCatalog.withFile(file);
    } catch (IllegalArgumentException e) {
      throw new BadOption(option + ": " + e.getMessage());
    }
  }

  private static String origin(CatalogModel m) {
    String o = m.origin();
    return o.equals("genai-prices") || o.equals("overlay") ? o : "file";
  }

  private static String originText(CatalogModel m) {
    String o = origin(m);
    return o.equals("file") ? "file " + m.origin() : o;
  }

  // ------------------------------------------------------------------ prices MODEL

  /** One line of the cost breakdown: tokens of one kind at the price used for them. */
  private record Line(String key, String label, long tokens, double perMillion, double usd, String note) {}

  private int explain(PriceCatalog catalog) throws BadOption {
    long in = tokens("--input", input);
    long cacheRead = tokens("--cached", cached);
    long write1h = tokens("--cache-write-1h", cacheWrite1h);
    long write = cacheWrite == null ? write1h : tokens("--cache-write", cacheWrite);
    long outTokens = tokens("--output", output);
    long reasoningTokens = tokens("--reasoning", reasoning);
    if (write1h > write) {
      throw new BadOption("--cache-write-1h: " + write1h + " exceeds --cache-write " + write
          + " (one-hour writes are part of the cache writes)");
    }
    if (cacheRead + write > in) {
      throw new BadOption("--cached " + cacheRead + " plus --cache-write " + write + " exceed --input " + in
          + " (--input counts all input tokens, cache reads and writes included)");
    }
    if (reasoningTokens > outTokens) {
      throw new BadOption("--reasoning: " + reasoningTokens + " exceeds --output " + outTokens
          + " (--output counts all output tokens, reasoning included)");
    }
    Instant when = instant();

    CatalogModel found = catalog.find(provider, model);
    if (found == null) {
      err.println(NAME + ": unknown model '" + model + "'" + (provider == null ? "" : " (provider " + provider + ")")
          + ": the catalog " + catalog.version() + " has no price for it, and calls to it are stored unpriced.");
      err.println("Add it with a price catalog file (models: provider, model, prices) given to the server as"
          + " pricing.catalog_file (--price-catalog, env " + CATALOG_ENV + ") and here as --catalog FILE;"
          + " the format is in docs/pricing.md.");
      return 1;
    }
    Usage usage = Usage.builder().input(in).cacheRead(cacheRead).cacheWrite(write).cacheWrite1h(write1h)
        .output(outTokens).reasoning(reasoningTokens).build();
    Quote quote = catalog.quote(found, usage, when);
    CatalogModel served = quote.model();
    UnitPrices prices = quote.prices();

    // The catalog's own breakdown; the six kinds a user can pass are always shown.
    Map<String, Quote.Line> byKind = new LinkedHashMap<>();
    for (Quote.Line l : quote.lines()) {
      byKind.put(l.kind(), l);
    }
    List<Line> lines = new ArrayList<>();
    for (String[] kind : KINDS) {
      Quote.Line l = byKind.remove(kind[0]);
      if (kind[0].equals("reasoning") && !served.reasoningBilledAsOutput()) {
        lines.add(new Line(kind[1], kind[2], reasoningTokens, 0, 0,
            reasoningTokens == 0 ? null : "not billed: the catalog says this model bills no reasoning as output"));
      } else if (l == null) {
        lines.add(new Line(kind[1], kind[2], 0, prices.perMillion(ownUnit(kind[0]), in), 0, null));
      } else {
        lines.add(line(kind[1], kind[2], l));
      }
    }
    for (Quote.Line l : byKind.values()) {
      lines.add(line(camel(l.kind()), l.kind().replace('_', ' '), l));
    }

    TreeSet<Long> thresholds = new TreeSet<>();
    for (PriceUnit unit : PriceUnit.values()) {
      if (prices.has(unit)) {
        for (long t : prices.thresholds(unit)) {
          thresholds.add(t);
        }
      }
    }
    // A tier applies when the call's input is above its threshold.
    Long applied = thresholds.lower(in);
    LocalDate firstPrice = found.firstPriceDate();
    boolean beforeFirstPrice = firstPrice != null && LocalDate.ofInstant(when, ZoneOffset.UTC).isBefore(firstPrice);

    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("query", ordered("model", model, "provider", provider, "at", when.toString()));
      doc.put("catalogVersion", quote.catalogVersion());
      doc.put("resolved", modelJson(found));
      doc.put("alias", found.isAlias());
      doc.put("served", modelJson(served));
      doc.put("firstPriceDate", firstPrice == null ? null : firstPrice.toString());
      doc.put("beforeFirstPrice", beforeFirstPrice);
      Map<String, Object> priceDoc = new LinkedHashMap<>();
      for (PriceUnit unit : PriceUnit.values()) {
        if (!prices.has(unit)) {
          continue;
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("perMillion", prices.basePerMillion(unit));
        List<Map<String, Object>> tiers = new ArrayList<>();
        for (long t : prices.thresholds(unit)) {
          tiers.add(ordered("above", t, "perMillion", prices.perMillion(unit, t + 1)));
        }
        p.put("tiers", tiers);
        p.put("applied", prices.perMillion(unit, in));
        priceDoc.put(unit.fileKey(), p);
      }
      doc.put("prices", priceDoc);
      doc.put("promptTier", ordered("thresholds", List.copyOf(thresholds), "applied", applied, "inputTokens", in));
      doc.put("usage", ordered("input", in, "cacheRead", cacheRead, "cacheWrite", write, "cacheWrite1h", write1h,
          "output", outTokens, "reasoning", reasoningTokens));
      Map<String, Object> cost = new LinkedHashMap<>();
      for (Line l : lines) {
        cost.put(l.key(), ordered("tokens", l.tokens(), "perMillion", Double.isNaN(l.perMillion()) ? null : l.perMillion(),
            "usd", l.usd(), "note", l.note()));
      }
      cost.put("inputUsd", quote.inputUsd());
      cost.put("outputUsd", quote.outputUsd());
      cost.put("totalUsd", quote.totalUsd());
      doc.put("cost", cost);
      printJson(doc);
      return 0;
    }

    out.println(model + (provider == null ? "" : " (provider " + provider + ")") + " at " + when);
    if (found.isAlias()) {
      out.printf("  resolved to   %s/%s, a dated alias (%s)%n", found.provider(), found.id(), originText(found));
      out.printf("  served        %s/%s on %s (tier %s, %s)%n", served.provider(), served.id(),
          LocalDate.ofInstant(when, ZoneOffset.UTC), tier(served), originText(served));
    } else {
      out.printf("  resolved to   %s/%s%s (tier %s, %s)%n", found.provider(), found.id(),
          found.name().equals(found.id()) ? "" : " \"" + found.name() + "\"", tier(found), originText(found));
    }
    if (beforeFirstPrice) {
      out.println("  note          before the first known price (" + firstPrice + "); the first price applies");
    }
    out.println("  catalog       " + quote.catalogVersion());
    out.println();
    out.println("Prices in force (USD per 1M tokens):");
    for (PriceUnit unit : PriceUnit.values()) {
      if (!prices.has(unit)) {
        continue;
      }
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %-16s %10s", unit.fileKey(), price(prices.basePerMillion(unit))));
      for (long t : prices.thresholds(unit)) {
        b.append("   above ").append(count(t)).append(" input tokens: ").append(price(prices.perMillion(unit, t + 1)));
      }
      out.println(b);
    }
    if (!thresholds.isEmpty()) {
      out.println(applied == null
          ? "  prompt-size tier: base prices apply (" + count(in) + " input tokens, not above " + count(thresholds.first()) + ")"
          : "  prompt-size tier: above " + count(applied) + " input tokens applies (" + count(in) + " input tokens)");
    }
    out.println();
    out.println("Cost:");
    String format = "  %-16s %12s  x %10s  = %12s%s%n";
    for (Line l : lines) {
      out.printf(Locale.ROOT, format, l.label(), count(l.tokens()), price(l.perMillion()), usd(l.usd()),
          l.note() == null ? "" : "   (" + l.note() + ")");
    }
    out.printf(Locale.ROOT, "  %-16s %12s    %10s    %12s%n", "total", "", "", usd(quote.totalUsd()));
    return 0;
  }

  /** The kinds of token a user passes: catalog kind, JSON key, label. */
  private static final String[][] KINDS = {
    {"input", "uncachedInput", "uncached input"},
    {"cache_read", "cacheRead", "cache read"},
    {"cache_write", "cacheWrite", "cache write"},
    {"cache_write_1h", "cacheWrite1h", "cache write 1h"},
    {"output", "output", "output"},
    {"reasoning", "reasoning", "reasoning"},
  };

  private static Line line(String key, String label, Quote.Line l) {
    PriceUnit own = ownUnit(l.kind());
    String note = l.kind().equals("reasoning") ? "billed as output"
        : l.billedAs() == own ? null
        : "no " + l.kind().replace('_', '-') + " price: billed as " + l.billedAs().fileKey().replace('_', '-');
    return new Line(key, label, l.tokens(), l.perMillion(), l.usd(), note);
  }

  /** The unit a kind of token has when the model prices it on its own. */
  private static PriceUnit ownUnit(String kind) {
    switch (kind) {
      case "reasoning":
        return PriceUnit.OUTPUT;
      default:
        for (PriceUnit unit : PriceUnit.values()) {
          if (unit.fileKey().equals(kind)) {
            return unit;
          }
        }
        return PriceUnit.INPUT;
    }
  }

  private static String camel(String kind) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char c : kind.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }

  private static Map<String, Object> modelJson(CatalogModel m) {
    Map<String, Object> doc = ordered("provider", m.provider(), "model", m.id(), "name", m.name(), "tier", tier(m),
        "origin", origin(m));
    if (origin(m).equals("file")) {
      doc.put("file", m.origin());
    }
    return doc;
  }

  private static String tier(CatalogModel m) {
    return m.tier() == null ? null : m.tier().id();
  }

  /** A token count: digits, optionally with a k or M multiplier (300k, 1.5M). */
  static long tokens(String option, String value) throws BadOption {
    if (value == null) {
      return 0;
    }
    String s = value.trim().replace("_", "");
    long multiplier = 1;
    if (s.endsWith("k") || s.endsWith("K")) {
      multiplier = 1_000;
      s = s.substring(0, s.length() - 1);
    } else if (s.endsWith("m") || s.endsWith("M")) {
      multiplier = 1_000_000;
      s = s.substring(0, s.length() - 1);
    }
    try {
      BigDecimal n = new BigDecimal(s).multiply(BigDecimal.valueOf(multiplier));
      if (n.signum() >= 0 && n.stripTrailingZeros().scale() <= 0) {
        return n.longValueExact();
      }
    } catch (NumberFormatException | ArithmeticException e) {
      // reported below
    }
    throw new BadOption(option + ": " + value + " (expected: a whole number of tokens >= 0, e.g. 12000, 300k, 1.5M)");
  }

  private Instant instant() throws BadOption {
    if (at == null) {
      return Instant.now();
    }
    String s = at.trim();
    try {
      if (s.length() == 10) {
        return LocalDate.parse(s).atTime(12, 0).toInstant(ZoneOffset.UTC);
      }
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e) {
        return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeParseException e) {
      throw new BadOption("--at: " + at + " (expected: a date such as 2024-09-01 or an instant such as 2024-09-01T08:30:00Z)");
    }
  }

  // ------------------------------------------------------------------ --list

  private int list(PriceCatalog catalog) throws BadOption {
    List<CatalogModel> models = new ArrayList<>();
    for (CatalogModel m : catalog.models()) {
      if (provider == null || m.provider().equals(provider.trim().toLowerCase(Locale.ROOT))) {
        models.add(m);
      }
    }
    if (provider != null && models.isEmpty()) {
      throw new BadOption("--provider: " + provider + " (no such provider in the catalog; one of: "
          + String.join(", ", catalog.providerIds()) + ")");
    }
    Map<String, Integer> byOrigin = new LinkedHashMap<>();
    for (CatalogModel m : catalog.models()) {
      byOrigin.merge(originText(m), 1, Integer::sum);
    }
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (CatalogModel m : models) {
        UnitPrices p = m.latestPrices();
        Map<String, Object> row = modelJson(m);
        row.put("deprecated", m.isDeprecated());
        Map<String, Object> perMillion = new LinkedHashMap<>();
        for (PriceUnit unit : PriceUnit.values()) {
          if (p.has(unit)) {
            perMillion.put(unit.fileKey(), p.basePerMillion(unit));
          }
        }
        row.put("prices", perMillion);
        row.put("tiered", p.isTiered());
        rows.add(row);
      }
      printJson(ordered("catalogVersion", catalog.version(), "models", rows, "shown", models.size(),
          "total", catalog.models().size(), "byOrigin", byOrigin));
      return 0;
    }
    String format = "%-14s  %-44s  %-8s  %9s  %10s  %11s  %9s  %s%n";
    out.printf(format, "PROVIDER", "MODEL", "TIER", "INPUT", "CACHE READ", "CACHE WRITE", "OUTPUT", "ORIGIN");
    boolean anyTiered = false;
    for (CatalogModel m : models) {
      UnitPrices p = m.latestPrices();
      anyTiered |= p.isTiered();
      out.printf(Locale.ROOT, format, m.provider(), m.id(), tier(m) == null ? "-" : tier(m),
          listPrice(p, PriceUnit.INPUT), listPrice(p, PriceUnit.CACHE_READ), listPrice(p, PriceUnit.CACHE_WRITE),
          listPrice(p, PriceUnit.OUTPUT), originText(m) + (m.isDeprecated() ? " (deprecated)" : ""));
    }
    if (anyTiered) {
      out.println("Prices are USD per 1M tokens today, below any prompt-size tier; * marks a unit with long-prompt tiers"
          + " (tokentrail prices MODEL shows them).");
    } else {
      out.println("Prices are USD per 1M tokens today.");
    }
    List<String> counts = new ArrayList<>();
    byOrigin.forEach((o, n) -> counts.add(n + " " + o));
    out.println("catalog " + catalog.version() + ": "
        + (provider == null ? "" : models.size() + " " + provider + " models shown of ")
        + catalog.models().size() + " models in " + catalog.providerIds().size() + " providers (" + String.join(", ", counts) + ")");
    return 0;
  }

  private static String listPrice(UnitPrices p, PriceUnit unit) {
    if (!p.has(unit)) {
      return "-";
    }
    return price(p.basePerMillion(unit)) + (p.thresholds(unit).length > 0 ? "*" : "");
  }

  // ------------------------------------------------------------------ --unknown

  private int unknownModels() throws Exception {
    Duration window;
    try {
      window = Durations.parse(since, "--since");
    } catch (IllegalArgumentException e) {
      throw new BadOption(e.getMessage());
    }
    String base = api.base();
    QueryApiClient.Response response;
    try {
      response = api.get("/api/v1/unknown-models", Duration.ofSeconds(30));
    } catch (QueryApiClient.BadEndpoint e) {
      throw new BadOption(e.getMessage());
    } catch (QueryApiClient.Unreachable e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
    if (response.status() == 404) {
      err.println(NAME + ": " + base + " has no /api/v1/unknown-models (404); is it a TokenTrail server's query API (port 3200)?");
      return 1;
    }
    if (response.status() != 200) {
      err.println(NAME + ": " + base + "/api/v1/unknown-models answered " + response.status() + ": " + response.error());
      return 1;
    }
    JsonNode models;
    try {
      models = JSON.readTree(response.body()).get("models");
    } catch (IOException e) {
      models = null;
    }
    if (models == null || !models.isArray()) {
      err.println(NAME + ": " + base + "/api/v1/unknown-models did not answer with {\"models\": [...]}: " + cut(response.body(), 200));
      return 1;
    }
    long now = System.currentTimeMillis();
    long from = now - window.toMillis();
    List<JsonNode> recent = new ArrayList<>();
    for (JsonNode m : models) {
      if (m.path("lastSeenEpochMillis").asLong(now) >= from) {
        recent.add(m);
      }
    }
    String covers = "calls are counted since the server started (it keeps up to 1000 models);"
        + " --since " + since + " keeps the models last seen within it";
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (JsonNode m : recent) {
        rows.add(ordered("provider", m.path("provider").asText(), "model", m.path("model").asText(),
            "calls", m.path("calls").asLong(),
            "firstSeen", Instant.ofEpochMilli(m.path("firstSeenEpochMillis").asLong()).toString(),
            "lastSeen", Instant.ofEpochMilli(m.path("lastSeenEpochMillis").asLong()).toString()));
      }
      printJson(ordered("endpoint", base, "since", since, "from", Instant.ofEpochMilli(from).toString(),
          "models", rows, "seenSinceServerStart", models.size(), "covers", covers));
      return 0;
    }
    String format = "%-16s  %-40s  %8s  %-19s  %-19s%n";
    out.printf(format, "PROVIDER", "MODEL", "CALLS", "FIRST SEEN (UTC)", "LAST SEEN (UTC)");
    for (JsonNode m : recent) {
      String p = m.path("provider").asText();
      out.printf(Locale.ROOT, format, p.isEmpty() ? "-" : cut(p, 16), m.path("model").asText(), m.path("calls").asText(),
          TIME.format(Instant.ofEpochMilli(m.path("firstSeenEpochMillis").asLong())),
          TIME.format(Instant.ofEpochMilli(m.path("lastSeenEpochMillis").asLong())));
    }
    if (recent.isEmpty()) {
      out.println("(no unknown models seen in the last " + since + ")");
    }
    out.println(recent.size() + " unknown model" + (recent.size() == 1 ? "" : "s") + " last seen in the last " + since
        + " at " + base + " (" + models.size() + " since the server started); " + covers + ".");
    if (!recent.isEmpty()) {
      out.println("Their calls are stored unpriced. Add them in a price catalog file (docs/pricing.md), check it with"
          + " 'tokentrail prices MODEL --catalog FILE', and give it to the server as pricing.catalog_file.");
    }
    return 0;
  }

  // ------------------------------------------------------------------ formatting

  private void printJson(Object doc) {
    try {
      out.println(JSON.writeValueAsString(doc));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  /** USD per 1M tokens: at least two decimals, at most six. */
  static String price(double perMillion) {
    if (Double.isNaN(perMillion)) {
      return "-";
    }
    BigDecimal d = BigDecimal.valueOf(perMillion).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
    return d.scale() < 2 ? d.setScale(2).toPlainString() : d.toPlainString();
  }

  /** A USD amount: at least two decimals, at most eight. */
  static String usd(double amount) {
    BigDecimal d = BigDecimal.valueOf(amount).setScale(8, RoundingMode.HALF_UP).stripTrailingZeros();
    return "$" + (d.scale() < 2 ? d.setScale(2).toPlainString() : d.toPlainString());
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
