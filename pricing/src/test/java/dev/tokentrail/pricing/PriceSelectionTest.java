package dev.tokentrail.pricing;

import static dev.tokentrail.pricing.Fixtures.PROVIDER;
import static dev.tokentrail.pricing.Fixtures.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which price applies to a call: by date, by time of day, by prompt size, and how each token kind
 * is priced. Every amount is computed by hand from src/test/resources/fixture-prices.yaml (USD per
 * 1M tokens, quoted next to each test).
 */
class PriceSelectionTest {
  private static final double EPS = 1e-12;
  private static final PriceCatalog CATALOG = Fixtures.withResource("fixture-prices.yaml");

  private static double total(String model, Usage usage, String at) {
    Quote quote = CATALOG.price(PROVIDER, model, usage, Instant.parse(at));
    assertThat(quote).as(model).isNotNull();
    return quote.totalUsd();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    // fx-dated: 10.00 / 40.00 from 2024-05-13, 2.00 / 8.00 from 2025-06-10 (UTC days).
    // 1000 in + 1000 out: 0.05 before the cut, 0.01 after.
    "2025-06-09T23:59:59.999999999Z, 0.05",
    "2025-06-10T00:00:00Z, 0.01",
    "2026-01-01T00:00:00Z, 0.01",
    // Before the first price (a backfill, a skewed clock): the first price.
    "2020-01-01T00:00:00Z, 0.05",
  })
  void datedPricesApplyFromTheirDayOnInUtc(String at, double expectedUsd) {
    assertThat(total("fx-dated", Usage.of(1000, 1000), at)).isCloseTo(expectedUsd, within(EPS));
  }

  @Test
  void pricesGivenOutOfOrderAreSortedByDate() {
    CatalogModel model = CATALOG.find(PROVIDER, "fx-dated");

    assertThat(model.firstPriceDate()).isEqualTo(LocalDate.of(2024, 5, 13));
    assertThat(model.pricesAt(at("2024-12-01T00:00:00Z")).basePerMillion(PriceUnit.INPUT)).isEqualTo(10.00);
    assertThat(model.latestPrices().basePerMillion(PriceUnit.INPUT)).isEqualTo(2.00);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    // fx-offpeak from 2025-01-01: 0.28 / 1.12, off peak (16:30-00:30 UTC) 0.14 / 0.56; from
    // 2025-09-05 0.56 / 1.68 at every hour. 1000 in + 1000 out.
    "2025-03-01T16:29:59Z, 0.0014",
    "2025-03-01T16:30:00Z, 0.0007",
    "2025-03-01T23:59:00Z, 0.0007",
    "2025-03-02T00:29:59Z, 0.0007",
    "2025-03-02T00:30:00Z, 0.0014",
    "2025-09-05T17:00:00Z, 0.00224",
    "2025-09-05T12:00:00Z, 0.00224",
  })
  void offPeakWindowAppliesWithinItsHoursOverMidnightUntilThePriceChanges(String at, double expectedUsd) {
    assertThat(total("fx-offpeak", Usage.of(1000, 1000), at)).isCloseTo(expectedUsd, within(EPS));
  }

  @Test
  void latestPricesAreTheAllDayPrices() {
    CatalogModel model = CATALOG.find(PROVIDER, "fx-offpeak");

    assertThat(model.latestPrices().basePerMillion(PriceUnit.INPUT)).isEqualTo(0.56);
    // At noon, outside the window, the all-day price of the day applies.
    assertThat(model.pricesAt(at("2025-03-01T12:00:00Z")).basePerMillion(PriceUnit.INPUT)).isEqualTo(0.28);
  }

  @Test
  void promptSizeTierAppliesToTheWholeCallAboveItsThreshold() {
    // fx-long: 3.00 in, 0.30 cache read, 15.00 out; above 200000 input tokens 6.00, 0.60, 22.50.
    // 200000 in (50000 cached) + 1000 out: 150000 x 3 + 50000 x 0.30 + 1000 x 15 = 480000.
    Usage atThreshold = Usage.builder().input(200_000).cacheRead(50_000).output(1000).build();
    // 200001 in (50000 cached) + 1000 out: 150001 x 6 + 50000 x 0.60 + 1000 x 22.50 = 952506.
    Usage above = Usage.builder().input(200_001).cacheRead(50_000).output(1000).build();

    assertThat(total("fx-long", atThreshold, "2025-06-01T00:00:00Z")).isCloseTo(0.48, within(EPS));
    assertThat(total("fx-long", above, "2025-06-01T00:00:00Z")).isCloseTo(0.952506, within(EPS));
    UnitPrices prices = CATALOG.find(PROVIDER, "fx-long").latestPrices();
    assertThat(prices.isTiered()).isTrue();
    assertThat(prices.thresholds(PriceUnit.INPUT)).containsExactly(200_000L);
    assertThat(prices.perMillion(PriceUnit.OUTPUT, 200_001)).isEqualTo(22.50);
    assertThat(prices.perMillion(PriceUnit.OUTPUT, 200_000)).isEqualTo(15.00);
  }

  @Test
  void eachTokenIsPricedOnceAtItsMostSpecificPrice() {
    // fx-cache: input 1.00, cache read 0.10, cache write 1.25, one-hour write 2.00, input audio
    // 4.00, output 5.00, output audio 16.00; reasoning not billed.
    // Input 10000 = 3000 read + 2000 written (500 for an hour) + 1000 audio + 4000 text:
    // 3000 x 0.10 + 1500 x 1.25 + 500 x 2.00 + 1000 x 4.00 + 4000 x 1.00 = 11175.
    // Output 3000 = 1000 reasoning (free) + 500 audio + 1500 text: 500 x 16 + 1500 x 5 = 15500.
    Usage usage = Usage.builder()
        .input(10_000).cacheRead(3000).cacheWrite(2000).cacheWrite1h(500).inputAudio(1000)
        .output(3000).reasoning(1000).outputAudio(500)
        .build();

    Quote quote = CATALOG.price(PROVIDER, "fx-cache", usage, at("2025-06-01T00:00:00Z"));

    assertThat(quote.inputUsd()).isCloseTo(0.011175, within(EPS));
    assertThat(quote.outputUsd()).isCloseTo(0.0155, within(EPS));
    assertThat(quote.totalUsd()).isCloseTo(0.026675, within(EPS));
    assertThat(quote.model().id()).isEqualTo("fx-cache");
    assertThat(quote.catalogVersion()).isEqualTo(CATALOG.version());
  }

  @Test
  void tokenKindsWithoutAPriceOfTheirOwnCostTheInputOrOutputPrice() {
    // fx-dated has input and output prices only: 1000 in (400 cached, 100 written, 200 audio)
    // and 500 out (300 reasoning, billed as output): 1000 x 2 + 500 x 8 = 6000.
    Usage usage = Usage.builder()
        .input(1000).cacheRead(400).cacheWrite(100).inputAudio(200).output(500).reasoning(300)
        .build();

    assertThat(total("fx-dated", usage, "2025-07-01T00:00:00Z")).isCloseTo(0.006, within(EPS));
  }

  @Test
  void negativeCountsCountAsZero() {
    Usage usage = Usage.builder().input(-1).output(1000).cacheRead(-5).build();

    // fx-dated: 1000 x 8.
    assertThat(total("fx-dated", usage, "2025-07-01T00:00:00Z")).isCloseTo(0.008, within(EPS));
  }

  @Test
  void cheapestOneTierDownIsTheCheapestChatModelOfTheProviderInTheTierBelow() {
    // Standard: fx-mid-a 0.50 + 1.50 = 2.00 beats fx-mid-b 0.20 + 2.20 = 2.40, fx-offpeak's
    // latest 0.56 + 1.68 = 2.24 and the others. Small: fx-tiny 0.05 + 0.40; fx-embed has no
    // output price and serves no chat.
    assertThat(CATALOG.cheapestOneTierDown(PROVIDER, Tier.FRONTIER).id()).isEqualTo("fx-mid-a");
    assertThat(CATALOG.cheapestOneTierDown(PROVIDER, Tier.STANDARD).id()).isEqualTo("fx-tiny");
    assertThat(CATALOG.cheapestOneTierDown(PROVIDER, Tier.SMALL)).isNull();
    assertThat(CATALOG.cheapestOneTierDown("fixture-nobody", Tier.FRONTIER)).isNull();
    assertThat(CATALOG.cheapestOneTierDown(null, Tier.FRONTIER)).isNull();
    assertThat(PriceCatalog.blended(CATALOG.find(PROVIDER, "fx-mid-a"))).isCloseTo(2.00, within(EPS));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "fx-untiered-big, FRONTIER",
    "fx-untiered-mid, STANDARD",
    "fx-untiered-small, SMALL",
    "fx-dated, FRONTIER",
    "fx-tiny, SMALL",
  })
  void modelWithoutATierIsPlacedByItsOutputPrice(String model, Tier tier) {
    // Output 8.00 is frontier, 1.50 standard, 1.49 small; a given tier is kept.
    assertThat(CATALOG.find(PROVIDER, model).tier()).isEqualTo(tier);
  }
}
