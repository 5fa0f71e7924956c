package dev.tokentrail.pricing;

import static dev.tokentrail.pricing.Fixtures.PROVIDER;
import static dev.tokentrail.pricing.Fixtures.at;
import static dev.tokentrail.pricing.Fixtures.lines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A catalog file over a catalog: its entries replace the models with the same provider and id
 * (which keep the names they matched), new ones are added, and the version names both.
 */
class CatalogOverrideTest {
  private static final double EPS = 1e-12;
  private static final Instant JULY_2025 = at("2025-07-01T00:00:00Z");
  private static final PriceCatalog BUILT_IN = PriceCatalog.builtIn();

  /** Layer A: fx-model (aliases, a match rule, reasoning not billed) and fx-other. */
  private static final String LAYER_A = lines(
      "version: \"layer-a\"",
      "models:",
      "  - provider: fixture-ai",
      "    model: fx-model",
      "    tier: frontier",
      "    aliases: [fx-model-v1, fx-model-classic]",
      "    match: {starts_with: \"fx-model-build-\"}",
      "    reasoning_billed_as_output: false",
      "    prices: [{effective_from: 2025-01-01, input: 4.00, output: 16.00}]",
      "  - provider: fixture-ai",
      "    model: fx-other",
      "    tier: small",
      "    prices: [{effective_from: 2025-01-01, input: 0.10, output: 0.40}]");

  /** Layer B: new prices for fx-model (no names, tier or reasoning flag) and a new model. */
  private static final String LAYER_B = lines(
      "version: \"layer-b\"",
      "models:",
      "  - provider: FIXTURE-AI",
      "    model: FX-Model",
      "    prices: [{effective_from: 2025-01-01, input: 1.00, output: 4.00}]",
      "  - provider: fixture-ai",
      "    model: fx-added",
      "    tier: standard",
      "    prices: [{effective_from: 2025-01-01, input: 0.30, output: 1.20}]");

  private static final PriceCatalog A = BUILT_IN.overriddenBy(Fixtures.stream(LAYER_A), "a.yaml");
  private static final PriceCatalog AB = A.overriddenBy(Fixtures.stream(LAYER_B), "b.yaml");

  @Test
  void versionNamesTheCatalogAndEveryFileOverIt() {
    assertThat(A.version()).isEqualTo(BUILT_IN.version() + "+layer-a");
    assertThat(AB.version()).isEqualTo(BUILT_IN.version() + "+layer-a+layer-b");
    assertThat(AB.snapshotVersion()).isEqualTo(BUILT_IN.snapshotVersion());
    assertThat(AB.price(PROVIDER, "fx-added", Usage.of(1, 1), JULY_2025).catalogVersion()).isEqualTo(AB.version());
  }

  @Test
  void addedModelsAreAddedAndReplacedOnesReplaced() {
    assertThat(A.models()).hasSize(BUILT_IN.models().size() + 2);
    assertThat(AB.models()).hasSize(A.models().size() + 1);
    assertThat(AB.providerIds()).contains(PROVIDER);
    assertThat(AB.find(PROVIDER, "fx-added").origin()).isEqualTo("b.yaml");
    assertThat(AB.find(PROVIDER, "fx-model").origin()).isEqualTo("b.yaml");
    assertThat(AB.find(PROVIDER, "fx-other").origin()).isEqualTo("a.yaml");
  }

  @Test
  void replacementKeepsTheNamesTheReplacedEntryMatched() {
    // fx-model in layer B: 1.00 / 4.00. 1000 in + 1000 out = 0.005 under every name of layer A.
    for (String name : new String[] {"fx-model", "FX-MODEL", "fx-model-v1", "fx-model-classic", "fx-model-build-42"}) {
      Quote quote = AB.price(PROVIDER, name, Usage.of(1000, 1000), JULY_2025);
      assertThat(quote).as(name).isNotNull();
      assertThat(quote.model().id()).as(name).isEqualTo("fx-model");
      assertThat(quote.totalUsd()).as(name).isCloseTo(0.005, within(EPS));
    }
    // Layer A's price under the same names: 4.00 / 16.00.
    assertThat(A.price(PROVIDER, "fx-model-v1", Usage.of(1000, 1000), JULY_2025).totalUsd())
        .isCloseTo(0.02, within(EPS));
  }

  @Test
  void replacementKeepsTierAndReasoningFlagItDoesNotSet() {
    CatalogModel replaced = AB.find(PROVIDER, "fx-model");

    assertThat(replaced.tier()).isEqualTo(Tier.FRONTIER);
    assertThat(replaced.reasoningBilledAsOutput()).isFalse();
    // 1000 in, 3000 out of which 2000 reasoning (not billed): 1000 x 1 + 1000 x 4 = 5000.
    Usage usage = Usage.builder().input(1000).output(3000).reasoning(2000).build();
    assertThat(AB.quote(replaced, usage, JULY_2025).totalUsd()).isCloseTo(0.005, within(EPS));
  }

