package dev.tokentrail.genai;

import static dev.tokentrail.model.Spans.attrs;
import static dev.tokentrail.model.Spans.exceptionEvent;
import static dev.tokentrail.model.Spans.resource;
import static dev.tokentrail.model.Spans.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.Spans;
import dev.tokentrail.model.StatusCode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spans shaped as each instrumentation emits them, per docs/research/genai-conventions.md (the
 * section is named in each case), read into canonical LLM calls.
 */
class GenAiNormalizerTest {
  private static final long U = LlmCall.UNKNOWN;

  private final GenAiNormalizer normalizer = GenAiNormalizer.create(AttributionKeys.DEFAULT);

  /** The canonical fields a case checks; compared as one value so a failure shows every field. */
  record Usage(
      String operation,
      String provider,
      String requestModel,
      String responseModel,
      long input,
      long output,
      long cacheRead,
      long cacheWrite,
      long reasoning) {
    static Usage of(LlmCall call) {
      return new Usage(
          call.operation(),
          call.provider(),
          call.requestModel(),
          call.responseModel(),
          call.inputTokens(),
          call.outputTokens(),
          call.cacheReadTokens(),
          call.cacheWriteTokens(),
          call.reasoningTokens());
    }
  }

  private static Arguments call(String name, Span span, Usage expected) {
    return arguments(named(name, span), expected);
  }

  private static Usage usage(
      String operation,
      String provider,
      String requestModel,
      String responseModel,
      long input,
      long output,
      long cacheRead,
      long cacheWrite,
      long reasoning) {
    return new Usage(
        operation,
        provider,
        requestModel,
        responseModel,
        input,
        output,
        cacheRead,
        cacheWrite,
        reasoning);
  }

