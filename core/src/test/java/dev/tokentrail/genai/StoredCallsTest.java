package dev.tokentrail.genai;

import static dev.tokentrail.model.Spans.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokentrail.model.IngestedSpan;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.Spans;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** A stored span's call read back equals the call ingest computed: what WAL replay relies on. */
class StoredCallsTest {
  private final LlmSpanEnricher enricher =
      LlmSpanEnricher.create(GenAiNormalizer.create(AttributionKeys.DEFAULT), new CostCalculator(FixtureCatalog.CATALOG));

  static Stream<Span> calls() {
    return Stream.of(
        // OpenLLMetry, deprecated names, cached prompt, team from the resource.
        Spans.builder("anthropic.chat")
            .attributes(Spans.attrs(
                "gen_ai.system", "Anthropic", "llm.request.type", "chat",
                "gen_ai.request.model", "fixture-sonnet-latest", "gen_ai.response.model", "fixture-sonnet-20241022",
                "gen_ai.usage.prompt_tokens", 12050, "gen_ai.usage.completion_tokens", 310,
                "gen_ai.usage.cache_read_input_tokens", 12000, "gen_ai.usage.cache_creation_input_tokens", 0))
            .resource(resource("service.name", "support-bot", "team", "support"))
            .build(),
        // Current OTel names, tools offered, a retry attempt, hashes, outcome.
        Spans.builder("chat fixture-mini")
            .attributes(Spans.attrs(
                "gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "fixture-mini", "gen_ai.usage.input_tokens", 900,
                "gen_ai.usage.output_tokens", 40, "gen_ai.tool.definitions", "[]",
                "tokentrail.retry.attempt", 2, "tokentrail.request.hash", "r1", "tokentrail.prefix.hash", "p1",
                "tokentrail.outcome", "resolved", "tokentrail.outcome.value_usd", 3.5,
                "gen_ai.conversation.id", "c-7"))
            .resource(resource("service.name", "agent"))
            .build(),
        // Unknown model: unpriced, with the reason.
        Spans.builder("chat mystery")
            .attributes(Spans.attrs(
                "gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "no-such-model", "gen_ai.usage.input_tokens", 10,
                "gen_ai.usage.output_tokens", 5, "error.type", "timeout"))
            .resource(resource("service.name", "agent"))
            .build());
  }

  @ParameterizedTest
  @MethodSource("calls")
  void theStoredCallReadsBackAsIngestComputedIt(Span received) {
    IngestedSpan ingested = enricher.enrich(received);
    assertThat(ingested.call()).isNotNull();

    LlmCall read = StoredCalls.read(ingested.span());

    LlmCall expected = ingested.call();
    if (expected.retryAttempt() < 0) {
      // Ingest stores "no retry attempt reported" as attempt 0.
      expected = new LlmCall(expected.operation(), expected.provider(), expected.requestModel(),
          expected.responseModel(), expected.inputTokens(), expected.outputTokens(), expected.cacheReadTokens(),
          expected.cacheWriteTokens(), expected.reasoningTokens(), expected.cacheWrite1hTokens(),
          expected.inputAudioTokens(), expected.outputAudioTokens(), expected.conversationId(), expected.errorType(),
          expected.clientCostUsd(), expected.attribution(), expected.task(), expected.outcome(),
          expected.outcomeValueUsd(), 0, expected.requestHash(), expected.prefixHash(), expected.prefixTokens(), expected.toolUse(),
          expected.cost());
    }
    assertThat(read).isEqualTo(expected); // record equality: NaN equals NaN
    assertThat(read.billedModel()).isEqualTo(expected.billedModel());
  }

  @Test
  void toolUseIsComputedOnceAtNormalization() {
    List<Boolean> tools = calls().map(s -> enricher.enrich(s).call().toolUse()).toList();
    assertThat(tools).containsExactly(false, true, false);
  }

  @Test
  void aSpanIngestDidNotRecognizeHasNoCall() {
    Span http = Spans.builder("GET /").resource(resource("service.name", "web")).build();
    assertThat(StoredCalls.read(enricher.enrich(http).span())).isNull();
  }
}
