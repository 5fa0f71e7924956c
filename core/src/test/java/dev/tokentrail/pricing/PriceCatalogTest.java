package dev.tokentrail.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class PriceCatalogTest {
  private static final PriceCatalog BUILT_IN = PriceCatalog.builtIn();

  static PriceCatalog parse(String yaml) {
    return PriceCatalog.parse(
        new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
  }

  @Test
  void builtInCatalogLoadsWithItsVersion() {
    assertThat(BUILT_IN.version()).isEqualTo("2026-11-24");
    assertThat(BUILT_IN.entries()).hasSizeGreaterThan(50);
  }

  @Test
  void everyBuiltInEntryHasAPrice() {
    assertThat(BUILT_IN.entries())
        .allSatisfy(
            entry -> {
              assertThat(entry.provider()).isNotBlank();
              assertThat(entry.model()).isNotBlank();
              assertThat(entry.tier()).isNotNull();
              assertThat(entry.prices()).as(entry.model()).isNotEmpty();
              assertThat(entry.prices())
                  .as(entry.model())
                  .isSortedAccordingTo(
                      java.util.Comparator.comparing(PricePoint::effectiveFrom))
                  .allSatisfy(
                      p -> {
                        assertThat(p.input()).as(entry.model() + " input").isNotNegative();
                        assertThat(p.output()).as(entry.model() + " output").isNotNegative();
                        assertThat(p.cacheRead()).as(entry.model() + " cache read").isNotNegative();
                        assertThat(p.cacheWrite())
                            .as(entry.model() + " cache write")
                            .isNotNegative();
                      });
            });
  }

  @Test
  void everyBuiltInNameResolvesToItsOwnEntry() {
    for (CatalogEntry entry : BUILT_IN.entries()) {
      assertThat(BUILT_IN.find(entry.provider(), entry.model())).as(entry.model()).isSameAs(entry);
      for (String alias : entry.aliases()) {
        assertThat(BUILT_IN.find(entry.provider(), alias)).as(alias).isSameAs(entry);
      }
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // Dated snapshots with their own entry resolve to it; others strip to the family.
    "gpt-4o-2024-08-06, gpt-4o-2024-08-06",
    "gpt-4o-2024-05-13, gpt-4o-2024-05-13",
    "gpt-4o-2024-11-20, gpt-4o",
    "o3-2025-04-16, o3",
    "claude-3-5-sonnet-20241022, claude-3-5-sonnet",
    "claude-3-5-sonnet-20240620, claude-3-5-sonnet",
    // Bedrock.
    "us.anthropic.claude-3-5-sonnet-20241022-v2:0, claude-3-5-sonnet",
    "anthropic.claude-3-5-sonnet-20240620-v1:0, claude-3-5-sonnet",
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0, claude-sonnet-4-5",
    "anthropic.claude-3-haiku-20240307-v1:0:200k, claude-3-haiku",
    "amazon.nova-pro-v1:0, nova-pro",
    "eu.amazon.nova-lite-v1:0, nova-lite",
    "meta.llama3-1-70b-instruct-v1:0, llama-3.1-70b-instruct",
    // Vertex AI.
    "claude-3-5-sonnet-v2@20241022, claude-3-5-sonnet",
    "claude-sonnet-4-5@20250929, claude-sonnet-4-5",
    // OpenRouter / LiteLLM provider prefixes, Gemini resource names.
    "openai/gpt-4o, gpt-4o",
    "openai/gpt-4o-2024-05-13, gpt-4o-2024-05-13",
    "openai/gpt-4o-2024-11-20, gpt-4o",
    "deepseek/deepseek-chat, deepseek-chat",
    "models/gemini-1.5-pro, gemini-1.5-pro",
    "models/gemini-1.5-pro-002, gemini-1.5-pro",
    // Moving aliases and case.
    "chatgpt-4o-latest, chatgpt-4o",
    "claude-3-5-haiku-latest, claude-3-5-haiku",
    "mistral-large-latest, mistral-large",
    "GPT-4O, gpt-4o",
  })
  void resolvesSnapshotsAndProviderSpellings(String reported, String catalogModel) {
    CatalogEntry entry = BUILT_IN.find(null, reported);

    assertThat(entry).as(reported).isNotNull();
    assertThat(entry.model()).isEqualTo(catalogModel);
  }

  @Test
  void snapshotWithItsOwnEntryWinsOverStripping() {
    LocalDate day = LocalDate.of(2025, 1, 1);

    PricePoint snapshot = BUILT_IN.find("openai", "gpt-4o-2024-05-13").priceOn(day);
    PricePoint family = BUILT_IN.find("openai", "gpt-4o").priceOn(day);

    // The 2024-05-13 snapshot kept its launch price; the gpt-4o alias moved to a cheaper one.
    assertThat(snapshot.input()).isEqualTo(5.00);
    assertThat(snapshot.output()).isEqualTo(15.00);
    assertThat(family.input()).isEqualTo(2.50);
    assertThat(family.output()).isEqualTo(10.00);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @NullSource
  @ValueSource(
      strings = {
        "",
        "   ",
        "my-private-llm",
        "gpt-99",
        "ft:gpt-4o-mini-2024-07-18:acme::abc123",
        "openai/my-private-llm"
      })
  void unknownModelIsNull(String model) {
    assertThat(BUILT_IN.find("openai", model)).isNull();
  }

  @Test
  void repeatedLookupsGiveTheSameAnswer() {
    assertThat(BUILT_IN.find(null, "unknown-model-x")).isNull();
    assertThat(BUILT_IN.find(null, "unknown-model-x")).isNull();
    CatalogEntry first = BUILT_IN.find("anthropic", "claude-3-5-sonnet-20241022");
    assertThat(BUILT_IN.find("anthropic", "claude-3-5-sonnet-20241022")).isSameAs(first);
  }

  @Test
  void priceOnPicksThePriceInForceThatDay() {
    CatalogEntry gpt4o = BUILT_IN.find("openai", "gpt-4o");

    assertThat(gpt4o.priceOn(LocalDate.of(2024, 10, 1)).input()).isEqualTo(5.00);
    assertThat(gpt4o.priceOn(LocalDate.of(2024, 10, 2)).input()).isEqualTo(2.50);
    assertThat(gpt4o.priceOn(LocalDate.of(2024, 5, 12))).isNull();
    assertThat(gpt4o.latestPrice().input()).isEqualTo(2.50);
  }

  @Test
  void absentCachePricesDefaultToTheInputPrice() {
    PricePoint launch = BUILT_IN.find("openai", "gpt-4o").priceOn(LocalDate.of(2024, 6, 1));

    assertThat(launch.cacheRead()).isEqualTo(5.00);
    assertThat(launch.cacheWrite()).isEqualTo(5.00);
  }

  // User overrides.

  private static final String OVERRIDES =
      """
      version: "acme-7"
      models:
        - provider: openai
          model: gpt-4o
          tier: frontier
          prices:
            - effective_from: 2024-01-01
              input: 2.00
              output: 8.00
        - provider: acme
          model: acme-llm
          tier: standard
          aliases: [acme-llm-v1]
          reasoning_billed_as_output: false
          prices:
            - effective_from: 2025-01-01
              input: 0.50
              output: 1.00
        - provider: azure.ai.openai
          model: gpt-4o-mini
          tier: small
          prices:
            - effective_from: 2024-07-18
              input: 0.165
              output: 0.66
      """;

  @Test
  void userOverrideFileReplacesAndAddsEntriesAndChangesTheVersion(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("prices.yaml");
    Files.writeString(file, OVERRIDES);

    PriceCatalog catalog = BUILT_IN.overriddenBy(PriceCatalog.load(file));

    assertThat(catalog.version()).isEqualTo("2026-11-24+acme-7");
    assertThat(catalog.entries()).hasSize(BUILT_IN.entries().size() + 2);
    CatalogEntry gpt4o = catalog.find("openai", "gpt-4o");
    assertThat(gpt4o.prices()).hasSize(1);
    assertThat(gpt4o.priceOn(LocalDate.of(2025, 1, 1)).input()).isEqualTo(2.00);
    CatalogEntry acme = catalog.find("acme", "acme-llm-v1");
    assertThat(acme.model()).isEqualTo("acme-llm");
    assertThat(acme.reasoningBilledAsOutput()).isFalse();
    assertThat(catalog.find("anthropic", "claude-3-5-sonnet"))
        .isSameAs(BUILT_IN.find("anthropic", "claude-3-5-sonnet"));
    // The built-in catalog itself is unchanged.
    assertThat(BUILT_IN.find("openai", "gpt-4o").latestPrice().input()).isEqualTo(2.50);
  }

  @Test
  void providerBreaksTiesBetweenModelsOfTheSameName() {
    PriceCatalog catalog = BUILT_IN.overriddenBy(parse(OVERRIDES));

    assertThat(catalog.find("azure.ai.openai", "gpt-4o-mini").provider())
        .isEqualTo("azure.ai.openai");
    assertThat(catalog.find("openai", "gpt-4o-mini").provider()).isEqualTo("openai");
    assertThat(catalog.find(null, "gpt-4o-mini").provider()).isEqualTo("openai");
  }

  // Invalid files.

  private static final String VALID_HEAD =
      """
      version: "1"
      models:
      """;

  static Stream<Arguments> invalidCatalogs() {
    return Stream.of(
        invalid(
            "missing input price",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: frontier
                    prices:
                      - effective_from: 2025-01-01
                        output: 8.00
                """,
            "test.yaml.models[0].prices[0]",
            "input"),
        invalid(
            "bad tier",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: huge
                    prices:
                      - {effective_from: 2025-01-01, input: 1, output: 2}
                """,
            "test.yaml.models[0].tier: huge (expected: frontier, standard or small)"),
        invalid(
            "bad date",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    prices:
                      - {effective_from: 2025-01-01, input: 1, output: 2}
                      - {effective_from: 2025-13-01, input: 1, output: 2}
                """,
            "test.yaml.models[0].prices[1].effective_from: 2025-13-01 (expected: YYYY-MM-DD)"),
        invalid(
            "duplicate model",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]
                  - provider: openai
                    model: GPT-X
                    tier: small
                    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]
                """,
            "test.yaml.models[1]: openai/gpt-x is already defined at test.yaml.models[0]"),
        invalid(
            "alias duplicating another model",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]
                  - provider: openai
                    model: gpt-y
                    tier: small
                    aliases: [gpt-x]
                    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]
                """,
            "test.yaml.models[1]: openai/gpt-x is already defined at test.yaml.models[0]"),
        invalid(
            "negative price",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    prices: [{effective_from: 2025-01-01, input: 1, output: -2}]
                """,
            "test.yaml.models[0].prices[0].output: -2 (expected: a price >= 0 in USD per 1M tokens)"),
        invalid(
            "price that is not a number",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    prices: [{effective_from: 2025-01-01, input: cheap, output: 2}]
                """,
            "test.yaml.models[0].prices[0].input: \"cheap\""),
        invalid(
            "no prices",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    prices: []
                """,
            "test.yaml.models[0].prices: missing (expected: a non-empty list)"),
        invalid(
            "missing model",
            VALID_HEAD
                + """
                  - provider: openai
                    tier: small
                    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]
                """,
            "test.yaml.models[0].model: missing"),
        invalid(
            "aliases not a list",
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    aliases: gpt-x-latest
                    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]
                """,
            "test.yaml.models[0].aliases: expected a list"),
        invalid("missing version", "models: []\n", "test.yaml.version: missing"),
        invalid(
            "models not a list",
            "version: \"1\"\nmodels: {}\n",
            "test.yaml.models: missing (expected: a list)"),
        invalid("not YAML", "version: [unclosed\n", "test.yaml: not valid YAML"),
        invalid("not a mapping", "- a\n- b\n", "test.yaml: expected a mapping"));
  }

  private static Arguments invalid(String name, String yaml, String... messageParts) {
    return arguments(named(name, yaml), messageParts);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidCatalogs")
  void invalidCatalogFileGivesAMessageNamingTheField(String yaml, String[] messageParts) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .contains(messageParts);
  }

  @Test
  void missingFileIsReportedWithItsPath(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> PriceCatalog.load(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("price catalog " + file);
  }

  @Test
  void pricesGivenOutOfOrderAreSortedByDate() {
    PriceCatalog catalog =
        parse(
            VALID_HEAD
                + """
                  - provider: openai
                    model: gpt-x
                    tier: small
                    prices:
                      - {effective_from: 2025-06-01, input: 1, output: 2}
                      - {effective_from: 2025-01-01, input: 3, output: 4}
                """);

    CatalogEntry entry = catalog.find("openai", "gpt-x");

    assertThat(entry.prices()).extracting(PricePoint::effectiveFrom)
        .containsExactly(LocalDate.of(2025, 1, 1), LocalDate.of(2025, 6, 1));
    assertThat(entry.priceOn(LocalDate.of(2025, 3, 1)).input()).isEqualTo(3);
    assertThat(entry.reasoningBilledAsOutput()).isTrue();
  }

  // Cheaper alternatives.

  @Test
  void cheapestOneTierDownIsTheCheapestModelOfTheProviderInTheTierBelow() {
    // Standard Anthropic models: claude-haiku-4-5 ($1 + $5) and claude-3-5-haiku ($0.80 + $4).
    assertThat(BUILT_IN.cheapestOneTierDown("anthropic", Tier.FRONTIER).model())
        .isEqualTo("claude-3-5-haiku");
    assertThat(BUILT_IN.cheapestOneTierDown("anthropic", Tier.STANDARD).model())
        .isEqualTo("claude-3-haiku");
    // Standard OpenAI models: gpt-4.1-mini ($0.40 + $1.60) is the cheapest.
    assertThat(BUILT_IN.cheapestOneTierDown("openai", Tier.FRONTIER).model())
        .isEqualTo("gpt-4.1-mini");
  }

  @Test
  void nothingIsBelowTheSmallTier() {
    assertThat(BUILT_IN.cheapestOneTierDown("openai", Tier.SMALL)).isNull();
  }

  @Test
  void unknownProviderHasNoCheaperModel() {
    assertThat(BUILT_IN.cheapestOneTierDown("acme", Tier.FRONTIER)).isNull();
  }
}
