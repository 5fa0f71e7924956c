package dev.tokentrail.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The providers' prompt caches are catalog data: built in, overridden by a file, validated. */
class PromptCacheTest {
  private static final PriceCatalog BUILT_IN = PriceCatalog.builtIn();

  private static PriceCatalog withFile(String yaml) {
    return BUILT_IN.overriddenBy(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
  }

  @Test
  void builtInCatalogKnowsTheDocumentedMinimumsAndLifetimes() {
    PromptCache sonnet = BUILT_IN.promptCache(BUILT_IN.find("anthropic", "claude-sonnet-4-5"));
    assertThat(sonnet.minTokens()).isEqualTo(1024);
    assertThat(sonnet.lifetime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(BUILT_IN.promptCache(BUILT_IN.find("anthropic", "claude-haiku-4-5")).minTokens()).isEqualTo(4096);
    assertThat(BUILT_IN.promptCache(BUILT_IN.find("anthropic", "claude-3-haiku")).minTokens()).isEqualTo(2048);
    PromptCache gpt = BUILT_IN.promptCache(BUILT_IN.find("openai", "gpt-4o"));
    assertThat(gpt.minTokens()).isEqualTo(1024);
    assertThat(gpt.lifetime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(gpt.source()).contains("openai.com");
  }

  @Test
  void providerWithoutEntryHasNoPromptCache() {
    CatalogModel model = BUILT_IN.find("deepseek", "deepseek-chat");
    assertThat(model).isNotNull();
    assertThat(BUILT_IN.promptCache(model)).isNull();
  }

  @Test
  void fileEntriesComeBeforeTheBuiltInOnes() {
    PriceCatalog catalog = withFile(Fixtures.lines("version: \"caches\"", "prompt_caching:", "  - provider: openai", "    match: {starts_with: gpt-4o}", "    min_tokens: 2048", "    lifetime: 1h", "    source: \"our account manager\""));
    assertThat(catalog.promptCache(catalog.find("openai", "gpt-4o")))
        .isEqualTo(new PromptCache(2048, Duration.ofHours(1), "our account manager"));
    assertThat(catalog.promptCache(catalog.find("openai", "gpt-4.1")).minTokens()).isEqualTo(1024);
  }

  @Test
  void badEntriesNameTheFieldAndValue() {
    assertThatThrownBy(() -> withFile(Fixtures.lines("version: \"x\"", "prompt_caching:", "  - {provider: openai, min_tokens: 1024, lifetime: soon}"))).hasMessage("test.yaml.prompt_caching[0].lifetime: soon (expected: a positive duration such as 300s, 5m or 1h)");
    assertThatThrownBy(() -> withFile(Fixtures.lines("version: \"x\"", "prompt_caching:", "  - {provider: openai, min_tokens: -1, lifetime: 5m}"))).hasMessageContaining("test.yaml.prompt_caching[0].min_tokens: -1");
    assertThatThrownBy(() -> withFile(Fixtures.lines("version: \"x\"", "prompt_caching:", "  - {provider: openai, min_tokens: 10, lifetime: 5m, ttl: 5m}"))).hasMessageContaining("test.yaml.prompt_caching[0].ttl: unknown key");
    // 999999999m is 1,900 years: beyond what call times in nanoseconds can be compared with.
    assertThatThrownBy(() -> withFile(Fixtures.lines("version: \"x\"", "prompt_caching:", "  - {provider: openai, min_tokens: 10, lifetime: 999999999m}"))).hasMessage("test.yaml.prompt_caching[0].lifetime: 999999999m (expected: at most 876000h)");
  }
}
