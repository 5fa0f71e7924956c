package dev.tokentrail.genai;

/**
 * Every GenAI attribute name TokenTrail reads or writes, in one place. The OTel GenAI names moved
 * to the semantic-conventions-genai repository in semconv 1.42 and the Java incubating constants
 * are deprecated since then, so we keep our own. See docs/research/genai-conventions.md for the
 * sources of each name.
 */
public final class GenAiAttributes {
  private GenAiAttributes() {}

  // OpenTelemetry GenAI semantic conventions, current names.
  public static final String OPERATION_NAME = "gen_ai.operation.name";
  public static final String PROVIDER_NAME = "gen_ai.provider.name";
  public static final String REQUEST_MODEL = "gen_ai.request.model";
  public static final String RESPONSE_MODEL = "gen_ai.response.model";
  public static final String USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
  public static final String USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
  public static final String USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
  public static final String USAGE_CACHE_CREATION_INPUT_TOKENS =
      "gen_ai.usage.cache_creation.input_tokens";
  public static final String USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
  public static final String CONVERSATION_ID = "gen_ai.conversation.id";
  public static final String RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
  public static final String TOOL_DEFINITIONS = "gen_ai.tool.definitions";
  public static final String ERROR_TYPE = "error.type";
  public static final String HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";

  // OpenTelemetry GenAI, deprecated names still emitted by many instrumentations.
  public static final String SYSTEM = "gen_ai.system";
  public static final String USAGE_PROMPT_TOKENS = "gen_ai.usage.prompt_tokens";
  public static final String USAGE_COMPLETION_TOKENS = "gen_ai.usage.completion_tokens";

  /** The Anthropic Java SDK's built-in tracing writes cache writes under this name. */
  public static final String ANTHROPIC_SDK_CACHE_WRITE_INPUT_TOKENS = "gen_ai.usage.cache_write.input_tokens";

  // OpenLLMetry (Traceloop) and OpenLIT.
  public static final String OPENLLMETRY_CACHE_READ_INPUT_TOKENS =
      "gen_ai.usage.cache_read_input_tokens";
  public static final String OPENLLMETRY_CACHE_CREATION_INPUT_TOKENS =
      "gen_ai.usage.cache_creation_input_tokens";
  public static final String OPENLLMETRY_LLM_PROMPT_TOKENS = "llm.usage.prompt_tokens";
  public static final String OPENLLMETRY_LLM_COMPLETION_TOKENS = "llm.usage.completion_tokens";
  public static final String OPENLLMETRY_REASONING_TOKENS = "gen_ai.usage.reasoning_tokens";
  public static final String OPENLLMETRY_REQUEST_TYPE = "llm.request.type";
  public static final String OPENLIT_COST = "gen_ai.usage.cost";

  // OpenInference (Arize).
  public static final String OI_SPAN_KIND = "openinference.span.kind";
  public static final String OI_MODEL_NAME = "llm.model_name";
  public static final String OI_PROVIDER = "llm.provider";
  public static final String OI_SYSTEM = "llm.system";
  public static final String OI_PROMPT_TOKENS = "llm.token_count.prompt";
  public static final String OI_COMPLETION_TOKENS = "llm.token_count.completion";
  public static final String OI_CACHE_READ_TOKENS = "llm.token_count.prompt_details.cache_read";
  public static final String OI_CACHE_WRITE_TOKENS = "llm.token_count.prompt_details.cache_write";
  public static final String OI_REASONING_TOKENS = "llm.token_count.completion_details.reasoning";
  public static final String OI_INPUT_AUDIO_TOKENS = "llm.token_count.prompt_details.audio";
  public static final String OI_OUTPUT_AUDIO_TOKENS = "llm.token_count.completion_details.audio";
  public static final String OI_COST_TOTAL = "llm.cost.total";
  public static final String OI_COST_PROMPT = "llm.cost.prompt";
  public static final String OI_COST_COMPLETION = "llm.cost.completion";
  public static final String SESSION_ID = "session.id";

  // Vercel AI SDK telemetry.
  public static final String VERCEL_OPERATION_ID = "ai.operationId";
  public static final String VERCEL_MODEL_ID = "ai.model.id";
  public static final String VERCEL_MODEL_PROVIDER = "ai.model.provider";
  public static final String VERCEL_PROMPT_TOKENS = "ai.usage.promptTokens";
  public static final String VERCEL_COMPLETION_TOKENS = "ai.usage.completionTokens";
  public static final String VERCEL_INPUT_TOKENS = "ai.usage.inputTokens";
  public static final String VERCEL_OUTPUT_TOKENS = "ai.usage.outputTokens";
  public static final String VERCEL_CACHED_INPUT_TOKENS = "ai.usage.cachedInputTokens";
  public static final String VERCEL_REASONING_TOKENS = "ai.usage.reasoningTokens";

