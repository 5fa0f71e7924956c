package dev.tokentrail.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.genai.AttributionKeys;
import dev.tokentrail.genai.GenAiNormalizer;
import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.Spans;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Expected amounts are computed by hand from core/src/main/resources/dev/tokentrail/catalog/
 * prices.yaml (USD per 1M tokens), shown next to each test.
 */
class CostCalculatorTest {
  private static final long U = LlmCall.UNKNOWN;
  private static final double EPS = 1e-12;
  private static final long JULY_2025 = Spans.epochNanos(LocalDate.of(2025, 7, 1));

  private final CostCalculator calculator = new CostCalculator(PriceCatalog.builtIn());

  private static LlmCall call(
      String provider,
      String requestModel,
      String responseModel,
      long input,
      long output,
      long cacheRead,
      long cacheWrite,
      long reasoning) {
    return new LlmCall(
        "chat",
        provider,
        requestModel,
        responseModel,
        input,
        output,
        cacheRead,
        cacheWrite,
        reasoning,
        null,
        null,
        Double.NaN,
        Attribution.NONE,
        null,
        null,
        Double.NaN,
        U,
        null,
        null,
        null);
  }

  private static LlmCall call(String model, long input, long output) {
    return call(null, model, null, input, output, U, U, U);
  }

  @Test
  void cachedTokensAreNotPricedTwice() {
    // gpt-4o since 2024-10-02: input 2.50, cache read 1.25, output 10.00.
    // OpenAI's 1200 prompt tokens include the 1024 cached: 176 x 2.50 + 1024 x 1.25 = 1720;
    // 85 x 10 = 850.
    LlmCall openAiStyle = call("openai", "gpt-4o", null, 1200, 85, 1024, U, U);

    Cost cost = calculator.price(openAiStyle, JULY_2025);

    assertThat(cost.isPriced()).isTrue();
    assertThat(cost.inputUsd()).isCloseTo(0.00172, within(EPS));
    assertThat(cost.outputUsd()).isCloseTo(0.00085, within(EPS));
    assertThat(cost.totalUsd()).isCloseTo(0.00257, within(EPS));
    assertThat(cost.pricedModel()).isEqualTo("gpt-4o");
    assertThat(cost.tier()).isEqualTo("frontier");
    assertThat(cost.priceVersion()).isEqualTo("2026-11-24");
  }

  @Test
  void cacheReadsAndWritesArePricedAtTheirOwnRates() {
    // claude-3-5-sonnet: input 3.00, cache read 0.30, cache write 3.75, output 15.00.
    // Canonical input 13050 = 50 uncached + 12000 read + 1000 written:
    // 50 x 3 + 12000 x 0.30 + 1000 x 3.75 = 7500; 310 x 15 = 4650.
    LlmCall anthropic =
        call("anthropic", "claude-3-5-sonnet-20241022", null, 13050, 310, 12000, 1000, U);

    Cost cost = calculator.price(anthropic, JULY_2025);

    assertThat(cost.inputUsd()).isCloseTo(0.0075, within(EPS));
    assertThat(cost.outputUsd()).isCloseTo(0.00465, within(EPS));
    assertThat(cost.totalUsd()).isCloseTo(0.01215, within(EPS));
    assertThat(cost.pricedModel()).isEqualTo("claude-3-5-sonnet");
  }

  @Test
  void anthropicCacheBesideInputCostsTheSameAsCacheInsideInput() {
    GenAiNormalizer normalizer = GenAiNormalizer.create(AttributionKeys.DEFAULT);
    // Semconv-latest: input_tokens already includes the cache.
    Span inside =
        Spans.span(
            "chat claude-3-5-sonnet",
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", "anthropic",
            "gen_ai.request.model", "claude-3-5-sonnet-20241022",
            "gen_ai.usage.input_tokens", 13050,
            "gen_ai.usage.cache_read.input_tokens", 12000,
            "gen_ai.usage.cache_creation.input_tokens", 1000,
            "gen_ai.usage.output_tokens", 310);
    // Anthropic's raw API usage copied as is: input_tokens excludes the cache.
    Span beside =
        Spans.span(
            "Messages",
            "openinference.span.kind", "LLM",
            "llm.provider", "anthropic",
            "llm.model_name", "claude-3-5-sonnet-20241022",
            "llm.token_count.prompt", 50,
            "llm.token_count.prompt_details.cache_read", 12000,
            "llm.token_count.prompt_details.cache_write", 1000,
            "llm.token_count.completion", 310);

    Cost insideCost = calculator.price(normalizer.extract(inside), JULY_2025);
    Cost besideCost = calculator.price(normalizer.extract(beside), JULY_2025);

    assertThat(insideCost.totalUsd()).isCloseTo(0.01215, within(EPS));
    assertThat(besideCost.totalUsd()).isCloseTo(0.01215, within(EPS));
  }

  @Test
  void reasoningTokensAreBilledAsOutputOnce() {
    // o3 since 2025-06-10: input 2.00, output 8.00. The 5000 output tokens include 4000
    // reasoning tokens: 1000 x 2 + 5000 x 8 = 42000, not 1000 x 2 + 9000 x 8.
    LlmCall o3 = call("openai", "o3", null, 1000, 5000, U, U, 4000);

    Cost cost = calculator.price(o3, JULY_2025);

    assertThat(cost.outputUsd()).isCloseTo(0.04, within(EPS));
    assertThat(cost.totalUsd()).isCloseTo(0.042, within(EPS));
  }

