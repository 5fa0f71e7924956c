package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.pricing.CatalogEntry;
import dev.tokentrail.pricing.CostCalculator;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.PricePoint;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's Java 11 port of pricing ({@code AgentPrices}) against the server's ({@code
 * PriceCatalog} + {@code CostCalculator}) on the one shipped catalog: every entry, by every name a
 * span may carry, on every effective date. Lives here because this module is the only one that
 * sees both (the agent extension is Java 11, core is Java 21).
 */
class AgentPricesParityTest {
  private static final PriceCatalog SERVER = PriceCatalog.builtIn();
  private static final AgentPrices AGENT = AgentPrices.builtIn();
  private static final CostCalculator CALCULATOR = new CostCalculator(SERVER);

  @Test
  void bothReadTheSameCatalogVersion() {
    assertThat(AGENT.version()).isEqualTo(SERVER.version());
  }

  @Test
  void everyNameResolvesToTheSameModelAndEveryDayToTheSameCost() {
    int checked = 0;
    for (CatalogEntry entry : SERVER.entries()) {
      for (String provider : new String[] {entry.provider(), null}) {
        for (String name : names(entry)) {
          CatalogEntry server = SERVER.find(provider, name);
          AgentPrices.Entry agent = AGENT.find(provider, name);
          if (server == null) {
            assertThat(agent).as("%s / %s", provider, name).isNull();
            continue;
          }
          assertThat(agent).as("%s / %s", provider, name).isNotNull();
          assertThat(agent.model).as("%s / %s", provider, name).isEqualTo(server.model());
          for (LocalDate day : days(server)) {
            assertSameCost(provider, name, day);
            checked++;
          }
        }
      }
    }
    assertThat(checked).as("cases checked").isGreaterThan(SERVER.entries().size() * 2);
  }

  /** A user's override file changes the same calls, by the same names, on both sides. */
  @Test
  void anOverrideFilePricesTheSameOnBothSides(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("prices.yaml");
    java.nio.file.Files.writeString(file, String.join("\n",
        "version: \"negotiated-2026\"",
        "models:",
        "  - provider: openai",
        "    model: gpt-4o",
        "    tier: frontier",
        "    prices:",
        "      - effective_from: 2026-01-01",
        "        input: 2.00",
        "        output: 8.00",
        "        cache_read: 1.00",
        "  - provider: acme",
        "    model: acme-router-v2",
        "    tier: small",
        "    aliases: [router]",
        "    prices:",
        "      - effective_from: 2026-01-01",
        "        input: 0.10",
        "        output: 0.40",
        ""));
    PriceCatalog server = SERVER.overriddenBy(PriceCatalog.load(file));
    AgentPrices agent = AgentPrices.withOverride(file);
    CostCalculator calculator = new CostCalculator(server);
    LocalDate day = LocalDate.parse("2026-06-01");
    for (String name : new String[] {"gpt-4o", "openai/gpt-4o", "gpt-4o-2024-08-06", "chatgpt-4o-latest",
        "acme-router-v2", "router", "gpt-4o-mini"}) {
      for (String provider : new String[] {"openai", null}) {
        LlmCall call = new LlmCall("chat", provider, name, null, 12_000, 2_000, 5_000, 0, 0,
            null, null, Double.NaN, Attribution.NONE, null, null, Double.NaN, 0, null, null, null);
        dev.tokentrail.model.Cost expected = calculator.price(call, day.atStartOfDay().toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L);
        AgentPrices.Cost actual = agent.cost(provider, name, 12_000, 2_000, 5_000, 0, 0, day);
        if (Double.isNaN(expected.totalUsd())) {
          assertThat(actual).as("%s / %s", provider, name).isNull();
        } else {
          assertThat(actual).as("%s / %s", provider, name).isNotNull();
          assertThat(actual.total).as("%s / %s", provider, name).isCloseTo(expected.totalUsd(), within(1e-12));
        }
      }
    }
  }

  /** The names a span may carry for an entry: its own, its aliases, prefixed, and a dated snapshot. */
  private static List<String> names(CatalogEntry entry) {
    List<String> names = new ArrayList<>();
    names.add(entry.model());
    names.addAll(entry.aliases());
    names.add(entry.provider() + "/" + entry.model());
    names.add(entry.model() + "-2025-06-01");
    names.add(entry.model().toUpperCase(java.util.Locale.ROOT));
    return names;
  }

  /** Each effective date, the day before it, and a day long after the last. */
  private static List<LocalDate> days(CatalogEntry entry) {
    List<LocalDate> days = new ArrayList<>();
    for (PricePoint point : entry.prices()) {
      days.add(point.effectiveFrom());
      days.add(point.effectiveFrom().minusDays(1));
    }
    days.add(LocalDate.parse("2030-01-01"));
    return days;
  }

  private static void assertSameCost(String provider, String model, LocalDate day) {
    // Cache reads and writes inside the input, and reasoning inside the output, as OTel counts them.
    long input = 12_000;
    long output = 2_000;
    long cacheRead = 5_000;
    long cacheWrite = 1_000;
    long reasoning = 700;
    LlmCall call = new LlmCall("chat", provider, model, null, input, output, cacheRead, cacheWrite, reasoning,
        null, null, Double.NaN, Attribution.NONE, null, null, Double.NaN, 0, null, null, null);
    double server = CALCULATOR.price(call, day.atStartOfDay().toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L).totalUsd();
    AgentPrices.Cost agent = AGENT.cost(provider, model, input, output, cacheRead, cacheWrite, reasoning, day);
    assertThat(agent).as("%s / %s on %s", provider, model, day).isNotNull();
    assertThat(agent.total).as("%s / %s on %s", provider, model, day).isCloseTo(server, within(1e-12));
  }
}
