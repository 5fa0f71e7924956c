package dev.tokentrail.genai;

import static dev.tokentrail.model.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 12, item 4: what a client sends under the server's names, and implausible numbers. */
class ClientAttributesTest {
  private static final double EPS = 1e-12;
  private final List<String> reasons = new ArrayList<>();
  private final LlmSpanEnricher enricher = LlmSpanEnricher.create(
      GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(FixtureCatalog.CATALOG), reasons::add);

  /** A call to anthropic/fixture-sonnet ($3 input, $15 output per 1M tokens) plus {@code extra}. */
  private static Span call(Object... extra) {
    Object[] base = {
      "gen_ai.operation.name", "chat", "gen_ai.provider.name", "anthropic", "gen_ai.request.model", "fixture-sonnet"};
    Object[] all = new Object[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return span("chat fixture-sonnet", all);
  }

  @Test
  void aClientPriceOnANonCallSpanIsRenamedAndNeverBecomesThePrice() {
    IngestedSpan e = enricher.enrich(span("POST /answer",
        "tokentrail.llm_call", true, "tokentrail.cost.usd", 5.0, "tokentrail.price.version", "client-1",
        "tokentrail.team", "search"));

    assertThat(e.call()).isNull();
    assertThat(e.span().attributes())
        .doesNotContainKeys("tokentrail.llm_call", "tokentrail.cost.usd", "tokentrail.price.version")
        .containsEntry("tokentrail.client.llm_call", true)
        .containsEntry("tokentrail.client.cost.usd", 5.0)
        .containsEntry("tokentrail.client.price.version", "client-1")
        .containsEntry("tokentrail.team", "search");
    assertThat(reasons).containsExactly("server_owned", "server_owned", "server_owned");
  }

  @Test
  void aClientCostOnACallTheServerCannotPriceIsNotStoredAsItsPrice() {
    IngestedSpan e = enricher.enrich(span("chat acme-brain",
        "gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai", "gen_ai.request.model", "acme-brain-9000",
        "gen_ai.usage.input_tokens", 100, "gen_ai.usage.output_tokens", 10,
        "tokentrail.cost.usd", 3.0, "tokentrail.price.version", "agent-catalog", "tokentrail.price.source", "agent"));

    Map<String, Object> a = e.span().attributes();
    assertThat(a).doesNotContainKeys("tokentrail.cost.usd", "tokentrail.price.source")
        .containsEntry("tokentrail.price.version", FixtureCatalog.CATALOG.version())
        .containsEntry("tokentrail.price.unpriced_reason", "unknown_model")
        .containsEntry("tokentrail.client.price.version", "agent-catalog")
        .containsEntry("tokentrail.client.price.source", "agent")
        .containsEntry("tokentrail.cost.client_usd", 3.0);
    assertThat(e.call().cost().isPriced()).isFalse();
  }

  @Test
  void theAgentsOwnPriceIsComparedAsTheClientCost() {
    IngestedSpan e = enricher.enrich(call("gen_ai.usage.input_tokens", 1000, "gen_ai.usage.output_tokens", 100,
        "tokentrail.cost.usd", 1.0, "tokentrail.cost.input_usd", 0.5, "tokentrail.price.source", "agent"));

    Map<String, Object> a = e.span().attributes();
    // 1000 x $3 + 100 x $15 per 1M = $0.0045, the server's price.
    assertThat((double) a.get("tokentrail.cost.usd")).isCloseTo(0.0045, within(EPS));
    assertThat((double) a.get("tokentrail.cost.input_usd")).isCloseTo(0.003, within(EPS));
    assertThat(a).containsEntry("tokentrail.cost.client_usd", 1.0).containsEntry("tokentrail.client.cost.usd", 1.0);
    assertThat((double) a.get("tokentrail.cost.mismatch_usd")).isCloseTo(1.0 - 0.0045, within(EPS));
  }

  @Test
  void maxLongInputTokensAreUnknownNotPricedAndKeptAside() {
    IngestedSpan e = enricher.enrich(call("gen_ai.usage.input_tokens", Long.MAX_VALUE, "gen_ai.usage.output_tokens", 100));

    assertThat(e.call().inputTokens()).isEqualTo(LlmCall.UNKNOWN);
    assertThat(e.span().attributes()).doesNotContainKey("gen_ai.usage.input_tokens")
        .containsEntry("tokentrail.original.gen_ai.usage.input_tokens", Long.MAX_VALUE)
        .containsEntry("gen_ai.usage.output_tokens", 100L);
    assertThat(e.call().cost().totalUsd()).isCloseTo(0.0015, within(EPS));
    assertThat(reasons).containsExactly("implausible");
  }

  @Test
  void aTrillionTokenClaimIsUnknownAndTheNextConventionIsRead() {
    IngestedSpan e = enricher.enrich(call(
        "gen_ai.usage.input_tokens", 3_000_000_000_000L, "llm.token_count.prompt", 200,
        "gen_ai.usage.output_tokens", 1e15));

    assertThat(e.call().inputTokens()).isEqualTo(200);
    assertThat(e.call().outputTokens()).isEqualTo(LlmCall.UNKNOWN);
    assertThat(e.span().attributes()).containsEntry("gen_ai.usage.input_tokens", 200L)
        .doesNotContainKey("gen_ai.usage.output_tokens")
        .containsEntry("tokentrail.original.gen_ai.usage.output_tokens", 1e15);
    assertThat(e.call().cost().totalUsd()).isCloseTo(0.0006, within(EPS));
  }

  @Test
  void negativeCountsAreDroppedToUnknownNotZero() {
    IngestedSpan e = enricher.enrich(call("gen_ai.usage.input_tokens", -2, "gen_ai.usage.output_tokens", -1));

    assertThat(e.call().hasUsage()).isFalse();
    assertThat(e.span().attributes()).doesNotContainKeys("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")
        .containsEntry("tokentrail.original.gen_ai.usage.input_tokens", -2L)
        .containsEntry("tokentrail.price.unpriced_reason", "no_usage");
    assertThat(reasons).containsExactly("negative", "negative");
  }

  @Test
  void theBoundIsConfigurable() {
    LlmSpanEnricher strict = LlmSpanEnricher.create(
        GenAiNormalizer.create(AttributionKeys.DEFAULT, new ValueLimits(1000, 1)), new CostCalculator(FixtureCatalog.CATALOG));

    IngestedSpan e = strict.enrich(call("gen_ai.usage.input_tokens", 1001, "gen_ai.usage.output_tokens", "1000",
        "llm.cost.total", 1.5));

    assertThat(e.call().inputTokens()).isEqualTo(LlmCall.UNKNOWN);
    assertThat(e.call().outputTokens()).isEqualTo(1000);
    assertThat(e.call().clientCostUsd()).isNaN();
    assertThat(e.span().attributes()).containsEntry("tokentrail.original.llm.cost.total", 1.5);
  }

  @Test
  void nonFiniteAndNegativeClientCostsAreNotBelievedAndNoStoredNumberIsNonFinite() {
    IngestedSpan nan = enricher.enrich(call("gen_ai.usage.input_tokens", 10, "llm.cost.total", Double.NaN,
        "tokentrail.cost.usd", Double.POSITIVE_INFINITY));
    IngestedSpan huge = enricher.enrich(call("gen_ai.usage.input_tokens", 10, "llm.cost.total", "1e999"));
    IngestedSpan negative = enricher.enrich(call("gen_ai.usage.input_tokens", 10, "gen_ai.usage.cost", -4.0,
        "tokentrail.cost.usd", -5.0));

    for (IngestedSpan e : List.of(nan, huge, negative)) {
      assertThat(e.call().clientCostUsd()).isNaN();
      assertThat(e.span().attributes()).doesNotContainKeys("tokentrail.cost.client_usd", "tokentrail.cost.mismatch_usd");
      assertThat((double) e.span().attributes().get("tokentrail.cost.usd")).isCloseTo(0.00003, within(EPS));
      assertThat(e.span().attributes().values())
          .noneMatch(v -> v instanceof Double d && !Double.isFinite(d));
    }
    assertThat(nan.span().attributes()).containsEntry("tokentrail.original.llm.cost.total", "NaN")
        .containsEntry("tokentrail.client.cost.usd", "Infinity");
    assertThat(huge.span().attributes()).containsEntry("tokentrail.original.llm.cost.total", "1e999");
    assertThat(negative.span().attributes()).containsEntry("tokentrail.original.gen_ai.usage.cost", -4.0)
        .containsEntry("tokentrail.original.tokentrail.client.cost.usd", -5.0);
    assertThat(reasons).contains("non_finite", "negative", "server_owned");
  }

  @Test
  void anImplausibleOutcomeValueOnAnySpanIsMovedAside() {
    Span root = enricher.enrich(span("POST /answer", "tokentrail.outcome", "resolved",
        "tokentrail.outcome.value_usd", Double.POSITIVE_INFINITY)).span();

    assertThat(root.attributes()).containsEntry("tokentrail.outcome", "resolved")
        .doesNotContainKey("tokentrail.outcome.value_usd")
        .containsEntry("tokentrail.original.tokentrail.outcome.value_usd", "Infinity");
  }

  @Test
  void repricingAStoredSpanKeepsTheServersOwnAttributes() {
    Span stored = enricher.enrich(call("gen_ai.usage.input_tokens", 1000, "gen_ai.usage.output_tokens", 100)).span();
    reasons.clear();

    Span repriced = enricher.reprice(stored).span();

    assertThat(repriced.attributes()).containsEntry("tokentrail.llm_call", true)
        .containsKey("tokentrail.cost.usd")
        .noneSatisfy((key, value) -> assertThat(key).startsWith("tokentrail.client."));
    assertThat(reasons).isEmpty();
  }

  @Test
  void aSpanWithNothingToChangeIsNotCopied() {
    Map<String, Object> attributes = span("x", "gen_ai.usage.input_tokens", 5, "tokentrail.team", "a").attributes();

    assertThat(new ClientAttributes(ValueLimits.DEFAULT).received(attributes, ClientAttributes.Listener.NONE))
        .isSameAs(attributes);
  }

  @Test
  void limitsOutOfRangeAreRefusedNamingTheField() {
    assertThatThrownBy(() -> new ValueLimits(0, 1)).hasMessageContaining("maxTokensPerCall: 0");
    assertThatThrownBy(() -> new ValueLimits(1, Double.NaN)).hasMessageContaining("maxUsdPerCall: NaN");
  }
}
