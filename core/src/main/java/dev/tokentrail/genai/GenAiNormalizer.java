package dev.tokentrail.genai;

import static dev.tokentrail.genai.GenAiAttributes.*;
import static java.util.Objects.requireNonNull;

import dev.tokentrail.model.Attribution;
import dev.tokentrail.model.LlmCall;
import dev.tokentrail.model.Span;
import dev.tokentrail.model.SpanEvent;
import dev.tokentrail.model.StatusCode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recognizes LLM calls among spans and reads them into canonical {@link LlmCall}s, whatever
 * convention reported them: OTel GenAI (current and deprecated names), OpenInference, OpenLLMetry,
 * the Vercel AI SDK and Spring AI. Precedence and token semantics follow
 * docs/research/genai-conventions.md section 9. Never throws on span content.
 */
public final class GenAiNormalizer {
  static final String VERCEL_INPUT_NO_CACHE = "ai.usage.inputTokenDetails.noCacheTokens";
  static final String VERCEL_INPUT_CACHE_READ = "ai.usage.inputTokenDetails.cacheReadTokens";
  static final String VERCEL_INPUT_CACHE_WRITE =
      "ai.usage.inputTokenDetails.cacheWriteTokens";
  static final String VERCEL_REASONING_DETAIL =
      "ai.usage.outputTokenDetails.reasoningTokens";
  private static final String VERCEL_RESPONSE_MODEL = "ai.response.model";
  private static final String OI_REQUEST_MODEL = "llm.request.model_name";
  private static final String OI_RESPONSE_MODEL = "llm.response.model_name";
  private static final String TRACELOOP_SPAN_KIND = "traceloop.span.kind";
  private static final String EXCEPTION_TYPE = "exception.type";

  private final AttributionKeys attributionKeys;
  private final ValueLimits limits;
  /** {@code baggage.KEY} for each attribution key, built once rather than per span. */
  private final List<String> teamBaggage;
  private final List<String> projectBaggage;
  private final List<String> costCenterBaggage;
  private final List<String> featureBaggage;
  private final List<String> userBaggage;

  private GenAiNormalizer(AttributionKeys attributionKeys, ValueLimits limits) {
    this.attributionKeys = attributionKeys;
    this.limits = limits;
    this.teamBaggage = baggageKeys(attributionKeys.team());
    this.projectBaggage = baggageKeys(attributionKeys.project());
    this.costCenterBaggage = baggageKeys(attributionKeys.costCenter());
    this.featureBaggage = baggageKeys(attributionKeys.feature());
    this.userBaggage = baggageKeys(attributionKeys.user());
  }

  private static List<String> baggageKeys(List<String> keys) {
    java.util.ArrayList<String> out = new java.util.ArrayList<>(keys.size());
    for (String key : keys) {
      out.add("baggage." + key);
    }
    return List.copyOf(out);
  }

  public static GenAiNormalizer create(AttributionKeys attributionKeys) {
    return create(attributionKeys, ValueLimits.DEFAULT);
  }

  /** With {@code limits} bounding the token counts and client costs believed. */
  public static GenAiNormalizer create(AttributionKeys attributionKeys, ValueLimits limits) {
    return new GenAiNormalizer(requireNonNull(attributionKeys, "attributionKeys"), requireNonNull(limits, "limits"));
  }

  public ValueLimits limits() {
    return limits;
  }

