package dev.tokentrail.pricing;

/** What a call cost by the catalog, and which model and prices priced it. */
public final class Quote {
  private final double inputUsd;
  private final double outputUsd;
  private final CatalogModel model;
  private final UnitPrices prices;
  private final String catalogVersion;

  Quote(double inputUsd, double outputUsd, CatalogModel model, UnitPrices prices, String catalogVersion) {
    this.inputUsd = inputUsd;
    this.outputUsd = outputUsd;
    this.model = model;
    this.prices = prices;
    this.catalogVersion = catalogVersion;
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
