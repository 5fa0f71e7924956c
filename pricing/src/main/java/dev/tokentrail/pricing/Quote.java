package dev.tokentrail.pricing;

import java.util.ArrayList;
import java.util.List;

/** What a call cost by the catalog, and which model and prices priced it. */
public final class Quote {
  private final double inputUsd;
  private final double outputUsd;
  private final CatalogModel model;
  private final UnitPrices prices;
  private final Usage usage;
  private final String catalogVersion;

  /** Sums the lines of a breakdown without keeping them: pricing a call allocates no line. */
  static final class Totals implements CatalogModel.LineSink {
    double inputUsd;
    double outputUsd;

    @Override
    public void line(String kind, long tokens, PriceUnit billedAs, double perMillion, double usd) {
      if (billedAs.isInput()) {
        inputUsd += usd;
      } else {
        outputUsd += usd;
      }
    }
  }

  /**
   * One kind of token of the call and what it cost: {@code kind} is {@code input}, {@code
   * cache_read}, {@code cache_write}, {@code cache_write_1h}, {@code cache_audio_read}, {@code
   * input_audio}, {@code input_image}, {@code output}, {@code reasoning}, {@code output_audio} or
   * {@code output_image}; {@code billedAs} is the unit whose price applied (a kind without a price
   * of its own is billed at its parent's).
   */
  public static final class Line {
    private final String kind;
    private final long tokens;
    private final PriceUnit billedAs;
    private final double perMillion;
    private final double usd;

    Line(String kind, long tokens, PriceUnit billedAs, double perMillion, double usd) {
      this.kind = kind;
      this.tokens = tokens;
      this.billedAs = billedAs;
      this.perMillion = perMillion;
      this.usd = usd;
    }

    public String kind() {
      return kind;
    }

    public long tokens() {
      return tokens;
    }

    public PriceUnit billedAs() {
      return billedAs;
    }

    /** USD per 1M tokens applied, prompt-size tier included. */
    public double perMillion() {
      return perMillion;
    }

    public double usd() {
      return usd;
    }
  }

  Quote(double inputUsd, double outputUsd, CatalogModel model, UnitPrices prices, Usage usage, String catalogVersion) {
    this.inputUsd = inputUsd;
    this.outputUsd = outputUsd;
    this.model = model;
    this.prices = prices;
    this.usage = usage;
    this.catalogVersion = catalogVersion;
  }

  /** The cost by kind of token, in the order they were priced; kinds with no tokens are left out. */
  public List<Line> lines() {
    List<Line> lines = new ArrayList<>(8);
    CatalogModel.breakdown(model, prices, usage,
        (kind, tokens, billedAs, perMillion, usd) -> lines.add(new Line(kind, tokens, billedAs, perMillion, usd)));
    return List.copyOf(lines);
  }

  public double totalUsd() {
    return inputUsd + outputUsd;
  }

  public double inputUsd() {
    return inputUsd;
  }

  public double outputUsd() {
    return outputUsd;
  }

  /** The catalog model that priced the call (for a moving alias, the model it served then). */
  public CatalogModel model() {
    return model;
  }

  /** The prices in force for the call. */
  public UnitPrices prices() {
    return prices;
  }

  public String catalogVersion() {
    return catalogVersion;
  }

  @Override
  public String toString() {
    return "Quote{" + model.provider() + "/" + model.id() + " $" + totalUsd() + " (input $" + inputUsd
        + ", output $" + outputUsd + ") " + catalogVersion + "}";
  }
}
