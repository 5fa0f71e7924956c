package dev.tokentrail.genai;

import static dev.tokentrail.model.Spans.resource;
import static dev.tokentrail.model.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.Spans;
import dev.tokentrail.pricing.PriceCatalog;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LlmSpanEnricherTest {
  /** Amounts below are computed from fixture-catalog.yaml's made-up prices. */
  private static final PriceCatalog CATALOG = FixtureCatalog.CATALOG;
  private static final double EPS = 1e-12;

  private final LlmSpanEnricher enricher =
      LlmSpanEnricher.create(
          GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(CATALOG));

  /** OpenLLMetry Anthropic (research §3.3): deprecated names only, prompt already inclusive. */
  private static Span openLlmetryAnthropic() {
    return Spans.builder("anthropic.chat")
        .attributes(
            Spans.attrs(
                "gen_ai.system", "Anthropic",
                "llm.request.type", "chat",
                "gen_ai.request.model", "fixture-sonnet-latest",
                "gen_ai.response.model", "fixture-sonnet-20241022",
                "gen_ai.usage.prompt_tokens", 12050,
                "gen_ai.usage.completion_tokens", 310,
                "gen_ai.usage.cache_read_input_tokens", 12000,
                "gen_ai.usage.cache_creation_input_tokens", 0))
        .resource(resource("service.name", "support-bot", "team", "support"))
        .build();
  }

  @Test
  void canonicalAttributesAreAdded() {
    Map<String, Object> a = enricher.enrich(openLlmetryAnthropic()).span().attributes();

    assertThat(a)
        .containsEntry("tokentrail.llm_call", true)
        .containsEntry("gen_ai.operation.name", "chat")
        .containsEntry("gen_ai.provider.name", "anthropic")
        .containsEntry("gen_ai.request.model", "fixture-sonnet-latest")
        .containsEntry("gen_ai.response.model", "fixture-sonnet-20241022")
        .containsEntry("gen_ai.usage.input_tokens", 12050L)
        .containsEntry("gen_ai.usage.output_tokens", 310L)
        .containsEntry("gen_ai.usage.cache_read.input_tokens", 12000L)
        .containsEntry("gen_ai.usage.cache_creation.input_tokens", 0L)
        .containsEntry("tokentrail.price.version", CATALOG.version())
        .containsEntry("tokentrail.price.model", "fixture-sonnet")
        .containsEntry("tokentrail.price.provider", "anthropic")
        .containsEntry("tokentrail.price.tier", "frontier")
        .containsEntry("tokentrail.team", "support")
        .containsEntry("tokentrail.retry.attempt", 0L)
        .doesNotContainKeys("gen_ai.usage.reasoning.output_tokens", "error.type");
    // anthropic/fixture-sonnet (the response model without its date): $3 input, $0.30 cache read,
    // $15 output per 1M tokens.
    // 50 x 3 + 12000 x 0.30 = 3750; 310 x 15 = 4650.
    assertThat((double) a.get("tokentrail.cost.usd")).isCloseTo(0.0084, within(EPS));
    assertThat((double) a.get("tokentrail.cost.input_usd")).isCloseTo(0.00375, within(EPS));
    assertThat((double) a.get("tokentrail.cost.output_usd")).isCloseTo(0.00465, within(EPS));
  }

  @Test
  void originalAttributesAreKept() {
    Span original = openLlmetryAnthropic();

    Span enriched = enricher.enrich(original).span();

    assertThat(enriched.attributes()).containsAllEntriesOf(original.attributes());
    assertThat(enriched)
        .usingRecursiveComparison()
        .ignoringFields("attributes")
        .isEqualTo(original);
  }

  @Test
  void enrichedCallCarriesItsCost() {
    IngestedSpan enriched = enricher.enrich(openLlmetryAnthropic());

    assertThat(enriched.call()).isNotNull();
    assertThat(enriched.call().cost().isPriced()).isTrue();
    assertThat(enriched.call().cost().totalUsd()).isCloseTo(0.0084, within(EPS));
  }

  @Test
  void rewrittenOriginalIsKeptUnderTokentrailOriginal() {
    // Vercel AI SDK v5 copies Anthropic's cache-exclusive count into gen_ai.usage.input_tokens.
    Span span =
        span(
            "ai.generateText.doGenerate",
            "ai.operationId", "ai.generateText.doGenerate",
            "ai.model.provider", "anthropic.messages",
            "ai.model.id", "claude-sonnet-4-5",
            "ai.usage.inputTokens", 20000,
            "ai.usage.cachedInputTokens", 12000,
            "ai.usage.outputTokens", 310,
            "gen_ai.system", "anthropic.messages",
            "gen_ai.request.model", "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens", 20000,
            "gen_ai.usage.output_tokens", 310);

    Map<String, Object> a = enricher.enrich(span).span().attributes();

    assertThat(a)
        .containsEntry("gen_ai.usage.input_tokens", 32000L)
        .containsEntry("tokentrail.original.gen_ai.usage.input_tokens", 20000L)
        .containsEntry("gen_ai.usage.output_tokens", 310L)
        .doesNotContainKey("tokentrail.original.gen_ai.usage.output_tokens")
        .containsEntry("gen_ai.system", "anthropic.messages")
        .containsEntry("gen_ai.provider.name", "anthropic");
  }

  @Test
  void rewrittenProviderNameIsKeptUnderTokentrailOriginal() {
    Span span =
        span(
            "chat gpt-4o",
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", "az.ai.openai",
            "gen_ai.request.model", "gpt-4o",
            "gen_ai.usage.input_tokens", 10,
            "gen_ai.usage.output_tokens", 5);

    Map<String, Object> a = enricher.enrich(span).span().attributes();

    assertThat(a)
        .containsEntry("gen_ai.provider.name", "azure.ai.openai")
        .containsEntry("tokentrail.original.gen_ai.provider.name", "az.ai.openai");
  }

  @Test
  void unchangedCanonicalValuesAreNotDuplicated() {
    Span span =
        span(
            "chat gpt-4o",
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", "openai",
            "gen_ai.request.model", "gpt-4o",
            "gen_ai.usage.input_tokens", 10,
            "gen_ai.usage.output_tokens", 5);

    Map<String, Object> a = enricher.enrich(span).span().attributes();

    assertThat(a.keySet()).noneMatch(k -> k.startsWith("tokentrail.original."));
  }

  @Test
  void unknownModelIsReportedAndNotPriced() {
    Span span =
        span(
            "chat fx-unlisted",
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", FixtureCatalog.PROVIDER,
            "gen_ai.request.model", "fx-unlisted",
            "gen_ai.usage.input_tokens", 10,
            "gen_ai.usage.output_tokens", 5);

    IngestedSpan enriched = enricher.enrich(span);

    assertThat(enriched.span().attributes())
        .containsEntry("tokentrail.price.unpriced_reason", "unknown_model")
        .containsEntry("tokentrail.price.version", CATALOG.version())
        .containsEntry("gen_ai.usage.input_tokens", 10L)
        .doesNotContainKeys(
            "tokentrail.cost.usd",
            "tokentrail.cost.input_usd",
            "tokentrail.cost.output_usd",
            "tokentrail.price.model",
            "tokentrail.price.provider");
    assertThat(enriched.call().cost().isPriced()).isFalse();
  }

  @Test
  void callWithoutUsageIsReportedAsNoUsage() {
    Span span =
        span(
            "chat gpt-4o",
            "gen_ai.operation.name", "chat",
            "gen_ai.provider.name", "openai",
            "gen_ai.request.model", "gpt-4o",
            "error.type", "timeout");

    Map<String, Object> a = enricher.enrich(span).span().attributes();

    assertThat(a)
        .containsEntry("tokentrail.price.unpriced_reason", "no_usage")
        .containsEntry("error.type", "timeout")
        .doesNotContainKeys("tokentrail.cost.usd", "gen_ai.usage.input_tokens");
  }

  @Test
  void nonLlmSpanIsReturnedUnchanged() {
    Span http =
        span(
            "POST",
            "http.request.method", "POST",
            "url.full", "https://api.openai.com/v1/chat/completions",
            "http.response.status_code", 200);

    IngestedSpan enriched = enricher.enrich(http);

    assertThat(enriched.span()).isSameAs(http);
    assertThat(enriched.call()).isNull();
  }

  @Test
  void clientCostMismatchIsReported() {
    Span span = withClientCost(0.02);

    Map<String, Object> a = enricher.enrich(span).span().attributes();

    assertThat(a).containsEntry("tokentrail.cost.client_usd", 0.02);
    // Ours: 0.0084 (see canonicalAttributesAreAdded); the client's is 0.0116 higher.
    assertThat((double) a.get("tokentrail.cost.mismatch_usd")).isCloseTo(0.0116, within(EPS));
  }

  @Test
  void clientCostWithinOnePercentIsNotAMismatch() {
    Span span = withClientCost(0.00845);

    Map<String, Object> a = enricher.enrich(span).span().attributes();

    assertThat(a)
        .containsEntry("tokentrail.cost.client_usd", 0.00845)
        .doesNotContainKey("tokentrail.cost.mismatch_usd");
  }

  @Test
  void clientCostOfAnUnpricedCallIsKeptWithoutMismatch() {
    Span span =
        span(
            "Messages",
            "openinference.span.kind", "LLM",
            "llm.provider", FixtureCatalog.PROVIDER,
            "llm.model_name", "fx-unlisted",
            "llm.token_count.prompt", 100,
            "llm.token_count.completion", 10,
            "llm.cost.total", 0.5);

    Map<String, Object> a = enricher.enrich(span).span().attributes();

    assertThat(a)
        .containsEntry("tokentrail.cost.client_usd", 0.5)
        .containsEntry("tokentrail.price.unpriced_reason", "unknown_model")
        .doesNotContainKey("tokentrail.cost.mismatch_usd");
  }

  private static Span withClientCost(double usd) {
    return span(
        "Messages",
        "openinference.span.kind", "LLM",
        "llm.provider", "anthropic",
        "llm.model_name", "fixture-sonnet-20241022",
        "llm.token_count.prompt", 12050,
        "llm.token_count.completion", 310,
        "llm.token_count.prompt_details.cache_read", 12000,
        "llm.cost.total", usd);
  }

  @Test
  void retryAttemptGivenByTheClientIsKept() {
    Span span =
        span(
            "chat gpt-4o",
            "gen_ai.operation.name", "chat",
            "gen_ai.request.model", "gpt-4o",
            "gen_ai.usage.input_tokens", 10,
            "tokentrail.retry.attempt", 3);

    assertThat(enricher.enrich(span).span().attributes())
        .containsEntry("tokentrail.retry.attempt", 3L);
  }

  @Test
  void inputTokenQueryFindsCallsOfEveryConvention() {
    List<Span> spans =
        List.of(
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", 60000,
                "gen_ai.usage.output_tokens", 10),
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.prompt_tokens", "60000",
                "gen_ai.usage.completion_tokens", "10"),
            span(
                "Messages",
                "openinference.span.kind", "LLM",
                "llm.provider", "anthropic",
                "llm.model_name", "claude-3-5-sonnet-20241022",
                "llm.token_count.prompt", 60000,
                "llm.token_count.completion", 10),
            span(
                "anthropic.chat",
                "gen_ai.system", "Anthropic",
                "llm.request.type", "chat",
                "gen_ai.request.model", "claude-3-5-sonnet-latest",
                "llm.usage.prompt_tokens", 60000,
                "llm.usage.completion_tokens", 10),
            span(
                "ai.streamText.doStream",
                "ai.operationId", "ai.streamText.doStream",
                "ai.model.provider", "anthropic.messages",
                "ai.model.id", "claude-sonnet-4-5",
                "ai.usage.inputTokens", 10000,
                "ai.usage.cachedInputTokens", 50000,
                "ai.usage.outputTokens", 10),
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", 100,
                "gen_ai.usage.output_tokens", 10));

    List<Span> bigCalls =
        spans.stream()
            .map(s -> enricher.enrich(s).span())
            .filter(s -> s.attribute("gen_ai.usage.input_tokens") instanceof Long n && n > 50000)
            .toList();

    assertThat(bigCalls).hasSize(5);
    assertThat(bigCalls)
        .allSatisfy(s -> assertThat(s.attribute("gen_ai.usage.input_tokens")).isEqualTo(60000L));
  }
}
