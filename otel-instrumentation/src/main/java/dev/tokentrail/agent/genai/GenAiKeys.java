package dev.tokentrail.agent.genai;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * The OTel GenAI span attributes (and TokenTrail's) that the extension reads and writes, in one
 * place for the span processor and the instrumentations. Also a helper injected into the
 * application's classloader next to each instrumentation.
 */
public final class GenAiKeys {
  public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  public static final AttributeKey<Double> REQUEST_TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
  public static final AttributeKey<Double> REQUEST_TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
  public static final AttributeKey<Long> REQUEST_MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
  public static final AttributeKey<List<String>> REQUEST_STOP = AttributeKey.stringArrayKey("gen_ai.request.stop_sequences");
  public static final AttributeKey<Boolean> REQUEST_STREAM = AttributeKey.booleanKey("gen_ai.request.stream");
  public static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  public static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  public static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  public static final AttributeKey<Long> INPUT = AttributeKey.longKey("gen_ai.usage.input_tokens");
  public static final AttributeKey<Long> OUTPUT = AttributeKey.longKey("gen_ai.usage.output_tokens");
  public static final AttributeKey<Long> CACHE_READ = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  public static final AttributeKey<Long> CACHE_WRITE = AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
  public static final AttributeKey<Long> REASONING = AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  public static final AttributeKey<String> REQUEST_HASH = AttributeKey.stringKey("tokentrail.request.hash");
  public static final AttributeKey<String> PREFIX_HASH = AttributeKey.stringKey("tokentrail.prefix.hash");
  /** Estimated tokens of the prefix {@link #PREFIX_HASH} names (docs/agent.md, "Request fingerprints"). */
  public static final AttributeKey<Long> PREFIX_TOKENS = AttributeKey.longKey("tokentrail.prefix.tokens");
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  /** Deprecated name of the provider, still sent by older instrumentations. */
  public static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
  /** The Anthropic Java SDK's own tracing names cache writes this way. */
  public static final AttributeKey<Long> CACHE_WRITE_ANTHROPIC_SDK = AttributeKey.longKey("gen_ai.usage.cache_write.input_tokens");
  /** Token counts no OTel convention carries yet (docs/pricing.md): one-hour cache writes, audio. */
  public static final AttributeKey<Long> CACHE_WRITE_1H = AttributeKey.longKey("tokentrail.usage.cache_creation_1h.input_tokens");
  public static final AttributeKey<Long> INPUT_AUDIO = AttributeKey.longKey("tokentrail.usage.audio.input_tokens");
  public static final AttributeKey<Long> OUTPUT_AUDIO = AttributeKey.longKey("tokentrail.usage.audio.output_tokens");
  public static final AttributeKey<String> TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");
  public static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
  public static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  public static final AttributeKey<Long> RETRY_ATTEMPT = AttributeKey.longKey("tokentrail.retry.attempt");
  public static final AttributeKey<Boolean> WRAPPER = AttributeKey.booleanKey("tokentrail.llm.wrapper");
  public static final AttributeKey<Double> COST = AttributeKey.doubleKey("tokentrail.cost.usd");
  public static final AttributeKey<Double> COST_INPUT = AttributeKey.doubleKey("tokentrail.cost.input_usd");
  public static final AttributeKey<Double> COST_OUTPUT = AttributeKey.doubleKey("tokentrail.cost.output_usd");
  public static final AttributeKey<String> PRICE_VERSION = AttributeKey.stringKey("tokentrail.price.version");
  public static final AttributeKey<String> PRICE_SOURCE = AttributeKey.stringKey("tokentrail.price.source");
  public static final AttributeKey<String> UNPRICED = AttributeKey.stringKey("tokentrail.price.unpriced_reason");
  public static final AttributeKey<String> PRICE_MODEL = AttributeKey.stringKey("tokentrail.price.model");
  public static final AttributeKey<String> PRICE_PROVIDER = AttributeKey.stringKey("tokentrail.price.provider");

  private GenAiKeys() {}

  /**
   * Whether {@code operation} ({@code gen_ai.operation.name}) is one call to a model, as opposed to
   * an agent, tool or workflow around calls. The older names are read as the server reads them.
   */
  public static boolean isCall(String operation) {
    if (operation == null) {
      return false;
    }
    switch (operation) {
      case "chat":
      case "text_completion":
      case "generate_content":
      case "embeddings":
      case "completion":
      case "embedding":
        return true;
      default:
        return false;
    }
  }
}
