package dev.tokentrail.pricing;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * One model of one provider in the price catalog: its id, capability tier, the rule that matches
 * the names it is called by, and its dated prices. A moving alias ({@code gpt-4o} while it pointed
 * at different snapshots) has no prices of its own and {@linkplain #servedAt serves} a model per
 * date.
 */
public final class CatalogModel {
  private static final double PER_TOKEN = 1.0 / 1_000_000;

  private final String provider;
  private final String id;
  private final String name;
  private final Tier tier;
  private final boolean reasoningBilledAsOutput;
  private final String origin;
  private final boolean deprecated;
  final MatchRule match;
  final List<PriceRule> rules;
  /** For an alias: the model served from each date on, ascending. */
  final List<LocalDate> servedFrom;
  final List<CatalogModel> served;

  CatalogModel(
      String provider,
      String id,
      String name,
      Tier tier,
      boolean reasoningBilledAsOutput,
      String origin,
      boolean deprecated,
      MatchRule match,
      List<PriceRule> rules,
      List<LocalDate> servedFrom,
      List<CatalogModel> served) {
    this.provider = provider;
    this.id = id;
    this.name = name;
    this.tier = tier;
    this.reasoningBilledAsOutput = reasoningBilledAsOutput;
    this.origin = origin;
    this.deprecated = deprecated;
    this.match = match;
    this.rules = List.copyOf(rules);
    this.servedFrom = List.copyOf(servedFrom);
    this.served = List.copyOf(served);
  }

  /** The catalog's provider id ({@code openai}, {@code aws}, {@code groq}). */
  public String provider() {
    return provider;
  }

  /** The catalog's model id. */
  public String id() {
    return id;
  }

  /** The display name, or the id. */
  public String name() {
    return name;
  }

  public Tier tier() {
    return tier;
  }

  public boolean reasoningBilledAsOutput() {
    return reasoningBilledAsOutput;
  }

  /** Where the entry comes from: {@code genai-prices}, {@code overlay} or the user file's name. */
  public String origin() {
    return origin;
  }

  public boolean isDeprecated() {
    return deprecated;
  }

  /** Whether this is a moving alias that serves other models by date. */
  public boolean isAlias() {
    return !served.isEmpty();
  }

  /** The model that answered calls to this id at {@code at}: itself, unless it is an alias. */
  public CatalogModel servedAt(Instant at) {
    if (served.isEmpty()) {
      return this;
    }
    long day = Math.floorDiv(at.getEpochSecond(), 86_400L);
    CatalogModel inForce = served.get(0);
    for (int i = 0; i < servedFrom.size(); i++) {
      if (servedFrom.get(i).toEpochDay() <= day) {
        inForce = served.get(i);
      }
    }
    return inForce.servedAt(at);
  }

  /**
   * The prices in force at {@code at}. Before the first dated price, the first price applies (a
   * backfill or a skewed clock is best priced at launch prices).
   */
  public UnitPrices pricesAt(Instant at) {
    CatalogModel model = servedAt(at);
    List<PriceRule> own = model.rules;
    long second = at.getEpochSecond();
    for (int i = own.size() - 1; i >= 0; i--) {
      if (own.get(i).appliesAt(second)) {
        return own.get(i).prices;
      }
    }
    // Before the first dated price: the first all-day price (never an off-peak one outside its window).
    for (PriceRule rule : own) {
      if (!rule.hasWindow()) {
        return rule.prices;
      }
    }
    return own.get(0).prices;
  }

  /** Today's standard prices (no off-peak window): what a call would cost now. */
  public UnitPrices latestPrices() {
    CatalogModel model = served.isEmpty() ? this : served.get(served.size() - 1).latestModel();
    List<PriceRule> own = model.rules;
    for (int i = own.size() - 1; i >= 0; i--) {
      if (!own.get(i).hasWindow()) {
        return own.get(i).prices;
      }
    }
    return own.get(own.size() - 1).prices;
  }

  private CatalogModel latestModel() {
    return served.isEmpty() ? this : served.get(served.size() - 1).latestModel();
  }

  /** The first day a price is known for, or {@code null} when the first price is undated. */
  public LocalDate firstPriceDate() {
    CatalogModel first = served.isEmpty() ? this : served.get(0);
    return first.rules.isEmpty() ? null : first.rules.get(0).from;
  }

  /** The cost of {@code usage} at the prices in force at {@code at}. */
  Quote quote(Usage usage, Instant at, String catalogVersion) {
    CatalogModel model = servedAt(at);
    UnitPrices p = model.pricesAt(at);
    return cost(model, p, usage, catalogVersion);
  }

  /**
   * The cost of {@code usage} at {@code prices}. Each token is priced once, at the most specific
   * unit that has a price: a cache read of audio at the cached-audio price, else the cache-read
   * price; a one-hour cache write at the one-hour price, else the cache-write price; a token kind
   * without a price of its own at its parent's (input or output) price.
   */
  static Quote cost(CatalogModel model, UnitPrices p, Usage u, String catalogVersion) {
    Quote.Totals totals = new Quote.Totals();
    breakdown(model, p, u, totals);
    return new Quote(totals.inputUsd, totals.outputUsd, model, p, u, catalogVersion);
  }

  /** Where {@link #breakdown} reports each kind of token it priced. */
  interface LineSink {
    void line(String kind, long tokens, PriceUnit billedAs, double perMillion, double usd);
  }

  /** The one set of pricing rules: reports each kind of token with the price that applies to it. */
  static void breakdown(CatalogModel model, UnitPrices p, Usage u, LineSink sink) {
    long in = u.input;
    // Input: each kind takes its tokens from what is left of the input, most specific first.
    long left = in;
    long cacheWrite = Math.min(u.cacheWrite, left);
    long write1h = Math.min(u.cacheWrite1h, cacheWrite);
    left -= add(sink, p, in, "cache_write_1h", write1h,
        first(p, PriceUnit.CACHE_WRITE_1H, PriceUnit.CACHE_WRITE, PriceUnit.INPUT));
    left -= add(sink, p, in, "cache_write", cacheWrite - write1h, first(p, PriceUnit.CACHE_WRITE, PriceUnit.INPUT));
    long cacheRead = Math.min(u.cacheRead, left);
    long audioRead = Math.min(u.cacheAudioRead, cacheRead);
    left -= add(sink, p, in, "cache_audio_read", audioRead,
        first(p, PriceUnit.CACHE_AUDIO_READ, PriceUnit.CACHE_READ, PriceUnit.INPUT_AUDIO, PriceUnit.INPUT));
    left -= add(sink, p, in, "cache_read", cacheRead - audioRead, first(p, PriceUnit.CACHE_READ, PriceUnit.INPUT));
    long audio = Math.min(Math.max(0, u.inputAudio - audioRead), left);
    left -= add(sink, p, in, "input_audio", audio, first(p, PriceUnit.INPUT_AUDIO, PriceUnit.INPUT));
    left -= add(sink, p, in, "input_image", Math.min(u.inputImage, left), first(p, PriceUnit.INPUT_IMAGE, PriceUnit.INPUT));
    add(sink, p, in, "input", left, PriceUnit.INPUT);
    // Output: reasoning is billed as output unless the model says otherwise.
    long out = u.output;
    if (!model.reasoningBilledAsOutput) {
      out = Math.max(0, out - u.reasoning);
    }
    out -= add(sink, p, in, "output_audio", Math.min(u.outputAudio, out), first(p, PriceUnit.OUTPUT_AUDIO, PriceUnit.OUTPUT));
    out -= add(sink, p, in, "output_image", Math.min(u.outputImage, out), first(p, PriceUnit.OUTPUT_IMAGE, PriceUnit.OUTPUT));
    if (model.reasoningBilledAsOutput) {
      out -= add(sink, p, in, "reasoning", Math.min(u.reasoning, out), PriceUnit.OUTPUT);
    }
    add(sink, p, in, "output", out, PriceUnit.OUTPUT);
  }

  /** Reports {@code tokens} of a kind (nothing for zero tokens) and returns the tokens. */
  private static long add(LineSink sink, UnitPrices p, long input, String kind, long tokens, PriceUnit billedAs) {
    if (tokens <= 0) {
      return 0;
    }
    double perMillion = p.perMillion(billedAs, input);
    // A model without a price for the unit (an embedding model's output) bills nothing for it.
    double price = Double.isNaN(perMillion) ? 0 : perMillion;
    sink.line(kind, tokens, billedAs, price, tokens * price * PER_TOKEN);
    return tokens;
  }

  /** The first unit the model has a price for; the last one otherwise (input or output). */
  private static PriceUnit first(UnitPrices p, PriceUnit... units) {
    for (PriceUnit unit : units) {
      if (p.has(unit)) {
        return unit;
      }
    }
    return units[units.length - 1];
  }

  @Override
  public String toString() {
    return provider + "/" + id;
  }
}
