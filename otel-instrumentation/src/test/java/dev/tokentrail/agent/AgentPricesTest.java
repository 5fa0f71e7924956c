package dev.tokentrail.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class AgentPricesTest {
  private static final AgentPrices PRICES = AgentPrices.builtIn();
  private static final LocalDate DAY = LocalDate.parse("2026-11-20");

  @Test
  void cachedTokensInsideInputArePricedOnceAtTheCachePrice() {
    // gpt-4o: $2.50 input, $1.25 cached input, $10 output per 1M tokens.
    AgentPrices.Cost cost = PRICES.cost("openai", "gpt-4o", 1200, 80, 1000, 0, 0, DAY);
    assertThat(cost.total).isCloseTo((200 * 2.50 + 1000 * 1.25 + 80 * 10.0) / 1e6, within(1e-12));
    assertThat(cost.input + cost.output).isCloseTo(cost.total, within(1e-15));
  }

  @Test
  void snapshotsAndProviderPrefixesResolveLikeTheServer() {
    assertThat(PRICES.find("anthropic", "claude-3-5-sonnet-20241022")).isNotNull();
    assertThat(PRICES.find(null, "openai/gpt-4o-mini").model).isEqualTo("gpt-4o-mini");
    assertThat(PRICES.find(null, "us.anthropic.claude-3-5-sonnet-20241022-v2:0")).isNotNull();
    assertThat(PRICES.find("openai", "no-such-model")).isNull();
    // The agent's Bedrock spans: gen_ai.system aws.bedrock with a cross-region inference profile id.
    assertThat(PRICES.find("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")).isNotNull();
    assertThat(PRICES.find("aws.bedrock", "amazon.nova-lite-v1:0")).isNotNull();
    assertThat(PRICES.find("aws.bedrock", "meta.llama3-1-70b-instruct-v1:0")).isNotNull();
  }

  @Test
  void pricesFollowTheirEffectiveDates() {
    AgentPrices.Cost before = PRICES.cost("openai", "o3", 1_000_000, 0, 0, 0, 0, LocalDate.parse("2025-06-09"));
    AgentPrices.Cost after = PRICES.cost("openai", "o3", 1_000_000, 0, 0, 0, 0, LocalDate.parse("2025-06-10"));
    assertThat(before.total).isGreaterThan(after.total);
  }

  @Test
  void theCatalogIsTheServersFile() {
    assertThat(AgentPrices.class.getResource(AgentPrices.RESOURCE)).isNotNull();
    assertThat(PRICES.version()).matches("\\d{4}-\\d{2}-\\d{2}.*");
  }
}
