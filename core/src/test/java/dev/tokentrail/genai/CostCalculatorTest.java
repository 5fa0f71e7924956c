package dev.tokentrail.genai;

import static dev.tokentrail.genai.FixtureCatalog.PROVIDER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.Cost;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.Spans;
import dev.tokentrail.pricing.PriceCatalog;
import dev.tokentrail.pricing.Usage;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The adaptation of an {@link LlmCall} to the price catalog. Expected amounts are computed by hand
 * from the made-up prices of src/test/resources/fixture-catalog.yaml (USD per 1M tokens), shown
 * next to each test; how the catalog itself prices usage is tested in the pricing module.
 */
class CostCalculatorTest {
  private static final long U = LlmCall.UNKNOWN;
  private static final double EPS = 1e-12;
  private static final long JULY_2025 = Spans.epochNanos(LocalDate.of(2025, 7, 1));
  private static final PriceCatalog CATALOG = FixtureCatalog.CATALOG;

  private final CostCalculator calculator = new CostCalculator(CATALOG);

  private static LlmCall call(
      String provider,
      String requestModel,
      String responseModel,
      long input,
      long output,
      long cacheRead,
      long cacheWrite,
      long reasoning) {
    return call(provider, requestModel, responseModel, input, output, cacheRead, cacheWrite, reasoning, U, U, U);
  }