  /** The span's LLM call, or {@code null} when the span is not one. Cost is not yet set. */
  public LlmCall extract(Span span) {
    Map<String, Object> a = span.attributes();
    String operation = operationOf(a);
    if (operation == null) {
      return null;
    }
    String provider = providerOf(a);
    String requestModel =
        firstString(a, REQUEST_MODEL, OI_REQUEST_MODEL, VERCEL_MODEL_ID, OI_MODEL_NAME);
    String responseModel =
        firstString(a, RESPONSE_MODEL, VERCEL_RESPONSE_MODEL, OI_RESPONSE_MODEL, OI_MODEL_NAME);

    long input =
        firstLong(
            a,
            USAGE_INPUT_TOKENS,
            VERCEL_INPUT_TOKENS,
            VERCEL_PROMPT_TOKENS,
            OI_PROMPT_TOKENS,
            USAGE_PROMPT_TOKENS,
            OPENLLMETRY_LLM_PROMPT_TOKENS);
    long output =
        firstLong(
            a,
            USAGE_OUTPUT_TOKENS,
            VERCEL_OUTPUT_TOKENS,
            VERCEL_COMPLETION_TOKENS,
            OI_COMPLETION_TOKENS,
            USAGE_COMPLETION_TOKENS,
            OPENLLMETRY_LLM_COMPLETION_TOKENS);
    long cacheRead =
        firstLong(
            a,
            USAGE_CACHE_READ_INPUT_TOKENS,
            VERCEL_INPUT_CACHE_READ,
            VERCEL_CACHED_INPUT_TOKENS,
            OI_CACHE_READ_TOKENS,
            OPENLLMETRY_CACHE_READ_INPUT_TOKENS);
    long cacheWrite =
        firstLong(
            a,
            USAGE_CACHE_CREATION_INPUT_TOKENS,
            ANTHROPIC_SDK_CACHE_WRITE_INPUT_TOKENS,
            VERCEL_INPUT_CACHE_WRITE,
            OI_CACHE_WRITE_TOKENS,
            OPENLLMETRY_CACHE_CREATION_INPUT_TOKENS);
    long reasoning =
        firstLong(
            a,
            USAGE_REASONING_OUTPUT_TOKENS,
            VERCEL_REASONING_DETAIL,
            VERCEL_REASONING_TOKENS,
            OI_REASONING_TOKENS,
            OPENLLMETRY_REASONING_TOKENS);

    long cacheWrite1h = firstLong(a, TT_USAGE_CACHE_WRITE_1H);
    long inputAudio = firstLong(a, TT_USAGE_INPUT_AUDIO, OI_INPUT_AUDIO_TOKENS);
    long outputAudio = firstLong(a, TT_USAGE_OUTPUT_AUDIO, OI_OUTPUT_AUDIO_TOKENS);

    // ClientAttributes moved implausible counts aside at ingest; a caller that skipped it (or a
    // span stored before) still gets no count above the bound.
    long max = limits.maxTokensPerCall();
    input = bounded(input, max);
    output = bounded(output, max);
    cacheRead = bounded(cacheRead, max);
    cacheWrite = bounded(cacheWrite, max);
    reasoning = bounded(reasoning, max);
    cacheWrite1h = bounded(cacheWrite1h, max);
    inputAudio = bounded(inputAudio, max);
    outputAudio = bounded(outputAudio, max);
    input = inclusiveInput(a, provider, input, cacheRead, cacheWrite, max);

    String conversation =
        firstString(a, CONVERSATION_ID, SESSION_ID, "traceloop.association.properties.session_id");
    double clientCost = clientCostOf(a, limits.maxUsdPerCall());
    long retryAttempt = firstLong(a, TT_RETRY_ATTEMPT);
    return new LlmCall(
        operation,
        provider,
        requestModel != null ? requestModel : responseModel,
        responseModel,
        input,
        output,
        cacheRead,
        cacheWrite,
        reasoning,
        cacheWrite1h,
        inputAudio,
        outputAudio,
        conversation,
        errorTypeOf(span),
        clientCost,
        attributionOf(span),
        firstString(a, TT_TASK),
        outcomeOf(span),
        boundedUsd(firstDouble(a, TT_OUTCOME_VALUE_USD), ValueLimits.MAX_USD_PER_CALL_LIMIT),
        retryAttempt,
        firstString(a, TT_REQUEST_HASH),
        firstString(a, TT_PREFIX_HASH),
        bounded(firstLong(a, TT_PREFIX_TOKENS), max),
        usesTools(a),
        null);
  }