  @Test
  void reasoningTokensAreFreeWhereTheCatalogSaysSo() {
    PriceCatalog catalog =
        PriceCatalogTest.parse(
            """
            version: "t"
            models:
              - provider: acme
                model: thinker
                tier: standard
                reasoning_billed_as_output: false
                prices: [{effective_from: 2025-01-01, input: 1.00, output: 10.00}]
            """);
    LlmCall thinker = call("acme", "thinker", null, 1000, 5000, U, U, 4000);

    Cost cost = new CostCalculator(catalog).price(thinker, JULY_2025);

    // 1000 x 1 + (5000 - 4000) x 10 = 11000.
    assertThat(cost.totalUsd()).isCloseTo(0.011, within(EPS));
  }

  @ParameterizedTest(name = "{0} at {1} costs {2}")
  @CsvSource({
    // gpt-4o: 5.00 / 15.00 until 2024-10-01, 2.50 / 10.00 from 2024-10-02 (UTC).
    "gpt-4o, 2024-10-01T00:00:00Z, 0.02",
    "gpt-4o, 2024-10-01T23:59:59.999999999Z, 0.02",
    "gpt-4o, 2024-10-02T00:00:00Z, 0.0125",
    // o3: 10.00 / 40.00 until 2025-06-09, 2.00 / 8.00 from 2025-06-10.
    "o3, 2025-06-09T12:00:00Z, 0.05",
    "o3, 2025-06-10T12:00:00Z, 0.01",
    // Before a model's first price (clock skew, backfill): its launch price.
    "gpt-4o, 2023-01-01T00:00:00Z, 0.02",
  })
  void callIsPricedAtItsDaysPrice(String model, String at, double expectedUsd) {
    LlmCall thousandEach = call(model, 1000, 1000);

    Cost cost = calculator.price(thousandEach, Spans.epochNanos(Instant.parse(at)));

    assertThat(cost.totalUsd()).isCloseTo(expectedUsd, within(EPS));
  }

  @Test
  void cacheReadsBeforeACachePriceExistedCostTheInputPrice() {
    // gpt-4o on 2024-09-01: input 5.00, no cache price, output 15.00.
    // 500 x 5 + 500 x 5 = 5000; 100 x 15 = 1500.
    LlmCall cached = call("openai", "gpt-4o", null, 1000, 100, 500, U, U);

    Cost cost = calculator.price(cached, Spans.epochNanos(LocalDate.of(2024, 9, 1)));

    assertThat(cost.totalUsd()).isCloseTo(0.0065, within(EPS));
  }

  @Test
  void responseModelIsWhatIsBilled() {
    // gpt-4o-2024-05-13 kept 5.00 / 15.00 after the gpt-4o alias moved to 2.50 / 10.00.
    LlmCall pinned = call("openai", "gpt-4o", "gpt-4o-2024-05-13", 1000, 1000, U, U, U);

    Cost cost = calculator.price(pinned, Spans.epochNanos(LocalDate.of(2025, 1, 1)));

    assertThat(cost.pricedModel()).isEqualTo("gpt-4o-2024-05-13");
    assertThat(cost.totalUsd()).isCloseTo(0.02, within(EPS));
  }

  @Test
  void unknownResponseModelFallsBackToTheRequestModel() {
    LlmCall azure = call("azure.ai.openai", "gpt-4o", "my-gpt4o-deployment", 1000, 1000, U, U, U);

    Cost cost = calculator.price(azure, JULY_2025);

    assertThat(cost.pricedModel()).isEqualTo("gpt-4o");
    assertThat(cost.totalUsd()).isCloseTo(0.0125, within(EPS));
  }

  @Test
  void bedrockModelIdIsPricedAsItsModel() {
    // claude-3-5-sonnet: 500 x 3 + 100 x 15 = 3000.
    LlmCall bedrock =
        call(
            "aws.bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", null, 500, 100, U, U, U);

    Cost cost = calculator.price(bedrock, JULY_2025);

    assertThat(cost.pricedModel()).isEqualTo("claude-3-5-sonnet");
    assertThat(cost.totalUsd()).isCloseTo(0.003, within(EPS));
  }

  @Test
  void embeddingCallWithoutOutputIsPricedOnInput() {
    // text-embedding-3-small: 0.02 per 1M input tokens.
    LlmCall embedding = call("text-embedding-3-small", 1000, U);

    Cost cost = calculator.price(embedding, JULY_2025);

    assertThat(cost.outputUsd()).isZero();
    assertThat(cost.totalUsd()).isCloseTo(0.00002, within(EPS));
  }

  @Test
  void unknownModelIsUnpricedNotFree() {
    Cost cost = calculator.price(call("my-private-llm", 1000, 1000), JULY_2025);

    assertThat(cost.isPriced()).isFalse();
    assertThat(cost.unpricedReason()).isEqualTo(Cost.UNKNOWN_MODEL);
    assertThat(cost.totalUsd()).isNaN();
    assertThat(cost.priceVersion()).isEqualTo("2026-11-24");
  }

  @Test
  void callWithoutUsageIsUnpriced() {
    Cost cost = calculator.price(call("gpt-4o", U, U), JULY_2025);

    assertThat(cost.unpricedReason()).isEqualTo(Cost.NO_USAGE);
    assertThat(cost.totalUsd()).isNaN();
  }

  @Test
  void inconsistentCountsNeverGiveANegativeCost() {
    // Cache larger than input (a broken emitter): uncached input clamps at 0.
    LlmCall odd = call("openai", "gpt-4o", null, 100, U, 1000, U, U);

    Cost cost = calculator.price(odd, JULY_2025);

    // 0 x 2.50 + 1000 x 1.25 = 1250.
    assertThat(cost.totalUsd()).isCloseTo(0.00125, within(EPS));
  }
}