  private static LlmCall call(
      String provider,
      String requestModel,
      String responseModel,
      long input,
      long output,
      long cacheRead,
      long cacheWrite,
      long reasoning,
      long cacheWrite1h,
      long inputAudio,
      long outputAudio) {
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
        cacheWrite1h,
        inputAudio,
        outputAudio,
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
        U,
        false,
        null);
  }

  private static LlmCall call(String model, long input, long output) {
    return call(PROVIDER, model, null, input, output, U, U, U);
  }

  @Test
  void cachedTokensAreNotPricedTwice() {
    // fx-frontier since 2024-10-02: input 2.50, cache read 1.25, output 10.00.
    // The 1200 prompt tokens include the 1024 cached: 176 x 2.50 + 1024 x 1.25 = 1720;
    // 85 x 10 = 850.
    LlmCall openAiStyle = call(PROVIDER, "fx-frontier", null, 1200, 85, 1024, U, U);

    Cost cost = calculator.price(openAiStyle, JULY_2025);

    assertThat(cost.isPriced()).isTrue();
    assertThat(cost.inputUsd()).isCloseTo(0.00172, within(EPS));
    assertThat(cost.outputUsd()).isCloseTo(0.00085, within(EPS));
    assertThat(cost.totalUsd()).isCloseTo(0.00257, within(EPS));
    assertThat(cost.pricedModel()).isEqualTo("fx-frontier");
    assertThat(cost.pricedProvider()).isEqualTo(PROVIDER);
    assertThat(cost.tier()).isEqualTo("frontier");
    assertThat(cost.priceVersion()).isEqualTo(CATALOG.version()).endsWith("+fixture-1");
  }

  @Test
  void cacheReadsAndWritesArePricedAtTheirOwnRates() {
    // anthropic/fixture-sonnet: input 3.00, cache read 0.30, cache write 3.75, output 15.00.
    // Canonical input 13050 = 50 uncached + 12000 read + 1000 written:
    // 50 x 3 + 12000 x 0.30 + 1000 x 3.75 = 7500; 310 x 15 = 4650.
    LlmCall anthropic = call("anthropic", "fixture-sonnet", null, 13050, 310, 12000, 1000, U);

    Cost cost = calculator.price(anthropic, JULY_2025);

    assertThat(cost.inputUsd()).isCloseTo(0.0075, within(EPS));
    assertThat(cost.outputUsd()).isCloseTo(0.00465, within(EPS));
    assertThat(cost.totalUsd()).isCloseTo(0.01215, within(EPS));
    assertThat(cost.pricedModel()).isEqualTo("fixture-sonnet");
    assertThat(cost.pricedProvider()).isEqualTo("anthropic");
  }

  @Test
  void oneHourCacheWritesArePricedAtTheirOwnRate() {
    // fixture-sonnet: cache write 3.75, one-hour cache write 6.00. Input 3000 = 1000 uncached +
    // 2000 written, 500 of them for an hour: 1000 x 3 + 1500 x 3.75 + 500 x 6 = 11625.
    LlmCall call = call("anthropic", "fixture-sonnet", null, 3000, 0, U, 2000, U, 500, U, U);

    Cost cost = calculator.price(call, JULY_2025);

    assertThat(cost.inputUsd()).isCloseTo(0.011625, within(EPS));
    assertThat(cost.outputUsd()).isZero();
  }

  @Test
  void audioTokensArePricedAtTheirOwnRates() {
    // fx-voice: input 2.50, output 10.00, input audio 40.00, output audio 80.00. Input 1000
    // includes 400 audio: 600 x 2.50 + 400 x 40 = 17500; output 500 includes 200 audio:
    // 300 x 10 + 200 x 80 = 19000.
    LlmCall call = call(PROVIDER, "fx-voice", null, 1000, 500, U, U, U, U, 400, 200);

    Cost cost = calculator.price(call, JULY_2025);

    assertThat(cost.inputUsd()).isCloseTo(0.0175, within(EPS));
    assertThat(cost.outputUsd()).isCloseTo(0.019, within(EPS));
  }

  @Test
  void usageCarriesEveryCountOfTheCall() {
    LlmCall call = call(PROVIDER, "fx-voice", null, 5000, 900, 1000, 2000, 300, 700, 400, 200);

    Usage usage = CostCalculator.usageOf(call);

    assertThat(usage.input()).isEqualTo(5000);
    assertThat(usage.cacheRead()).isEqualTo(1000);
    assertThat(usage.cacheWrite()).isEqualTo(2000);
    assertThat(usage.cacheWrite1h()).isEqualTo(700);
    assertThat(usage.output()).isEqualTo(900);
    assertThat(usage.reasoning()).isEqualTo(300);
    // Audio counts have no accessor: audioTokensArePricedAtTheirOwnRates prices them.
    assertThat(usage.toString()).contains("inputAudio=400", "outputAudio=200");
  }

  @Test
  void anthropicCacheBesideInputCostsTheSameAsCacheInsideInput() {
    GenAiNormalizer normalizer = GenAiNormalizer.create(AttributionKeys.DEFAULT);
    // Semconv-latest: input_tokens already includes the cache.
    Span inside =
        Spans.span(
            "chat fixture-sonnet",
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", "anthropic",
            "gen_ai.request.model", "fixture-sonnet",
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
            "llm.model_name", "fixture-sonnet",
            "llm.token_count.prompt", 50,
            "llm.token_count.prompt_details.cache_read", 12000,
            "llm.token_count.prompt_details.cache_write", 1000,
            "llm.token_count.completion", 310);

    Cost insideCost = calculator.price(normalizer.extract(inside), JULY_2025);
    Cost besideCost = calculator.price(normalizer.extract(beside), JULY_2025);

    // As in cacheReadsAndWritesArePricedAtTheirOwnRates: 7500 + 4650.
    assertThat(insideCost.totalUsd()).isCloseTo(0.01215, within(EPS));
    assertThat(besideCost.totalUsd()).isCloseTo(0.01215, within(EPS));
  }

  @Test
  void reasoningTokensAreBilledAsOutputOnce() {
    // fx-frontier: input 2.50, output 10.00. The 5000 output tokens include 4000 reasoning
    // tokens: 1000 x 2.50 + 5000 x 10 = 52500, not 1000 x 2.50 + 9000 x 10.
    LlmCall call = call(PROVIDER, "fx-frontier", null, 1000, 5000, U, U, 4000);

    Cost cost = calculator.price(call, JULY_2025);

    assertThat(cost.outputUsd()).isCloseTo(0.05, within(EPS));
    assertThat(cost.totalUsd()).isCloseTo(0.0525, within(EPS));
  }

  @Test
  void reasoningTokensAreFreeWhereTheCatalogSaysSo() {
    // fx-thinker (reasoning_billed_as_output: false): input 1.00, output 10.00.
    // 1000 x 1 + (5000 - 4000) x 10 = 11000.
    LlmCall thinker = call(PROVIDER, "fx-thinker", null, 1000, 5000, U, U, 4000);

    Cost cost = calculator.price(thinker, JULY_2025);

    assertThat(cost.totalUsd()).isCloseTo(0.011, within(EPS));
  }

  @ParameterizedTest(name = "{0} at {1} costs {2}")
  @CsvSource({
    // fx-frontier: 5.00 / 15.00 from 2024-01-01, 2.50 / 10.00 from 2024-10-02 (UTC).
    "fx-frontier, 2024-10-01T00:00:00Z, 0.02",
    "fx-frontier, 2024-10-01T23:59:59.999999999Z, 0.02",
    "fx-frontier, 2024-10-02T00:00:00Z, 0.0125",
    // Before a model's first price (clock skew, backfill): its first price.
    "fx-frontier, 2023-01-01T00:00:00Z, 0.02",
  })
  void callIsPricedAtThePriceOfItsMoment(String model, String at, double expectedUsd) {
    LlmCall thousandEach = call(model, 1000, 1000);

    Cost cost = calculator.price(thousandEach, Spans.epochNanos(Instant.parse(at)));

    assertThat(cost.totalUsd()).isCloseTo(expectedUsd, within(EPS));
  }

  @Test
  void cacheReadsBeforeACachePriceExistedCostTheInputPrice() {
    // fx-frontier on 2024-09-01: input 5.00, no cache price, output 15.00.
    // 500 x 5 + 500 x 5 = 5000; 100 x 15 = 1500.
    LlmCall cached = call(PROVIDER, "fx-frontier", null, 1000, 100, 500, U, U);

    Cost cost = calculator.price(cached, Spans.epochNanos(LocalDate.of(2024, 9, 1)));

    assertThat(cost.totalUsd()).isCloseTo(0.0065, within(EPS));
  }

  @Test
  void responseModelIsWhatIsBilled() {
    // Requested fx-frontier, answered by fx-small: 1000 x 0.15 + 1000 x 0.60 = 750.
    LlmCall call = call(PROVIDER, "fx-frontier", "fx-small", 1000, 1000, U, U, U);

    Cost cost = calculator.price(call, JULY_2025);

    assertThat(cost.pricedModel()).isEqualTo("fx-small");
    assertThat(cost.totalUsd()).isCloseTo(0.00075, within(EPS));
  }

  @Test
  void unknownResponseModelFallsBackToTheRequestModel() {
    // A deployment name as response model; fx-frontier: 1000 x 2.50 + 1000 x 10 = 12500.
    LlmCall deployment = call(PROVIDER, "fx-frontier", "my-frontier-deployment", 1000, 1000, U, U, U);

    Cost cost = calculator.price(deployment, JULY_2025);

    assertThat(cost.pricedModel()).isEqualTo("fx-frontier");
    assertThat(cost.totalUsd()).isCloseTo(0.0125, within(EPS));
  }

  @Test
  void providerOfTheCallDecidesThePriceAndIsRecorded() {
    // fx-small at fixture-ai: 0.15 / 0.60, at fixture-host: 0.20 / 0.80. 1000 in + 1000 out.
    Cost own = calculator.price(call(PROVIDER, "fx-small", null, 1000, 1000, U, U, U), JULY_2025);
    Cost hosted = calculator.price(call("fixture-host", "fx-small", null, 1000, 1000, U, U, U), JULY_2025);

    assertThat(own.pricedProvider()).isEqualTo(PROVIDER);
    assertThat(own.totalUsd()).isCloseTo(0.00075, within(EPS));
    assertThat(hosted.pricedProvider()).isEqualTo("fixture-host");
    assertThat(hosted.pricedModel()).isEqualTo("fx-small");
    assertThat(hosted.totalUsd()).isCloseTo(0.001, within(EPS));
  }

  @Test
  void embeddingCallWithoutOutputIsPricedOnInput() {
    // fx-embed: 0.02 per 1M input tokens.
    LlmCall embedding = call("fx-embed", 1000, U);

    Cost cost = calculator.price(embedding, JULY_2025);

    assertThat(cost.outputUsd()).isZero();
    assertThat(cost.totalUsd()).isCloseTo(0.00002, within(EPS));
  }

  @Test
  void unknownModelIsUnpricedNotFree() {
    Cost cost = calculator.price(call("fx-unlisted", 1000, 1000), JULY_2025);

    assertThat(cost.isPriced()).isFalse();
    assertThat(cost.unpricedReason()).isEqualTo(Cost.UNKNOWN_MODEL);
    assertThat(cost.totalUsd()).isNaN();
    assertThat(cost.pricedModel()).isNull();
    assertThat(cost.pricedProvider()).isNull();
    assertThat(cost.priceVersion()).isEqualTo(CATALOG.version());
  }

  @Test
  void callWithoutUsageIsUnpriced() {
    Cost cost = calculator.price(call("fx-frontier", U, U), JULY_2025);

    assertThat(cost.unpricedReason()).isEqualTo(Cost.NO_USAGE);
    assertThat(cost.totalUsd()).isNaN();
    assertThat(cost.priceVersion()).isEqualTo(CATALOG.version());
  }

  @Test
  void inconsistentCountsNeverGiveANegativeCost() {
    // Cache larger than input (a broken emitter): no uncached input is left, and no more cache
    // reads are priced than the 100 input tokens: 100 x 1.25 = 125.
    LlmCall odd = call(PROVIDER, "fx-frontier", null, 100, U, 1000, U, U);

    Cost cost = calculator.price(odd, JULY_2025);

    assertThat(cost.inputUsd()).isCloseTo(0.000125, within(EPS));
    assertThat(cost.outputUsd()).isZero();
  }

  @Test
  void replacedCatalogPricesLaterCalls() {
    CostCalculator replaced = new CostCalculator(PriceCatalog.builtIn());
    assertThat(replaced.price(call("fx-frontier", 1000, 1000), JULY_2025).isPriced()).isFalse();

    replaced.replaceCatalog(CATALOG);

    assertThat(replaced.catalog()).isSameAs(CATALOG);
    assertThat(replaced.price(call("fx-frontier", 1000, 1000), JULY_2025).totalUsd())
        .isCloseTo(0.0125, within(EPS));
  }
}