  // Spring AI (Micrometer observations exported as OTel spans).
  public static final String SPRING_AI_KIND = "spring.ai.kind";

  // TokenTrail's own.
  public static final String TT_LLM_CALL = "tokentrail.llm_call";
  public static final String TT_COST_USD = "tokentrail.cost.usd";
  public static final String TT_COST_INPUT_USD = "tokentrail.cost.input_usd";
  public static final String TT_COST_OUTPUT_USD = "tokentrail.cost.output_usd";
  public static final String TT_COST_CLIENT_USD = "tokentrail.cost.client_usd";
  public static final String TT_COST_MISMATCH_USD = "tokentrail.cost.mismatch_usd";
  public static final String TT_PRICE_VERSION = "tokentrail.price.version";
  public static final String TT_PRICE_MODEL = "tokentrail.price.model";
  public static final String TT_PRICE_TIER = "tokentrail.price.tier";
  /** The catalog provider whose price was used ({@code aws}, {@code groq}). */
  public static final String TT_PRICE_PROVIDER = "tokentrail.price.provider";
  /** After a reprice: the catalog version and cost the call had before. */
  public static final String TT_PRICE_PREVIOUS_VERSION = "tokentrail.price.previous_version";
  public static final String TT_COST_PREVIOUS_USD = "tokentrail.cost.previous_usd";
  /**
   * Token counts no OTel convention carries yet, written by TokenTrail's agent extension: one-hour
   * cache writes (part of the cache-creation count) and audio input and output tokens.
   */
  public static final String TT_USAGE_CACHE_WRITE_1H = "tokentrail.usage.cache_creation_1h.input_tokens";
  public static final String TT_USAGE_INPUT_AUDIO = "tokentrail.usage.audio.input_tokens";
  public static final String TT_USAGE_OUTPUT_AUDIO = "tokentrail.usage.audio.output_tokens";
  public static final String TT_UNPRICED_REASON = "tokentrail.price.unpriced_reason";
  public static final String TT_REQUEST_HASH = "tokentrail.request.hash";
  public static final String TT_PREFIX_HASH = "tokentrail.prefix.hash";
  /** The prefix's size in tokens as the agent estimated it where it computed the prefix hash. */
  public static final String TT_PREFIX_TOKENS = "tokentrail.prefix.tokens";
  /** Set by the agent extension on a call span that wraps another call span (which has the usage). */
  public static final String TT_LLM_WRAPPER = "tokentrail.llm.wrapper";
  public static final String TT_RETRY_ATTEMPT = "tokentrail.retry.attempt";
  public static final String TT_TASK = "tokentrail.task";
  public static final String TT_OUTCOME = "tokentrail.outcome";
  public static final String TT_OUTCOME_VALUE_USD = "tokentrail.outcome.value_usd";
  public static final String TT_TEAM = "tokentrail.team";
  public static final String TT_PROJECT = "tokentrail.project";
  public static final String TT_COST_CENTER = "tokentrail.cost_center";
  public static final String TT_FEATURE = "tokentrail.feature";
  public static final String TT_USER = "tokentrail.user";
  public static final String TT_CLOCK_SKEW = "tokentrail.clock_skew";
  /** Prefix under which an original attribute value is kept when normalization rewrote it. */
  public static final String TT_ORIGINAL_PREFIX = "tokentrail.original.";
  /** Written by TokenTrail's agent extension beside its own price ({@code agent}). */
  public static final String TT_PRICE_SOURCE = "tokentrail.price.source";
  /**
   * Prefix under which a server-owned attribute a client sent is kept: {@code tokentrail.cost.usd}
   * from a client is stored as {@code tokentrail.client.cost.usd}. The price is always the server's.
   */
  public static final String TT_CLIENT_PREFIX = "tokentrail.client.";
  /** The agent extension's own cost of a call, once renamed: read as a client-reported cost. */
  public static final String TT_CLIENT_COST_USD = TT_CLIENT_PREFIX + "cost.usd";

  private static final String TT_PREFIX = "tokentrail.";

  /**
   * Whether {@code key} is an attribute only the server writes: the cost and price of a call
   * ({@code tokentrail.cost.*}, {@code tokentrail.price.*}), the call marker {@code
   * tokentrail.llm_call}, the kept originals {@code tokentrail.original.*} and {@code
   * tokentrail.clock_skew}. Attribution, outcome, retry attempt, hashes, the wrapper marker and the
   * {@code tokentrail.usage.*} counts are the client's to send.
   */
  public static boolean isServerOwned(String key) {
    if (!key.startsWith(TT_PREFIX)) {
      return false;
    }
    return key.startsWith("cost.", TT_PREFIX.length())
        || key.startsWith("price.", TT_PREFIX.length())
        || key.startsWith("original.", TT_PREFIX.length())
        || key.equals(TT_LLM_CALL)
        || key.equals(TT_CLOCK_SKEW);
  }
}
