package dev.tokentrail.pricing;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
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
    LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
    CatalogModel inForce = served.get(0);
    for (int i = 0; i < servedFrom.size(); i++) {
      if (!servedFrom.get(i).isAfter(day)) {
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
    for (int i = own.size() - 1; i >= 0; i--) {
      if (own.get(i).appliesAt(at)) {
        return own.get(i).prices;
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
    long in = u.input;
    double inputUsd = 0;
    // Cache writes: one-hour writes at their own price when the model has one.
    long cacheWrite = Math.min(u.cacheWrite, in);
    long write1h = p.has(PriceUnit.CACHE_WRITE_1H) ? Math.min(u.cacheWrite1h, cacheWrite) : 0;
    inputUsd += write1h * per(p, PriceUnit.CACHE_WRITE_1H, in);
    long write = p.has(PriceUnit.CACHE_WRITE) ? cacheWrite - write1h : 0;
    inputUsd += write * per(p, PriceUnit.CACHE_WRITE, in);
    // Cache reads: cached audio at its own price when the model has one.
    long cacheRead = Math.min(u.cacheRead, Math.max(0, in - write1h - write));
    long audioRead = p.has(PriceUnit.CACHE_AUDIO_READ) ? Math.min(u.cacheAudioRead, cacheRead) : 0;
    inputUsd += audioRead * per(p, PriceUnit.CACHE_AUDIO_READ, in);
    long read = p.has(PriceUnit.CACHE_READ) ? cacheRead - audioRead : 0;
    inputUsd += read * per(p, PriceUnit.CACHE_READ, in);
    // Uncached audio and image input.
    long left = Math.max(0, in - write1h - write - audioRead - read);
    long audio = 0;
    if (p.has(PriceUnit.INPUT_AUDIO)) {
      long cachedAudio = p.has(PriceUnit.CACHE_AUDIO_READ) || p.has(PriceUnit.CACHE_READ) ? u.cacheAudioRead : 0;
      audio = Math.min(Math.max(0, u.inputAudio - cachedAudio), left);
    }
    inputUsd += audio * per(p, PriceUnit.INPUT_AUDIO, in);
    left -= audio;
    long image = p.has(PriceUnit.INPUT_IMAGE) ? Math.min(u.inputImage, left) : 0;
    inputUsd += image * per(p, PriceUnit.INPUT_IMAGE, in);
    left -= image;
    inputUsd += left * per(p, PriceUnit.INPUT, in);

    long out = u.output;
    if (!model.reasoningBilledAsOutput) {
      out = Math.max(0, out - u.reasoning);
    }
    double outputUsd = 0;
    long outAudio = p.has(PriceUnit.OUTPUT_AUDIO) ? Math.min(u.outputAudio, out) : 0;
    outputUsd += outAudio * per(p, PriceUnit.OUTPUT_AUDIO, in);
    long outImage = p.has(PriceUnit.OUTPUT_IMAGE) ? Math.min(u.outputImage, out - outAudio) : 0;
    outputUsd += outImage * per(p, PriceUnit.OUTPUT_IMAGE, in);
    outputUsd += (out - outAudio - outImage) * per(p, PriceUnit.OUTPUT, in);
    return new Quote(inputUsd, outputUsd, model, p, catalogVersion);
  }

  /** USD per token; a model without an output price (embeddings) bills no output. */
  private static double per(UnitPrices p, PriceUnit unit, long input) {
    double perMillion = p.perMillion(unit, input);
    return Double.isNaN(perMillion) ? 0 : perMillion * PER_TOKEN;
  }

  @Override
  public String toString() {
    return provider + "/" + id;
  }
}