  static Stream<Arguments> llmCalls() {
    return Stream.of(
        // §1.1 / §6.3: OpenAI's prompt count already includes cached tokens.
        call(
            "OTel current, OpenAI chat, cached tokens inside input",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.response.model", "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens", 1200,
                "gen_ai.usage.output_tokens", 85,
                "gen_ai.usage.cache_read.input_tokens", 1024,
                "server.address", "api.openai.com"),
            usage("chat", "openai", "gpt-4o", "gpt-4o-2024-08-06", 1200, 85, 1024, U, U)),
        // §1.5: semconv-latest Anthropic, input = 50 uncached + 12000 read + 0 written.
        call(
            "OTel current, Anthropic, dotted cache names, inclusive input",
            span(
                "chat claude-sonnet-4-5",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "anthropic",
                "gen_ai.request.model", "claude-sonnet-4-5",
                "gen_ai.response.model", "claude-sonnet-4-5-20250929",
                "gen_ai.usage.input_tokens", 12050,
                "gen_ai.usage.cache_read.input_tokens", 12000,
                "gen_ai.usage.cache_creation.input_tokens", 0,
                "gen_ai.usage.output_tokens", 310,
                "gen_ai.usage.reasoning.output_tokens", 120,
                "gen_ai.conversation.id", "conv_5j66UpCpwteGg4YSxUnt7lPY"),
            usage(
                "chat",
                "anthropic",
                "claude-sonnet-4-5",
                "claude-sonnet-4-5-20250929",
                12050,
                310,
                12000,
                0,
                120)),
        call(
            "OTel current, Anthropic with a cache write, inclusive input is not added to",
            span(
                "chat claude-sonnet-4-5",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "anthropic",
                "gen_ai.request.model", "claude-sonnet-4-5",
                "gen_ai.usage.input_tokens", 13050,
                "gen_ai.usage.cache_read.input_tokens", 12000,
                "gen_ai.usage.cache_creation.input_tokens", 1000,
                "gen_ai.usage.output_tokens", 310),
            usage("chat", "anthropic", "claude-sonnet-4-5", null, 13050, 310, 12000, 1000, U)),
        // §1.3: deprecated names.
        call(
            "OTel deprecated, gen_ai.system and prompt/completion tokens",
            span(
                "chat gpt-4o-mini",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-4o-mini",
                "gen_ai.response.model", "gpt-4o-mini-2024-07-18",
                "gen_ai.usage.prompt_tokens", 100,
                "gen_ai.usage.completion_tokens", 20),
            usage("chat", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 100, 20, U, U, U)),
        call(
            "OTel deprecated, old provider value az.ai.openai",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "az.ai.openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", 10,
                "gen_ai.usage.output_tokens", 5),
            usage("chat", "azure.ai.openai", "gpt-4o", null, 10, 5, U, U, U)),
        call(
            "OTel, gen_ai.provider.name wins over gen_ai.system",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "azure.ai.openai",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", 10,
                "gen_ai.usage.output_tokens", 5),
            usage("chat", "azure.ai.openai", "gpt-4o", null, 10, 5, U, U, U)),
        call(
            "OTel deprecated operation value completion",
            span(
                "completion gpt-3.5-turbo-instruct",
                "gen_ai.operation.name", "completion",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-3.5-turbo-instruct",
                "gen_ai.usage.input_tokens", 10,
                "gen_ai.usage.output_tokens", 5),
            usage("text_completion", "openai", "gpt-3.5-turbo-instruct", null, 10, 5, U, U, U)),
        call(
            "OTel generate_content on Vertex AI",
            span(
                "generate_content gemini-2.5-pro",
                "gen_ai.operation.name", "generate_content",
                "gen_ai.provider.name", "gcp.vertex_ai",
                "gen_ai.request.model", "gemini-2.5-pro",
                "gen_ai.usage.input_tokens", 800,
                "gen_ai.usage.output_tokens", 200),
            usage("generate_content", "gcp.vertex_ai", "gemini-2.5-pro", null, 800, 200, U, U, U)),
        // §2.3: OpenInference Anthropic >= PR #1429 puts cache inside llm.token_count.prompt.
        call(
            "OpenInference LLM span, Anthropic, cache_read inside prompt",
            span(
                "Messages",
                "openinference.span.kind", "LLM",
                "llm.provider", "anthropic",
                "llm.system", "anthropic",
                "llm.model_name", "claude-3-5-sonnet-20241022",
                "llm.invocation_parameters",
                    "{\"model\": \"claude-3-5-sonnet-latest\", \"max_tokens\": 1024}",
                "llm.token_count.prompt", 12050,
                "llm.token_count.completion", 310,
                "llm.token_count.prompt_details.cache_read", 12000,
                "llm.token_count.prompt_details.cache_write", 0,
                "session.id", "sess-1"),
            usage(
                "chat",
                "anthropic",
                "claude-3-5-sonnet-20241022",
                "claude-3-5-sonnet-20241022",
                12050,
                310,
                12000,
                0,
                U)),
        // §2.2 caveat: the old wrappers emitted the cache-exclusive count.
        call(
            "OpenInference LLM span, old Anthropic wrapper, cache larger than prompt is added",
            span(
                "Messages",
                "openinference.span.kind", "LLM",
                "llm.provider", "anthropic",
                "llm.model_name", "claude-3-5-sonnet-20241022",
                "llm.token_count.prompt", 50,
                "llm.token_count.completion", 310,
                "llm.token_count.prompt_details.cache_read", 12000),
            usage(
                "chat",
                "anthropic",
                "claude-3-5-sonnet-20241022",
                "claude-3-5-sonnet-20241022",
                12050,
                310,
                12000,
                U,
                U)),
        call(
            "OpenInference LLM span, llm.provider aws maps to aws.bedrock",
            span(
                "ChatBedrock",
                "openinference.span.kind", "LLM",
                "llm.provider", "aws",
                "llm.model_name", "anthropic.claude-3-haiku-20240307-v1:0",
                "llm.token_count.prompt", 300,
                "llm.token_count.completion", 50,
                "llm.token_count.completion_details.reasoning", 0),
            usage(
                "chat",
                "aws.bedrock",
                "anthropic.claude-3-haiku-20240307-v1:0",
                "anthropic.claude-3-haiku-20240307-v1:0",
                300,
                50,
                U,
                U,
                0)),
        call(
            "OpenInference EMBEDDING span",
            span(
                "Embeddings",
                "openinference.span.kind", "EMBEDDING",
                "llm.provider", "openai",
                "llm.model_name", "text-embedding-3-small",
                "llm.token_count.prompt", 12),
            usage(
                "embeddings",
                "openai",
                "text-embedding-3-small",
                "text-embedding-3-small",
                12,
                U,
                U,
                U,
                U)),
        // §3: OpenLLMetry.
        call(
            "OpenLLMetry OpenAI, llm.request.type chat, underscore cache name",
            span(
                "openai.chat",
                "gen_ai.system", "openai",
                "llm.request.type", "chat",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.response.model", "gpt-4o-2024-08-06",
                "gen_ai.usage.prompt_tokens", 1200,
                "gen_ai.usage.completion_tokens", 85,
                "llm.usage.total_tokens", 1285,
                "gen_ai.usage.cache_read_input_tokens", 1024,
                "llm.is_streaming", false),
            usage("chat", "openai", "gpt-4o", "gpt-4o-2024-08-06", 1200, 85, 1024, U, U)),
        // §3.2-3.3: gen_ai.system "Anthropic" (mixed case), prompt_tokens already inclusive.
        call(
            "OpenLLMetry Anthropic, mixed-case system, prompt_tokens already inclusive",
            span(
                "anthropic.chat",
                "gen_ai.system", "Anthropic",
                "llm.request.type", "chat",
                "gen_ai.request.model", "claude-3-5-sonnet-latest",
                "gen_ai.response.model", "claude-3-5-sonnet-20241022",
                "gen_ai.usage.prompt_tokens", 12050,
                "gen_ai.usage.completion_tokens", 310,
                "llm.usage.total_tokens", 12360,
                "gen_ai.usage.cache_read_input_tokens", 12000,
                "gen_ai.usage.cache_creation_input_tokens", 0,
                "traceloop.workflow.name", "support_flow"),
            usage(
                "chat",
                "anthropic",
                "claude-3-5-sonnet-latest",
                "claude-3-5-sonnet-20241022",
                12050,
                310,
                12000,
                0,
                U)),
        call(
            "OpenLLMetry Anthropic with a cache write, prompt_tokens already inclusive",
            span(
                "anthropic.chat",
                "gen_ai.system", "Anthropic",
                "llm.request.type", "chat",
                "gen_ai.request.model", "claude-3-5-sonnet-latest",
                "gen_ai.usage.prompt_tokens", 13050,
                "gen_ai.usage.completion_tokens", 310,
                "gen_ai.usage.cache_read_input_tokens", 12000,
                "gen_ai.usage.cache_creation_input_tokens", 1000),
            usage("chat", "anthropic", "claude-3-5-sonnet-latest", null, 13050, 310, 12000, 1000, U)),
        call(
            "OpenLLMetry legacy completion request",
            span(
                "openai.completion",
                "gen_ai.system", "openai",
                "llm.request.type", "completion",
                "gen_ai.request.model", "gpt-3.5-turbo-instruct",
                "llm.usage.prompt_tokens", 40,
                "llm.usage.completion_tokens", 8),
            usage("text_completion", "openai", "gpt-3.5-turbo-instruct", null, 40, 8, U, U, U)),
        // §4: Vercel AI SDK inner spans are the calls.
        call(
            "Vercel AI SDK v5 doGenerate, anthropic.messages, cache beside input is added",
            span(
                "ai.generateText.doGenerate",
                "ai.operationId", "ai.generateText.doGenerate",
                "operation.name", "ai.generateText.doGenerate chat-handler",
                "ai.model.provider", "anthropic.messages",
                "ai.model.id", "claude-sonnet-4-5",
                "ai.response.model", "claude-sonnet-4-5-20250929",
                "ai.usage.inputTokens", 20000,
                "ai.usage.outputTokens", 310,
                "ai.usage.cachedInputTokens", 12000,
                "gen_ai.system", "anthropic.messages",
                "gen_ai.request.model", "claude-sonnet-4-5",
                "gen_ai.response.model", "claude-sonnet-4-5-20250929",
                "gen_ai.usage.input_tokens", 20000,
                "gen_ai.usage.output_tokens", 310),
            usage(
                "chat",
                "anthropic",
                "claude-sonnet-4-5",
                "claude-sonnet-4-5-20250929",
                32000,
                310,
                12000,
                U,
                U)),
        // §4.5
        call(
            "Vercel AI SDK v6 doStream, inputTokenDetails.noCacheTokens is authoritative",
            span(
                "ai.streamText.doStream",
                "ai.operationId", "ai.streamText.doStream",
                "ai.model.provider", "anthropic.messages",
                "ai.model.id", "claude-sonnet-4-5",
                "ai.response.model", "claude-sonnet-4-5-20250929",
                "ai.usage.inputTokens", 12050,
                "ai.usage.inputTokenDetails.noCacheTokens", 50,
                "ai.usage.inputTokenDetails.cacheReadTokens", 12000,
                "ai.usage.inputTokenDetails.cacheWriteTokens", 0,
                "ai.usage.cachedInputTokens", 12000,
                "ai.usage.outputTokens", 310,
                "ai.usage.outputTokenDetails.reasoningTokens", 0,
                "ai.usage.totalTokens", 12360,
                "gen_ai.system", "anthropic.messages",
                "gen_ai.request.model", "claude-sonnet-4-5",
                "gen_ai.response.model", "claude-sonnet-4-5-20250929",
                "gen_ai.usage.input_tokens", 12050,
                "gen_ai.usage.output_tokens", 310,
                "ai.telemetry.metadata.sessionId", "sess_123"),
            usage(
                "chat",
                "anthropic",
                "claude-sonnet-4-5",
                "claude-sonnet-4-5-20250929",
                12050,
                310,
                12000,
                0,
                0)),
        // §9.2 rule 1: any ai.usage.inputTokenDetails.* means v6, so input is inclusive.
        call(
            "Vercel AI SDK v6 without noCacheTokens, input is still inclusive",
            span(
                "ai.generateText.doGenerate",
                "ai.operationId", "ai.generateText.doGenerate",
                "ai.model.provider", "anthropic.messages",
                "ai.model.id", "claude-sonnet-4-5",
                "ai.usage.inputTokens", 12050,
                "ai.usage.inputTokenDetails.cacheReadTokens", 12000,
                "ai.usage.outputTokens", 310),
            usage("chat", "anthropic", "claude-sonnet-4-5", null, 12050, 310, 12000, U, U)),
        call(
            "Vercel AI SDK v4 doStream, openai.chat, promptTokens names",
            span(
                "ai.streamText.doStream",
                "ai.operationId", "ai.streamText.doStream",
                "ai.model.provider", "openai.chat",
                "ai.model.id", "gpt-4o",
                "ai.response.model", "gpt-4o-2024-08-06",
                "ai.usage.promptTokens", 1200,
                "ai.usage.completionTokens", 85),
            usage("chat", "openai", "gpt-4o", "gpt-4o-2024-08-06", 1200, 85, U, U, U)),
        // §5.3: the Spring AI model span is the call; its chat_client parent is not.
        call(
            "Spring AI model span",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.response.model", "gpt-4o-2024-08-06",
                "gen_ai.request.temperature", 0.7,
                "gen_ai.response.finish_reasons", List.of("STOP"),
                "gen_ai.usage.input_tokens", 1200,
                "gen_ai.usage.output_tokens", 85,
                "gen_ai.usage.total_tokens", 1285),
            usage("chat", "openai", "gpt-4o", "gpt-4o-2024-08-06", 1200, 85, U, U, U)),
        call(
            "Spring AI embedding span, operation embedding",
            span(
                "embedding text-embedding-3-small",
                "gen_ai.operation.name", "embedding",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "text-embedding-3-small",
                "gen_ai.usage.input_tokens", 8,
                "gen_ai.usage.total_tokens", 8),
            usage("embeddings", "openai", "text-embedding-3-small", null, 8, U, U, U, U)),
        // §5.3: Micrometer writes "none" for missing keys.
        call(
            "Spring AI none placeholders read as absent",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.response.model", "none",
                "gen_ai.usage.input_tokens", 1200,
                "gen_ai.usage.output_tokens", 85),
            usage("chat", "openai", "gpt-4o", null, 1200, 85, U, U, U)),
        call(
            "Spring AI none request model falls back to the response model",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "none",
                "gen_ai.response.model", "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens", 1200,
                "gen_ai.usage.output_tokens", 85),
            usage("chat", "openai", "gpt-4o-2024-08-06", "gpt-4o-2024-08-06", 1200, 85, U, U, U)),
        // §6.3
        call(
            "OTel Java agent openai-java span",
            span(
                "chat gpt-4o-mini",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "openai",
                "gen_ai.request.model", "gpt-4o-mini",
                "gen_ai.request.max_tokens", 256,
                "gen_ai.request.temperature", 0.2,
                "gen_ai.response.id", "chatcmpl-123",
                "gen_ai.response.model", "gpt-4o-mini-2024-07-18",
                "gen_ai.response.finish_reasons", List.of("stop"),
                "gen_ai.usage.input_tokens", 1200,
                "gen_ai.usage.output_tokens", 85,
                "server.address", "api.openai.com",
                "server.port", 443),
            usage("chat", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 1200, 85, U, U, U)),
        // §6.1: no response model and no cache tokens on Bedrock spans.
        call(
            "OTel Java agent Bedrock span without cache tokens",
            span(
                "chat us.anthropic.claude-3-5-sonnet-20241022-v2:0",
                "gen_ai.operation.name", "chat",
                "gen_ai.system", "aws.bedrock",
                "gen_ai.request.model", "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
                "gen_ai.usage.input_tokens", 500,
                "gen_ai.usage.output_tokens", 100,
                "rpc.system", "aws-api",
                "rpc.service", "BedrockRuntime",
                "rpc.method", "Converse"),
            usage(
                "chat",
                "aws.bedrock",
                "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
                null,
                500,
                100,
                U,
                U,
                U)),
        call(
            "Numbers sent as strings",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", "1200",
                "gen_ai.usage.output_tokens", "85",
                "gen_ai.usage.cache_read.input_tokens", "1024"),
            usage("chat", "openai", "gpt-4o", null, 1200, 85, 1024, U, U)),
        call(
            "Numbers sent as doubles",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", 1200.0,
                "gen_ai.usage.output_tokens", 85.0),
            usage("chat", "openai", "gpt-4o", null, 1200, 85, U, U, U)),
        call(
            "Unparseable counts are unknown, not zero",
            span(
                "chat gpt-4o",
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "openai",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", "twelve",
                "gen_ai.usage.output_tokens", -5,
                "gen_ai.usage.cache_read.input_tokens", Double.NaN),
            usage("chat", "openai", "gpt-4o", null, U, U, U, U, U)),
        call(
            "Hand-rolled span with only a model and tokens",
            span(
                "my-llm-call",
                "gen_ai.request.model", "gpt-4o",
                "gen_ai.usage.input_tokens", 10,
                "gen_ai.usage.output_tokens", 2),
            usage("chat", null, "gpt-4o", null, 10, 2, U, U, U)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("llmCalls")
  void readsTheCallWhateverConventionReportedIt(Span span, Usage expected) {
    LlmCall call = normalizer.extract(span);

    assertThat(call).as("recognized as an LLM call").isNotNull();
    assertThat(Usage.of(call)).isEqualTo(expected);
  }

  static Stream<Arguments> notCalls() {
    return Stream.of(
        // §2.1 / §9.1: aggregates and wrappers, even with token counts.
        arguments(
            named(
                "OpenInference CHAIN span with token counts",
                span(
                    "RunnableSequence",
                    "openinference.span.kind", "CHAIN",
                    "llm.model_name", "gpt-4o",
                    "llm.token_count.prompt", 1200,
                    "llm.token_count.completion", 85))),
        arguments(
            named(
                "OpenInference AGENT span with summed usage",
                span(
                    "ClaudeAgent.query",
                    "openinference.span.kind", "AGENT",
                    "llm.model_name", "claude-sonnet-4-5",
                    "llm.token_count.prompt", 90000,
                    "llm.token_count.completion", 4000))),
        arguments(
            named(
                "OpenLLMetry workflow span",
                span(
                    "support_flow.workflow",
                    "traceloop.span.kind", "workflow",
                    "traceloop.workflow.name", "support_flow",
                    "traceloop.entity.name", "support_flow",
                    "gen_ai.request.model", "gpt-4o",
                    "gen_ai.usage.prompt_tokens", 1200))),
        arguments(
            named(
                "OpenLLMetry task span",
                span(
                    "summarize.task",
                    "traceloop.span.kind", "task",
                    "traceloop.entity.name", "summarize"))),
        arguments(
            named(
                "OpenLLMetry rerank request is not token-billed",
                span(
                    "cohere.rerank",
                    "gen_ai.system", "Cohere",
                    "llm.request.type", "rerank",
                    "gen_ai.request.model", "rerank-english-v3.0"))),
        // §4.3: the outer span sums all steps.
        arguments(
            named(
                "Vercel AI SDK outer ai.generateText",
                span(
                    "ai.generateText",
                    "ai.operationId", "ai.generateText",
                    "operation.name", "ai.generateText chat-handler",
                    "ai.model.provider", "anthropic.messages",
                    "ai.model.id", "claude-sonnet-4-5",
                    "ai.usage.inputTokens", 24100,
                    "ai.usage.outputTokens", 620,
                    "ai.usage.promptTokens", 24100,
                    "ai.usage.completionTokens", 620))),
        arguments(
            named(
                "Vercel AI SDK outer ai.streamText",
                span(
                    "ai.streamText",
                    "ai.operationId", "ai.streamText",
                    "ai.model.provider", "openai.responses",
                    "ai.model.id", "gpt-4o",
                    "ai.usage.inputTokens", 1200,
                    "ai.usage.outputTokens", 85))),
        // §5.1
        arguments(
            named(
                "Spring AI chat_client framework span",
                span(
                    "spring_ai chat_client",
                    "gen_ai.operation.name", "framework",
                    "gen_ai.system", "spring_ai",
                    "spring.ai.kind", "chat_client",
                    "spring.ai.chat.client.conversation.id", "c-42"))),
        arguments(
            named(
                "Spring AI advisor span",
                span(
                    "SimpleLoggerAdvisor",
                    "gen_ai.operation.name", "framework",
                    "gen_ai.system", "spring_ai",
                    "spring.ai.kind", "advisor",
                    "spring.ai.advisor.name", "SimpleLoggerAdvisor"))),
        // §1.6
        arguments(
            named(
                "invoke_agent span with aggregate usage",
                span(
                    "invoke_agent travel-planner",
                    "gen_ai.operation.name", "invoke_agent",
                    "gen_ai.provider.name", "openai",
                    "gen_ai.agent.name", "travel-planner",
                    "gen_ai.request.model", "gpt-4o",
                    "gen_ai.usage.input_tokens", 50000,
                    "gen_ai.usage.output_tokens", 3000))),
        arguments(
            named(
                "execute_tool span",
                span(
                    "execute_tool get_weather",
                    "gen_ai.operation.name", "execute_tool",
                    "gen_ai.tool.name", "get_weather"))),
        arguments(
            named(
                "Plain HTTP client span to an LLM API",
                span(
                    "POST",
                    "http.request.method", "POST",
                    "url.full", "https://api.openai.com/v1/chat/completions",
                    "server.address", "api.openai.com",
                    "http.response.status_code", 200))),
        arguments(
            named(
                "Span with a model but no tokens and no operation",
                span("lookup", "gen_ai.request.model", "gpt-4o"))),
        arguments(named("Span without attributes", span("idle"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notCalls")
  void spansThatAreNotOneLlmCallAreNotExtracted(Span span) {
    assertThat(normalizer.extract(span)).isNull();
  }

  @Test
  void aCallSpanTheAgentMarkedAsAWrapperIsNotCountedAgain() {
    assertThat(normalizer.extract(chat())).isNotNull();
    assertThat(normalizer.extract(chat("tokentrail.llm.wrapper", true))).isNull();
    assertThat(normalizer.extract(chat("tokentrail.llm.wrapper", "true"))).isNull();
    assertThat(normalizer.extract(chat("tokentrail.llm.wrapper", false))).isNotNull();
  }

  @Test
  void vercelEmbedSpanIsAnEmbeddingsCall() {
    LlmCall call =
        normalizer.extract(
            span(
                "ai.embed.doEmbed",
                "ai.operationId", "ai.embed.doEmbed",
                "ai.model.provider", "openai.embedding",
                "ai.model.id", "text-embedding-3-small"));

    assertThat(call).isNotNull();
    assertThat(call.operation()).isEqualTo("embeddings");
    assertThat(call.provider()).isEqualTo("openai");
    assertThat(call.requestModel()).isEqualTo("text-embedding-3-small");
  }

  private static Span chat(Object... extra) {
    Object[] base = {
      "gen_ai.operation.name", "chat",
      "gen_ai.provider.name", "openai",
      "gen_ai.request.model", "gpt-4o",
      "gen_ai.usage.input_tokens", 100,
      "gen_ai.usage.output_tokens", 10
    };
    Object[] all = new Object[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return span("chat gpt-4o", all);
  }

  private static Span.Builder chatBuilder(Object... extra) {
    return Spans.builder("chat gpt-4o").attributes(chat(extra).attributes());
  }

  @Nested
  class Errors {
    @Test
    void errorStatusWithErrorTypeReportsTheType() {
      Span span =
          chatBuilder("error.type", "RateLimitError").status(StatusCode.ERROR, "slow down").build();

      assertThat(normalizer.extract(span).errorType()).isEqualTo("RateLimitError");
    }

    @Test
    void errorStatusWithHttp429ReportsTheStatusCode() {
      Span span =
          chatBuilder("http.response.status_code", 429).status(StatusCode.ERROR, "").build();

      assertThat(normalizer.extract(span).errorType()).isEqualTo("429");
    }

    @Test
    void errorStatusWithExceptionEventReportsTheExceptionType() {
      Span span =
          chatBuilder()
              .status(StatusCode.ERROR, "")
              .events(List.of(exceptionEvent("openai.APITimeoutError", "Request timed out.")))
              .build();

      assertThat(normalizer.extract(span).errorType()).isEqualTo("openai.APITimeoutError");
    }

    @Test
    void errorTypeWinsOverHttpStatusAndExceptionEvent() {
      Span span =
          chatBuilder("error.type", "overloaded_error", "http.response.status_code", 529)
              .status(StatusCode.ERROR, "")
              .events(List.of(exceptionEvent("anthropic.InternalServerError", "overloaded")))
              .build();

      assertThat(normalizer.extract(span).errorType()).isEqualTo("overloaded_error");
    }

    @Test
    void errorStatusWithoutDetailIsOther() {
      Span span = chatBuilder().status(StatusCode.ERROR, "").build();

      assertThat(normalizer.extract(span).errorType()).isEqualTo("_OTHER");
    }

    @Test
    void http429WithoutErrorStatusIsStillAnError() {
      Span span = chatBuilder("http.response.status_code", "429").build();

      assertThat(normalizer.extract(span).errorType()).isEqualTo("429");
    }

    @Test
    void errorTypeWithoutErrorStatusIsStillAnError() {
      Span span = chatBuilder("error.type", "timeout").build();

      assertThat(normalizer.extract(span).errorType()).isEqualTo("timeout");
    }

    @Test
    void successfulCallHasNoError() {
      Span span = chatBuilder("http.response.status_code", 200).status(StatusCode.OK, "").build();

      LlmCall call = normalizer.extract(span);

      assertThat(call.errorType()).isNull();
      assertThat(call.isError()).isFalse();
    }

    @Test
    void springAiNonePlaceholderIsNotAnError() {
      Span span = chatBuilder("error.type", "none").build();

      assertThat(normalizer.extract(span).errorType()).isNull();
    }

    @Test
    void failedCallWithoutUsageIsStillACall() {
      Span span =
          Spans.builder("chat gpt-4o")
              .attributes(
                  attrs(
                      "gen_ai.operation.name", "chat",
                      "gen_ai.provider.name", "openai",
                      "gen_ai.request.model", "gpt-4o",
                      "error.type", "openai.RateLimitError"))
              .status(StatusCode.ERROR, "429 Too Many Requests")
              .build();

      LlmCall call = normalizer.extract(span);

      assertThat(call).isNotNull();
      assertThat(call.isError()).isTrue();
      assertThat(call.hasUsage()).isFalse();
    }
  }

  @Nested
  class Attributions {
    @Test
    void spanAttributeWinsOverResourceAndBaggage() {
      Span span =
          chatBuilder("team", "from-span", "baggage.team", "from-baggage")
              .resource(resource("team", "from-resource"))
              .build();

      assertThat(normalizer.extract(span).attribution().team()).isEqualTo("from-span");
    }

    @Test
    void resourceAttributeWinsOverBaggage() {
      Span span =
          chatBuilder("baggage.team", "from-baggage")
              .resource(resource("team", "from-resource"))
              .build();

      assertThat(normalizer.extract(span).attribution().team()).isEqualTo("from-resource");
    }

    @Test
    void baggageIsUsedWhenNothingElseSaysIt() {
      Span span = chatBuilder("baggage.team", "from-baggage").build();

      assertThat(normalizer.extract(span).attribution().team()).isEqualTo("from-baggage");
    }

    @Test
    void anyKeyOnTheSpanWinsOverTheFirstKeyOnTheResource() {
      Span span =
          chatBuilder("owner.team", "span-owner")
              .resource(resource("tokentrail.team", "resource-team"))
              .build();

      assertThat(normalizer.extract(span).attribution().team()).isEqualTo("span-owner");
    }

    @Test
    void earlierKeyWinsOnTheSameLevel() {
      Span span = chatBuilder("team", "plain", "tokentrail.team", "explicit").build();

      assertThat(normalizer.extract(span).attribution().team()).isEqualTo("explicit");
    }

    @Test
    void everyDimensionIsReadFromItsDefaultKeys() {
      Span span =
          chatBuilder("app.feature", "search", "enduser.id", "u-7", "baggage.cost_center", "cc-12")
              .resource(resource("team.name", "payments", "project.name", "checkout"))
              .build();

      assertThat(normalizer.extract(span).attribution())
          .isEqualTo(new Attribution("payments", "checkout", "cc-12", "search", "u-7"));
    }

    @Test
    void customKeysReplaceTheDefaults() {
      AttributionKeys keys =
          new AttributionKeys(
              List.of("squad"), List.of("repo"), List.of(), List.of(), List.of("customer"));
      Span span = chatBuilder("team", "ignored", "squad", "blue", "baggage.customer", "c-1").build();

      Attribution who = GenAiNormalizer.create(keys).extract(span).attribution();

      assertThat(who).isEqualTo(new Attribution("blue", null, null, null, "c-1"));
    }

    @Test
    void nothingSaidMeansNoAttribution() {
      assertThat(normalizer.extract(chat()).attribution()).isEqualTo(Attribution.NONE);
    }
  }

  @Nested
  class OtherFields {
    @Test
    void conversationIdWinsOverSessionId() {
      Span span = chat("session.id", "sess-1", "gen_ai.conversation.id", "conv-1");

      assertThat(normalizer.extract(span).conversationId()).isEqualTo("conv-1");
    }

    @Test
    void openLlmetrySessionAssociationIsTheConversation() {
      Span span = chat("traceloop.association.properties.session_id", "sess-9");

      assertThat(normalizer.extract(span).conversationId()).isEqualTo("sess-9");
    }

    @Test
    void openInferenceTotalCostIsTheClientCost() {
      Span span = chat("llm.cost.total", 0.0123, "llm.cost.prompt", 0.01);

      assertThat(normalizer.extract(span).clientCostUsd()).isEqualTo(0.0123);
    }

    @Test
    void openLitCostIsTheClientCost() {
      Span span = chat("gen_ai.usage.cost", "0.5");

      assertThat(normalizer.extract(span).clientCostUsd()).isEqualTo(0.5);
    }

    @Test
    void promptAndCompletionCostsAreSummedWithoutATotal() {
      Span span = chat("llm.cost.prompt", 0.25, "llm.cost.completion", 0.5);

      assertThat(normalizer.extract(span).clientCostUsd()).isEqualTo(0.75);
    }

    @Test
    void noClientCostIsNaN() {
      assertThat(normalizer.extract(chat()).clientCostUsd()).isNaN();
    }

    @Test
    void tokentrailAttributesAreRead() {
      Span span =
          chat(
              "tokentrail.task", "summarize-ticket",
              "tokentrail.outcome", "resolved",
              "tokentrail.outcome.value_usd", 2.5,
              "tokentrail.retry.attempt", 2,
              "tokentrail.request.hash", "r-hash",
              "tokentrail.prefix.hash", "p-hash");

      LlmCall call = normalizer.extract(span);

      assertThat(call.task()).isEqualTo("summarize-ticket");
      assertThat(call.outcome()).isEqualTo("resolved");
      assertThat(call.outcomeValueUsd()).isEqualTo(2.5);
      assertThat(call.retryAttempt()).isEqualTo(2);
      assertThat(call.requestHash()).isEqualTo("r-hash");
      assertThat(call.prefixHash()).isEqualTo("p-hash");
      assertThat(call.cost()).as("priced later by the enricher").isNull();
    }

    @Test
    void absentTokentrailAttributesAreUnknown() {
      LlmCall call = normalizer.extract(chat());

      assertThat(call.retryAttempt()).isEqualTo(LlmCall.UNKNOWN);
      assertThat(call.outcomeValueUsd()).isNaN();
      assertThat(call.task()).isNull();
    }

    @Test
    void nonStringAttributeValuesDoNotThrow() {
      Span span =
          chat(
              "gen_ai.response.model", List.of("gpt-4o"),
              "gen_ai.conversation.id", new byte[] {1, 2},
              "session.id", 42L,
              "tokentrail.team", java.util.Map.of("a", "b"));

      LlmCall call = normalizer.extract(span);

      assertThat(call.responseModel()).isNull();
      assertThat(call.conversationId()).isEqualTo("42");
      assertThat(call.attribution().team()).isNull();
    }
  }
}
