package dev.tokentrail.pricing;

import static dev.tokentrail.pricing.Fixtures.PROVIDER;
import static dev.tokentrail.pricing.Fixtures.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which catalog model a (provider, model) pair reported on a span resolves to. */
class ResolutionTest {
  private static final double EPS = 1e-12;
  private static final PriceCatalog CATALOG = Fixtures.withResource("fixture-prices.yaml");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "fx-dated, fx-dated",
    "FX-Dated, fx-dated",
    "fx-dated-latest-name, fx-dated",
    "fx-dated-2025-06-10, fx-dated",
    "fx-dated-20250610, fx-dated",
    "fx-dated-latest, fx-dated",
    "fixture-ai/fx-dated, fx-dated",
    "models/fx-dated, fx-dated",
    "fx-family-2, fx-family",
    "fx-family-x-2025-01-01, fx-family",
  })
  void spellingsOfAModelResolveToIt(String reported, String id) {
    CatalogModel model = CATALOG.find(PROVIDER, reported);

    assertThat(model).as(reported).isNotNull();
    assertThat(model.id()).isEqualTo(id);
    assertThat(model.provider()).isEqualTo(PROVIDER);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @NullSource
  @ValueSource(strings = {"", "   ", "fx-unlisted", "fx-famil", "ft:fx-dated:acme::abc123", "fixture-ai/fx-unlisted"})
  void unknownModelIsNull(String model) {
    assertThat(CATALOG.find(PROVIDER, model)).isNull();
    assertThat(CATALOG.price(PROVIDER, model, Usage.of(1000, 1000), at("2025-07-01T00:00:00Z"))).isNull();
  }

  @Test
  void providerOfTheSpanDecidesBetweenHostsOfTheSameModel() {
    // fx-tiny at fixture-ai 0.05 / 0.40, at fixture-host 0.07 / 0.50. 1000 in + 1000 out.
    Quote own = CATALOG.price(PROVIDER, "fx-tiny", Usage.of(1000, 1000), at("2025-07-01T00:00:00Z"));
    Quote hosted = CATALOG.price("fixture-host", "fx-tiny", Usage.of(1000, 1000), at("2025-07-01T00:00:00Z"));

    assertThat(own.model().provider()).isEqualTo(PROVIDER);
    assertThat(own.totalUsd()).isCloseTo(0.00045, within(EPS));
    assertThat(hosted.model().provider()).isEqualTo("fixture-host");
    assertThat(hosted.totalUsd()).isCloseTo(0.00057, within(EPS));
  }

  @Test
  void modelOfAKnownProviderIsNotLookedUpElsewhere() {
    // fx-dated is only fixture-ai's; a span of fixture-host names a model that host does not serve.
    assertThat(CATALOG.find("fixture-host", "fx-dated")).isNull();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "aws.bedrock, fixturevendor.fx-bedrock",
    "aws.bedrock, us.fixturevendor.fx-bedrock-v1:0",
    "aws.bedrock, eu.fixturevendor.fx-bedrock-v2:0",
    "aws, fixturevendor.fx-bedrock-v1:0",
    "bedrock, global.fixturevendor.fx-bedrock-v1:0",
  })
  void otelProviderNamesAreTheCatalogsProviders(String provider, String model) {
    // Filed under aws.bedrock, priced under aws: 1000 x 0.80 + 1000 x 3.20 = 4000.
    Quote quote = CATALOG.price(provider, model, Usage.of(1000, 1000), at("2025-07-01T00:00:00Z"));

    assertThat(quote).isNotNull();
    assertThat(quote.model().provider()).isEqualTo("aws");
    assertThat(quote.model().id()).isEqualTo("fixturevendor.fx-bedrock");
    assertThat(quote.totalUsd()).isCloseTo(0.004, within(EPS));
  }

  @Test
  void modelOfNoNamedProviderIsFoundInEveryProvider() {
    assertThat(CATALOG.find(null, "fx-dated").provider()).isEqualTo(PROVIDER);
    assertThat(CATALOG.find("fixture-unknown-host", "fx-dated").provider()).isEqualTo(PROVIDER);
  }

  @Test
  void repeatedLookupsGiveTheSameAnswer() {
    assertThat(CATALOG.find(PROVIDER, "fx-unlisted")).isNull();
    assertThat(CATALOG.find(PROVIDER, "fx-unlisted")).isNull();
    CatalogModel first = CATALOG.find(PROVIDER, "fx-dated-20250610");
    assertThat(CATALOG.find(PROVIDER, "fx-dated-20250610")).isSameAs(first);
  }
}