  @Test
  void catalogsUnderAnOverrideAreUnchanged() {
    assertThat(BUILT_IN.find(PROVIDER, "fx-model")).isNull();
    assertThat(A.find(PROVIDER, "fx-added")).isNull();
    assertThat(A.find(PROVIDER, "fx-model").origin()).isEqualTo("a.yaml");
    assertThat(A.find(PROVIDER, "fx-model").latestPrices().basePerMillion(PriceUnit.INPUT)).isEqualTo(4.00);
  }

  @Test
  void builtInModelIsReplacedUnderEveryNameItMatched() {
    // Any model of the built-in catalog; the test only relies on the prices it writes itself.
    CatalogModel original = null;
    for (CatalogModel m : BUILT_IN.models()) {
      if (!m.isAlias() && m.provider().equals("openai")) {
        original = m;
        break;
      }
    }
    assertThat(original).isNotNull();
    String file = lines(
        "version: \"mine\"",
        "models:",
        "  - provider: " + original.provider(),
        "    model: \"" + original.id() + "\"",
        "    prices: [{effective_from: 2020-01-01, input: 123.00, output: 456.00}]");

    PriceCatalog catalog = BUILT_IN.overriddenBy(Fixtures.stream(file), "mine.yaml");

    CatalogModel replaced = catalog.find(original.provider(), original.id());
    assertThat(replaced.origin()).isEqualTo("mine.yaml");
    assertThat(replaced.name()).isEqualTo(original.name());
    assertThat(replaced.tier()).isEqualTo(original.tier());
    assertThat(catalog.models()).hasSize(BUILT_IN.models().size());
    // 1000 in + 1000 out: 1000 x 123 + 1000 x 456 = 579000.
    assertThat(catalog.price(original.provider(), original.id(), Usage.of(1000, 1000), JULY_2025).totalUsd())
        .isCloseTo(0.579, within(EPS));
    assertThat(BUILT_IN.find(original.provider(), original.id())).isSameAs(original);
  }

  @Test
  void fileOnDiskIsAppliedLikeAStream(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prices.yaml");
    Files.write(file, LAYER_A.getBytes("UTF-8"));

    PriceCatalog catalog = PriceCatalog.withFile(file);

    assertThat(catalog.version()).isEqualTo(A.version());
    assertThat(catalog.find(PROVIDER, "fx-model").origin()).isEqualTo(file.toString());
  }

  @Test
  void replacingAModelRepricesTheAliasesThatServeIt() {
    // The overlay's moving alias gpt-4o serves the snapshot's gpt-4o model from 2024-10-02 on.
    PriceCatalog ours = BUILT_IN.overriddenBy(Fixtures.stream(lines(
        "version: \"ours\"",
        "models:",
        "  - provider: openai",
        "    model: gpt-4o",
        "    prices: [{effective_from: 2024-05-13, input: 100.00, output: 100.00}]")), "ours.yaml");
    Usage million = Usage.of(1_000_000, 0);
    assertThat(ours.price("openai", "gpt-4o", million, JULY_2025).totalUsd()).isCloseTo(100.00, within(EPS));
    assertThat(ours.price("openai", "gpt-4o-2024-08-06", million, JULY_2025).totalUsd()).isCloseTo(100.00, within(EPS));
    // Before 2024-10-02 the alias still served the 2024-05-13 snapshot, which the file left alone.
    assertThat(ours.price("openai", "gpt-4o", million, at("2024-09-01T00:00:00Z")).totalUsd()).isCloseTo(5.00, within(EPS));
  }

  @Test
  void beforeTheFirstDatedPriceTheAllDayPriceAppliesNotAnOffPeakOne() {
    PriceCatalog file = BUILT_IN.overriddenBy(Fixtures.stream(lines(
        "version: \"w\"",
        "models:",
        "  - provider: fixture-ai",
        "    model: fx-windowed",
        "    prices:",
        "      - {effective_from: 2025-01-01, input: 1.00, output: 2.00}",
        "      - {time_of_day: \"16:30-00:30\", input: 0.50, output: 1.00}")), "w.yaml");
    Usage million = Usage.of(1_000_000, 0);
    assertThat(file.price(PROVIDER, "fx-windowed", million, at("2024-06-01T12:00:00Z")).totalUsd()).isCloseTo(1.00, within(EPS));
    // An undated window is older than the dated price: from 2025-01-01 the all-day price replaces it.
    assertThat(file.price(PROVIDER, "fx-windowed", million, at("2025-06-01T17:00:00Z")).totalUsd()).isCloseTo(1.00, within(EPS));
  }
}
