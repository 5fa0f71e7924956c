package dev.tokentrail.pricing;

import static dev.tokentrail.pricing.Fixtures.lines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A broken catalog file is refused with a message naming the file, the entry and the field. */
class CatalogFileErrorsTest {
  private static final String HEAD = "version: \"1\"\nmodels:\n";

  /** One model entry of a file: {@code fixture-ai/fx-x} with the given extra lines. */
  private static String model(String... body) {
    return HEAD + lines(body);
  }

  static Stream<Arguments> brokenFiles() {
    return Stream.of(
        broken("missing input price",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-01-01, output: 8.00}"),
            "test.yaml.models[0].prices[0].input: missing"),
        broken("missing output price",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-01-01, input: 8.00}"),
            "test.yaml.models[0].prices[0].output: missing"),
        broken("unknown price key",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-01-01, input: 1, output: 2, cache_reads: 0.1}"),
            "test.yaml.models[0].prices[0].cache_reads: unknown key"),
        broken("bad tier",
            model("  - provider: fixture-ai", "    model: fx-x", "    tier: huge",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[0].tier: huge (expected: frontier, standard or small)"),
        broken("bad date",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-01-01, input: 1, output: 2}",
                "      - {effective_from: \"2025-13-01\", input: 1, output: 2}"),
            "test.yaml.models[0].prices[1].effective_from: 2025-13-01 (expected: YYYY-MM-DD)"),
        broken("unquoted impossible date (YAML would roll it over to the next year)",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-13-01, input: 1, output: 2}"),
            "test.yaml.models[0].prices[0].effective_from: 2025-13-01 (expected: YYYY-MM-DD)"),
        broken("an alias that is another entry's name",
            model("  - provider: fixture-ai", "    model: fx-x",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]",
                "  - provider: fixture-ai", "    model: fx-y", "    aliases: [fx-x]",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[1]: fixture-ai/fx-x is already defined at test.yaml.models[0]"),
        broken("a number as a key (an `above:` forgotten)",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-01-01, input: 1, output: 2, 200000: {input: 3}}"),
            "test.yaml.models[0].prices[0].200000: unknown key"),
        broken("a number as a match operator",
            model("  - provider: fixture-ai", "    model: fx-x", "    match: {1: x}",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[0].match: 1 (expected: equals, starts_with, ends_with, contains, regex, or, and)"),
        broken("time of day without a range",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-01-01, time_of_day: \"16:30\", input: 1, output: 2}"),
            "test.yaml.models[0].prices[0].time_of_day: 16:30 (expected: HH:MM-HH:MM, UTC)"),
        broken("time of day out of range",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - {effective_from: 2025-01-01, time_of_day: \"16:30-24:30\", input: 1, output: 2}"),
            "test.yaml.models[0].prices[0].time_of_day: 24:30 (expected: HH:MM in UTC)"),
        broken("prompt-size tier of a price the entry does not set",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - effective_from: 2025-01-01", "        input: 1", "        output: 2",
                "        above: {200000: {cache_read: 0.5}}"),
            "test.yaml.models[0].prices[0].above.200000.cache_read: not a price of this entry"),
        broken("prompt-size threshold that is not a number",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices:",
                "      - effective_from: 2025-01-01", "        input: 1", "        output: 2",
                "        above: {lots: {input: 2}}"),
            "test.yaml.models[0].prices[0].above.lots: lots (expected: a number >= 0)"),
        broken("duplicate model, whatever its case",
            model("  - provider: fixture-ai", "    model: fx-x",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]",
                "  - provider: fixture-ai", "    model: FX-X",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[1]: fixture-ai/fx-x is already defined at test.yaml.models[0]"),
        broken("negative price",
            model("  - provider: fixture-ai", "    model: fx-x",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: -2}]"),
            "test.yaml.models[0].prices[0].output: -2 (expected: a number >= 0)"),
        broken("price that is not a number",
            model("  - provider: fixture-ai", "    model: fx-x",
                "    prices: [{effective_from: 2025-01-01, input: cheap, output: 2}]"),
            "test.yaml.models[0].prices[0].input: cheap (expected: a number >= 0)"),
        broken("no prices",
            model("  - provider: fixture-ai", "    model: fx-x", "    prices: []"),
            "test.yaml.models[0].prices: missing (expected: a non-empty list)"),
        broken("prices missing",
            model("  - provider: fixture-ai", "    model: fx-x"),
            "test.yaml.models[0].prices: missing (expected: a list)"),
        broken("missing model",
            model("  - provider: fixture-ai",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[0].model: missing"),
        broken("missing provider",
            model("  - model: fx-x",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[0].provider: missing"),
        broken("aliases not a list",
            model("  - provider: fixture-ai", "    model: fx-x", "    aliases: fx-x-latest",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[0].aliases: fx-x-latest (expected: a list)"),
        broken("unknown match operator",
            model("  - provider: fixture-ai", "    model: fx-x", "    match: {like: fx-}",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[0].match: like (expected: equals, starts_with"),
        broken("bad regex",
            model("  - provider: fixture-ai", "    model: fx-x", "    match: {regex: \"fx-(\"}",
                "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]"),
            "test.yaml.models[0].match.regex: "),
        broken("entry that is not a mapping",
            model("  - fx-x"),
            "test.yaml.models[0]: fx-x (expected: a mapping)"),
        broken("missing version", "models: []\n", "test.yaml.version: missing"),
        broken("models not a list", "version: \"1\"\nmodels: {}\n", "test.yaml.models: {} (expected: a list)"),
        broken("no models", "version: \"1\"\n", "test.yaml.models: missing (expected: a list)"),
        broken("not YAML", "version: [unclosed\n", "test.yaml: not valid YAML"),
        broken("not a mapping", "- a\n- b\n", "test.yaml: expected a mapping with version and models"));
  }

  private static Arguments broken(String name, String yaml, String message) {
    return arguments(named(name, yaml), message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenFiles")
  void brokenFileIsRefusedNamingFileEntryAndField(String yaml, String message) {
    assertThatThrownBy(() -> Fixtures.withFile(yaml))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void fileIsNamedByItsPath(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prices.yaml");
    Files.write(file, model("  - provider: fixture-ai", "    model: fx-x", "    tier: huge",
        "    prices: [{effective_from: 2025-01-01, input: 1, output: 2}]").getBytes("UTF-8"));

    assertThatThrownBy(() -> PriceCatalog.withFile(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + ".models[0].tier: huge");
  }

  @Test
  void missingFileIsReportedWithItsPath(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> PriceCatalog.builtIn().overriddenBy(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("price catalog " + file);
  }

  @Test
  void refusedFileLeavesTheCatalogAsItWas() {
    PriceCatalog builtIn = PriceCatalog.builtIn();
    String version = builtIn.version();
    int models = builtIn.models().size();

    assertThatThrownBy(() -> Fixtures.withFile(model("  - provider: fixture-ai", "    model: fx-x",
        "    prices: [{effective_from: 2025-01-01, input: 1, output: -2}]")))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(builtIn.version()).isEqualTo(version);
    assertThat(builtIn.models()).hasSize(models);
    assertThat(builtIn.find(Fixtures.PROVIDER, "fx-x")).isNull();
  }
}