  /** Whether a call offered tools or asked for a tool call, by any convention's marker. */
  public static boolean usesTools(Map<String, Object> attributes) {
    if (attributes.containsKey(TOOL_DEFINITIONS) || attributes.containsKey("llm.tools")
        || attributes.containsKey("gen_ai.request.functions") || attributes.containsKey("ai.prompt.tools")) {
      return true;
    }
    Object reasons = attributes.get(RESPONSE_FINISH_REASONS);
    if (reasons instanceof List<?> list) {
      for (Object r : list) {
        if ("tool_calls".equals(r) || "tool_use".equals(r) || "function_call".equals(r)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The canonical operation when the span is an LLM call, else {@code null}. Spans that only
   * aggregate calls (agents, workflows, tools, framework wrappers, Vercel outer spans, and call
   * spans the agent extension marked {@code tokentrail.llm.wrapper}) are not.
   */
  static String operationOf(Map<String, Object> a) {
    Object wrapper = a.get(TT_LLM_WRAPPER);
    if (Boolean.TRUE.equals(wrapper) || "true".equals(wrapper)) {
      return null; // The call span inside it carries the usage.
    }
    String op = string(a.get(OPERATION_NAME));
    if (op != null) {
      return switch (op) {
        case "chat", "text_completion", "generate_content", "embeddings" -> op;
        case "completion" -> "text_completion";
        case "embedding" -> "embeddings";
        default -> null;
      };
    }
    String oiKind = string(a.get(OI_SPAN_KIND));
    if (oiKind != null) {
      return switch (oiKind.toUpperCase(Locale.ROOT)) {
        case "LLM" -> "chat";
        case "EMBEDDING" -> "embeddings";
        default -> null;
      };
    }
    if (a.containsKey(TRACELOOP_SPAN_KIND) || "spring_ai".equals(string(a.get(SYSTEM)))) {
      return null;
    }
    String vercel = string(a.get(VERCEL_OPERATION_ID));
    if (vercel != null) {
      if (vercel.endsWith(".doEmbed")) {
        return "embeddings";
      }
      return vercel.endsWith(".doGenerate") || vercel.endsWith(".doStream") ? "chat" : null;
    }
    String requestType = string(a.get(OPENLLMETRY_REQUEST_TYPE));
    if (requestType != null) {
      return switch (requestType) {
        case "chat" -> "chat";
        case "completion" -> "text_completion";
        case "embedding" -> "embeddings";
        default -> null;
      };
    }
    boolean hasModel = a.containsKey(REQUEST_MODEL) || a.containsKey(OI_MODEL_NAME);
    boolean hasTokens =
        a.containsKey(USAGE_INPUT_TOKENS)
            || a.containsKey(USAGE_PROMPT_TOKENS)
            || a.containsKey(OI_PROMPT_TOKENS)
            || a.containsKey(OPENLLMETRY_LLM_PROMPT_TOKENS);
    return hasModel && hasTokens ? "chat" : null;
  }

  static String providerOf(Map<String, Object> a) {
    String raw = firstString(a, PROVIDER_NAME, SYSTEM, OI_PROVIDER, OI_SYSTEM, VERCEL_MODEL_PROVIDER);
    return raw == null ? null : Providers.canonical(raw);
  }

  /**
   * Canonical input tokens include cache reads and writes. Anthropic's API reports them beside
   * input; instrumentations that follow the current conventions (or OpenLLMetry, OpenInference,
   * Vercel AI SDK 6) add them in, older and hand-rolled ones do not.
   */
  private static long inclusiveInput(
      Map<String, Object> a, String provider, long input, long cacheRead, long cacheWrite, long max) {
    long cached = Math.max(0, cacheRead) + Math.max(0, cacheWrite);
    long noCache = bounded(firstLong(a, VERCEL_INPUT_NO_CACHE), max);
    if (noCache >= 0) {
      return noCache + cached;
    }
    if (input < 0 || cached == 0) {
      return input;
    }
    if (cached > input) {
      return input + cached;
    }
    boolean cacheBeside =
        ("anthropic".equals(provider) || "aws.bedrock".equals(provider))
            && !knownInclusive(a);
    return cacheBeside ? input + cached : input;
  }

  private static boolean knownInclusive(Map<String, Object> a) {
    return a.containsKey(USAGE_CACHE_READ_INPUT_TOKENS)
        || a.containsKey(USAGE_CACHE_CREATION_INPUT_TOKENS)
        || a.containsKey(ANTHROPIC_SDK_CACHE_WRITE_INPUT_TOKENS)
        || a.containsKey(OPENLLMETRY_CACHE_READ_INPUT_TOKENS)
        || a.containsKey(OPENLLMETRY_CACHE_CREATION_INPUT_TOKENS)
        || a.containsKey(OI_CACHE_READ_TOKENS)
        || a.containsKey(OI_CACHE_WRITE_TOKENS)
        // AI SDK v6: any inputTokenDetails.* means inputTokens is the cache-inclusive total.
        || a.containsKey(VERCEL_INPUT_CACHE_READ)
        || a.containsKey(VERCEL_INPUT_CACHE_WRITE);
  }

  /**
   * What the client says the call cost: OpenInference's or OpenLIT's total, else OpenInference's
   * prompt + completion, else the agent extension's own price (its {@code tokentrail.cost.usd},
   * renamed {@code tokentrail.client.cost.usd} at ingest). NaN when none is present and plausible.
   */
  private static double clientCostOf(Map<String, Object> a, double max) {
    double total = boundedUsd(firstDouble(a, OI_COST_TOTAL, OPENLIT_COST), max);
    if (!Double.isNaN(total)) {
      return total;
    }
    double prompt = boundedUsd(firstDouble(a, OI_COST_PROMPT), max);
    double completion = boundedUsd(firstDouble(a, OI_COST_COMPLETION), max);
    if (Double.isNaN(prompt) && Double.isNaN(completion)) {
      return boundedUsd(firstDouble(a, TT_CLIENT_COST_USD), max);
    }
    return (Double.isNaN(prompt) ? 0 : prompt) + (Double.isNaN(completion) ? 0 : completion);
  }

  /** {@code count}, or {@link LlmCall#UNKNOWN} when above {@code max}. */
  private static long bounded(long count, long max) {
    return count > max ? LlmCall.UNKNOWN : count;
  }

  /** {@code usd} when finite and within {@code [0, max]}, else NaN (unknown). */
  private static double boundedUsd(double usd, double max) {
    return usd >= 0 && usd <= max ? usd : Double.NaN;
  }

  /** The error type when the call failed, else {@code null}. */
  static String errorTypeOf(Span span) {
    Map<String, Object> a = span.attributes();
    String type = string(a.get(ERROR_TYPE));
    long httpStatus = firstLong(a, HTTP_RESPONSE_STATUS_CODE);
    if (span.statusCode() == StatusCode.ERROR) {
      if (type != null) {
        return type;
      }
      if (httpStatus >= 400) {
        return Long.toString(httpStatus);
      }
      for (SpanEvent event : span.events()) {
        String exception = string(event.attributes().get(EXCEPTION_TYPE));
        if (exception != null) {
          return exception;
        }
      }
      return "_OTHER";
    }
    if (type != null) {
      return type;
    }
    return httpStatus >= 400 ? Long.toString(httpStatus) : null;
  }

  private Attribution attributionOf(Span span) {
    return new Attribution(
        lookup(span, attributionKeys.team(), teamBaggage),
        lookup(span, attributionKeys.project(), projectBaggage),
        lookup(span, attributionKeys.costCenter(), costCenterBaggage),
        lookup(span, attributionKeys.feature(), featureBaggage),
        lookup(span, attributionKeys.user(), userBaggage));
  }

  /** Span attributes, then resource attributes, then baggage-derived span attributes. */
  static String lookup(Span span, List<String> keys, List<String> baggageKeys) {
    for (String key : keys) {
      String value = string(span.attributes().get(key));
      if (value != null) {
        return value;
      }
    }
    for (String key : keys) {
      String value = string(span.resource().attributes().get(key));
      if (value != null) {
        return value;
      }
    }
    for (String key : baggageKeys) {
      String value = string(span.attributes().get(key));
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  private static String outcomeOf(Span span) {
    return string(span.attributes().get(TT_OUTCOME));
  }

  // Attribute readers: lenient with types (numbers sent as strings, "none" placeholders).

  static String string(Object value) {
    if (value instanceof String s) {
      return s.isEmpty() || "none".equals(s) ? null : s;
    }
    if (value instanceof Long || value instanceof Boolean || value instanceof Double) {
      return value.toString();
    }
    return null;
  }

  static String firstString(Map<String, Object> a, String... keys) {
    for (String key : keys) {
      String value = string(a.get(key));
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /** The first present non-negative count, or {@link LlmCall#UNKNOWN}. */
  static long firstLong(Map<String, Object> a, String... keys) {
    for (String key : keys) {
      long value = toLong(a.get(key));
      if (value >= 0) {
        return value;
      }
    }
    return LlmCall.UNKNOWN;
  }

  static double firstDouble(Map<String, Object> a, String... keys) {
    for (String key : keys) {
      Object value = a.get(key);
      if (value instanceof Double d && Double.isFinite(d)) {
        return d;
      }
      if (value instanceof Long l) {
        return l;
      }
      if (value instanceof String s) {
        double parsed = parseDouble(s);
        if (Double.isFinite(parsed)) {
          return parsed;
        }
      }
    }
    return Double.NaN;
  }

  private static long toLong(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Double d) {
      return Double.isFinite(d) && d >= 0 ? Math.round(d) : LlmCall.UNKNOWN;
    }
    if (value instanceof String s) {
      return parseCount(s);
    }
    return LlmCall.UNKNOWN;
  }

  private static long parseCount(String s) {
    int n = s.length();
    if (n == 0 || n > 18) {
      return LlmCall.UNKNOWN;
    }
    long result = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return LlmCall.UNKNOWN;
      }
      result = result * 10 + (c - '0');
    }
    return result;
  }

  static double parseDouble(String s) {
    if (s.isEmpty() || s.length() > 32) {
      return Double.NaN;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9') && c != '.' && c != '-' && c != 'e' && c != 'E' && c != '+') {
        return Double.NaN;
      }
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN; // "1.2.3": characters were plausible, the number was not
    }
  }
}
